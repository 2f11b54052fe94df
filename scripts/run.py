"""`make run`: migrate, load the demo on first run, start Redis (when REDIS_URL is unset), the web
server, a Celery worker and Celery beat; print the logins; Ctrl-C stops everything it started.

    python scripts/run.py [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import embedded_redis  # noqa: E402

DEFAULT_REDIS_PORT = 6399


def bin_path(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def is_first_run(env: dict) -> bool:
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
         "from django.contrib.auth import get_user_model; print(get_user_model().objects.exists())"],
        check=True, env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().endswith("False")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--redis-port", type=int, default=DEFAULT_REDIS_PORT)
    parser.add_argument("--demo-customers", type=int, default=200)
    options = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    var_dir = Path(env.get("DJANGO_VAR_DIR", ROOT / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []

    def shutdown(*_args):
        # One at a time, Redis last: the worker's warm shutdown (and beat's) still reach their broker
        # instead of retrying a Redis stopped at the same moment until they are killed.
        for name, process in reversed(children):
            if process.poll() is None:
                print(f"stopping {name} …", flush=True)
                process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    # Ctrl-C stops everything even when this was started with SIGINT ignored (a shell starting it
    # in the background without job control makes it ignored, and Python then keeps ignoring it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if not env.get("REDIS_URL"):
            redis = embedded_redis.start(options.redis_port, var_dir / "redis")
            children.append(("redis", redis))
            env["REDIS_URL"] = f"redis://127.0.0.1:{options.redis_port}/0"
            print(f"Embedded Redis on {env['REDIS_URL']} (data in {var_dir / 'redis'})", flush=True)

        manage("migrate", "--noinput", "-v", "0", env=env)
        if is_first_run(env):
            print("First run: loading the demo organisation …", flush=True)
            manage("load_demo", "--customers", str(options.demo_customers), env=env)

        url = f"http://{options.host}:{options.port}"
        web = [bin_path("gunicorn"), "prioritization.wsgi:application", "--bind", f"{options.host}:{options.port}",
               "--workers", "2", "--threads", "4", "--access-logfile", "-", "--graceful-timeout", "5"]  # fmt: skip
        worker = [bin_path("celery"), "-A", "prioritization", "worker", "--loglevel", "INFO", "--concurrency", "2",
                  "--hostname", f"worker-{options.port}@%h"]  # fmt: skip
        beat = [bin_path("celery"), "-A", "prioritization", "beat", "--loglevel", "INFO",
                "--pidfile", str(var_dir / f"celerybeat-{options.port}.pid")]  # fmt: skip
        for name, command in (("web", web), ("worker", worker), ("beat", beat)):
            children.append((name, subprocess.Popen(command, env=env, cwd=ROOT)))

        mail = env.get("EMAIL_URL") or env.get("EMAIL_HOST") or f"files in {var_dir / 'mail'}"
        print(
            f"\nThe workbench is running at {url}\n"
            f"Demo logins (password demo-pass-123): admin, bgvp, buvp, segmgr, segmgr2, am1, am2, researcher, pr\n"
            f"Outgoing e-mail: {mail}\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while True:
            for name, process in children:
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping the rest.", flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
