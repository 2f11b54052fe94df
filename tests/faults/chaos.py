"""Real processes for the chaos test: a Redis that can be stopped and restarted, a throwaway
database the Celery processes share, and Celery worker/beat processes that can be SIGKILLed."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import embedded_redis  # noqa: E402

# The smoke test uses db 14 of a shared REDIS_URL server; the chaos test its own number.
CHAOS_REDIS_DB = 13


def free_port() -> int:
    return embedded_redis.free_port()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout} s (last error: {last!r})")


# --- Redis ---------------------------------------------------------------------------------------
class TcpProxy:
    """A loopback TCP relay in front of a Redis we do not own (REDIS_URL): `stop()` closes the
    listening socket and every relayed connection, so clients see exactly what a stopped server
    shows them (connection reset, then connection refused); `start()` listens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.setblocking(False)
        with self._lock:
            self._listener = listener
            self._selector.register(listener, selectors.EVENT_READ, "accept")

    def stop(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._selector.unregister(self._listener)
                self._listener.close()
                self._listener = None
            for sock in list(self._pairs):
                self._drop(sock)

    def close(self) -> None:
        self.stop()
        self._running = False
        self._thread.join(timeout=5)

    def _drop(self, sock: socket.socket) -> None:
        peer = self._pairs.pop(sock, None)
        for s in (sock, peer):
            if s is None:
                continue
            self._pairs.pop(s, None)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(s)
            with contextlib.suppress(OSError):  # close with a reset, as a dying server's kernel does
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()

    def _loop(self) -> None:
        while self._running:
            with self._lock:
                events = self._selector.select(timeout=0.05) if self._selector.get_map() else []
                for key, _mask in events:
                    if key.data == "accept":
                        try:
                            client, _addr = key.fileobj.accept()
                        except OSError:
                            continue
                        try:
                            upstream = socket.create_connection(self.target, timeout=2)
                        except OSError:
                            client.close()
                            continue
                        for s in (client, upstream):
                            s.setblocking(False)
                            self._selector.register(s, selectors.EVENT_READ, "relay")
                        self._pairs[client], self._pairs[upstream] = upstream, client
                    elif key.fileobj in self._pairs:
                        try:
                            data = key.fileobj.recv(65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if not data:
                            self._drop(key.fileobj)
                            continue
                        peer = self._pairs[key.fileobj]
                        try:
                            peer.setblocking(True)
                            peer.sendall(data)
                            peer.setblocking(False)
                        except OSError:
                            self._drop(key.fileobj)
            if not events:
                time.sleep(0.01)


class ChaosRedis:
    """A Redis for the Celery processes that the test can stop and restart.

    Without REDIS_URL: a redis-server of our own (scripts/embedded_redis.py: noeviction, AOF); an
    outage SIGKILLs it and starts it again on the same port and data directory.
    With REDIS_URL: db 13 of that server behind a TcpProxy; an outage cuts the proxy and empties
    db 13 meanwhile — what a restart of a Redis without persistence (CI's) loses."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        shared = os.environ.get("REDIS_URL")
        self.shared = bool(shared)
        if shared:
            parts = urlsplit(shared)
            self.proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
            self.proxy.start()
            auth = parts.netloc.rpartition("@")[0]
            netloc = f"{auth + '@' if auth else ''}127.0.0.1:{self.proxy.port}"
            self.url = urlunsplit((parts.scheme, netloc, f"/{CHAOS_REDIS_DB}", "", ""))
            self.direct = redis.Redis.from_url(urlunsplit(parts._replace(path=f"/{CHAOS_REDIS_DB}")))
            self.direct.flushdb()
            self.kind = f"REDIS_URL server, db {CHAOS_REDIS_DB}, through a cuttable proxy"
        else:
            self.port = free_port()
            self.process = embedded_redis.start(self.port, work_dir / "redis")
            self.url = f"redis://127.0.0.1:{self.port}/0"
            self.kind = f"own redis-server on port {self.port} (noeviction, AOF)"

    def stop(self) -> None:
        if self.shared:
            self.proxy.stop()
            self.direct.flushdb()
        else:
            self.process.kill()
            self.process.wait(timeout=10)

    def start(self) -> None:
        if self.shared:
            self.proxy.start()
        else:
            self.process = embedded_redis.start(self.port, self.work_dir / "redis")

    def maxmemory_policy(self) -> str:
        client = redis.Redis.from_url(self.url)
        try:
            return client.config_get("maxmemory-policy")["maxmemory-policy"]
        finally:
            client.close()

    def close(self) -> None:
        if self.shared:
            self.proxy.close()
            self.direct.flushdb()
            self.direct.close()
        else:
            embedded_redis.stop(self.process)


# --- the shared database -----------------------------------------------------------------------------
class ChaosDatabase:
    """PostgreSQL when DATABASE_URL is set (a throwaway database created and dropped on that
    server), else a temporary SQLite file; `env` is what the processes need to use it."""

    def __init__(self, work_dir: Path):
        server = os.environ.get("DATABASE_URL")
        if server:
            import psycopg

            self.name = f"chaos_{uuid.uuid4().hex[:12]}"
            parts = urlsplit(server)
            self._admin_url = server
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            self.env = {"DATABASE_URL": self.url}
            self.kind = f"PostgreSQL database {self.name} (throwaway)"
            self.path = None
        else:
            self.path = work_dir / "chaos.sqlite3"
            self.env = {"DJANGO_SQLITE_PATH": str(self.path)}
            self.kind = f"SQLite file {self.path}"

    @property
    def vendor(self) -> str:
        return "sqlite" if self.path else "postgresql"

    def count(self, sql: str) -> int:
        if self.path:
            conn = sqlite3.connect(self.path, timeout=20)
            try:
                return conn.execute(sql).fetchone()[0]
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql).fetchone()[0]

    def drop(self) -> None:
        if self.path:
            return
        import psycopg

        with psycopg.connect(self._admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- processes -----------------------------------------------------------------------------------
def process_env(*, database: ChaosDatabase, redis_url: str, var_dir: Path, sweep_seconds: float) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_TESTING",
            "EMAIL_URL",
            "EMAIL_HOST",
            "DJANGO_SQLITE_PATH",
        )
        and not k.startswith(("PYTEST_", "COV_CORE_"))
    }
    env.update(database.env)
    env.update(
        {
            "REDIS_URL": redis_url,
            "DJANGO_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "prioritization.settings",
            "WORKBENCH_SWEEP_SECONDS": str(sweep_seconds),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_django(args: list[str], env: dict, timeout: float = 240) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


class CeleryProcess:
    """`celery -A prioritization worker|beat` in its own process group, logging to a file."""

    def __init__(self, kind: str, name: str, env: dict, log_dir: Path):
        self.kind, self.name, self.env = kind, name, env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def command(self) -> list[str]:
        celery = str(Path(sys.executable).parent / "celery")
        if self.kind == "worker":
            return [celery, "-A", "prioritization", "worker", "--loglevel", "INFO", "--concurrency", "2",
                    "--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        return [celery, "-A", "prioritization", "beat", "--loglevel", "INFO",
                "--pidfile", str(self.log_path.with_suffix(".pid"))]  # fmt: skip

    def start(self) -> float:
        """Start it; returns the offset of this start in its log (to wait for readiness after it)."""
        self.log_path.touch()
        offset = self.log_path.stat().st_size
        self.log_path.with_suffix(".pid").unlink(missing_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        self.starts += 1
        return offset

    def wait_ready(self, offset: int, timeout: float = 60) -> None:
        marker = b" ready." if self.kind == "worker" else b"beat: Starting"

        def ready():
            self.check_alive()
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return marker in log.read()

        wait_for(ready, timeout, f"{self.name} ready")

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{self.name} is not running (exit {self.process and self.process.returncode}):\n{tail}"
            )

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children, mid-task."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
