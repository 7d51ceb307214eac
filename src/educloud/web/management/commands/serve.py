"""``educloud serve``: the production server, uvicorn workers that each own a listening socket.

``uvicorn --workers N`` puts every worker on one shared listening socket; whichever worker wakes first
accepts a burst of new connections, and keep-alive connections then stay where they landed (45 of 50
on one of two workers in the load bench), so the busy worker's clients wait while the other idles.
Here each worker is a plain ``uvicorn --fd`` process on its own socket bound with ``SO_REUSEPORT``, and
the kernel spreads connections across the sockets (ADR 0012). The parent only supervises: it forwards
SIGTERM/SIGINT, and replaces a worker that dies (stopping instead if one dies within
``CRASH_WINDOW_SECONDS`` of starting, so a broken deployment fails loudly rather than looping).
Linux only (``SO_REUSEPORT`` with load balancing).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

CRASH_WINDOW_SECONDS = 5.0
APPLICATION = "educloud.config.asgi:application"


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class Command(BaseCommand):
    help = "Serve with uvicorn workers, one SO_REUSEPORT listening socket each (production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--uvicorn-arg",
            action="append",
            default=[],
            dest="uvicorn_args",
            help="passed to every uvicorn worker, e.g. --uvicorn-arg=--no-access-log (repeatable)",
        )

    def handle(
        self, *args: Any, host: str, port: int, workers: int, uvicorn_args: list[str], **options: Any
    ) -> None:
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        try:
            sockets = [listening_socket(host, port) for _ in range(workers)]
        except OSError as exc:
            raise CommandError(f"无法监听 {host}:{port}：{exc}") from exc
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def start(sock: socket.socket) -> tuple[subprocess.Popen[bytes], float]:
            # --no-proxy-headers: the application decides the client address (lib/client_address.py).
            command = [sys.executable, "-m", "uvicorn", APPLICATION, "--fd", str(sock.fileno())]
            command += ["--no-proxy-headers", *uvicorn_args]
            # Our own interpreter and module; the extra arguments come from the operator's command line.
            return subprocess.Popen(command, pass_fds=[sock.fileno()]), time.monotonic()  # noqa: S603

        running = [start(sock) for sock in sockets]
        pids = [proc.pid for proc, _ in running]
        self.stdout.write(f"educloud serve: http://{host}:{port}/ · {workers} workers, pids {pids}")
        try:
            while not stopping:
                time.sleep(0.2)
                for i, (proc, started) in enumerate(running):
                    if proc.poll() is None or stopping:
                        continue
                    if time.monotonic() - started < CRASH_WINDOW_SECONDS:
                        raise CommandError(f"worker {proc.pid} exited ({proc.returncode}) on start")
                    self.stderr.write(f"worker {proc.pid} exited ({proc.returncode}); starting a new one")
                    running[i] = start(sockets[i])
        finally:
            for proc, _ in running:
                if proc.poll() is None:
                    proc.terminate()
            for proc, _ in running:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for sock in sockets:
                sock.close()
