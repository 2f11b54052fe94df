"""A real SMTP server on a loopback port, speaking just enough of RFC 5321 (EHLO/HELO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT) for smtplib and Django's SMTP back-end — and failing on purpose.

Each connection follows the next behaviour of `plan` (then `default`):

    accept                 250 after the message's end
    refuse                 451 after the message's end (the server says "try again later")
    refuse-mail            451 to MAIL FROM
    drop-after-data        reads the whole message, then closes without a reply
    hang-after-data        reads the whole message, then never answers (the client times out)
    drop-at-data-command   closes when the client sends DATA (before any of the message)
    drop-before-greeting   closes the connection at once
    hang-before-greeting   accepts the TCP connection and never says anything
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field

BEHAVIOURS = {
    "accept", "refuse", "refuse-mail", "drop-after-data", "hang-after-data", "drop-at-data-command",
    "drop-before-greeting", "hang-before-greeting",
}  # fmt: skip


@dataclass
class Received:
    behaviour: str
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class SmtpLog:
    connections: list[str] = field(default_factory=list)  # behaviour of each connection, in order
    received: list[Received] = field(default_factory=list)  # every message whose end was read

    @property
    def accepted(self) -> list[Received]:
        """Messages the server took responsibility for (a 250 after the end of DATA)."""
        return [r for r in self.received if r.behaviour == "accept"]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def hang(self) -> None:
        self.server.release.wait(30)

    def handle(self):
        behaviour = self.server.next_behaviour()
        if behaviour == "drop-before-greeting":
            return
        if behaviour == "hang-before-greeting":
            self.hang()
            return
        self.reply("220 faults.test ESMTP ready")
        mail_from, rcpt_to = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-faults.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 faults.test")
            elif verb == "MAIL":
                if behaviour == "refuse-mail":
                    self.reply("451 4.3.2 try again later")
                    continue
                mail_from, rcpt_to = command[10:].strip(), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                rcpt_to.append(command[8:].strip())
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if behaviour == "drop-at-data-command":
                    return
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return  # the client went away mid-message: nothing was delivered
                    if chunk == b".\r\n":
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.log.received.append(Received(behaviour, mail_from, rcpt_to, b"".join(lines)))
                if behaviour == "drop-after-data":
                    return
                if behaviour == "hang-after-data":
                    self.hang()
                    return
                if behaviour == "refuse":
                    self.reply("451 4.3.0 temporary failure, try again later")
                else:
                    self.reply("250 2.0.0 queued")
            elif verb == "RSET":
                mail_from, rcpt_to = "", []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan: list[str] = []
        self.default = "accept"
        self.log = SmtpLog()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def next_behaviour(self) -> str:
        with self._lock:
            behaviour = self.plan.pop(0) if self.plan else self.default
            assert behaviour in BEHAVIOURS, behaviour
            self.log.connections.append(behaviour)
            return behaviour


class SmtpServer:
    """`with SmtpServer() as smtp: smtp.plan = ["refuse", "accept"]; ... smtp.port ...`"""

    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def plan(self) -> list[str]:
        return self._server.plan

    @plan.setter
    def plan(self, behaviours: list[str]) -> None:
        self._server.plan = list(behaviours)

    @property
    def log(self) -> SmtpLog:
        return self._server.log

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
