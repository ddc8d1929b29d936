"""A real `redis-server` process for tests, on a free loopback port, that tests can kill.

Registered as a pytest plugin in tests/conftest.py; the `redis_server` fixture gives each test
its own server (started in well under a second) and stops it afterwards. `kill()` simulates an
outage, `pause()` a hung server, `restart()` brings it back on the same port, empty (nothing is
persisted).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
_PING = b"*1\r\n$4\r\nPING\r\n"


class RedisServer:
    """One redis-server process bound to 127.0.0.1; `url` stays the same across restarts."""

    def __init__(self, executable: str, directory: Path) -> None:
        self._executable = executable
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and wait (bounded) until it answers PING."""
        if self.running:
            return
        log_file = self._directory / "redis.log"
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            # A cache server: nothing on disk, so a restart comes back empty like a new node.
            "save": "",
            "appendonly": "no",
            "dir": str(self._directory),
            "logfile": str(log_file),
            "daemonize": "no",
        }
        arguments = [self._executable]
        for name, value in options.items():
            arguments += [f"--{name}", value]
        self._process = subprocess.Popen(
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start:\n{_tail(log_file)}")
            if _answers_ping(self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING in {START_TIMEOUT_S}s")

    def kill(self) -> None:
        """Kill the server at once, as a crash or a network cut would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_S)
            self._process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing answers."""
        if self._process is not None:
            os.kill(self._process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again."""
        if self._process is not None:
            os.kill(self._process.pid, signal.SIGCONT)

    def restart(self) -> None:
        """Kill the server if it runs and start a fresh, empty one on the same port."""
        self.kill()
        self.start()

    def stop(self) -> None:
        """Stop the server politely, and kill it if it does not stop in time."""
        if self._process is None:
            return
        self.resume()  # a paused process would not act on SIGTERM
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_S)
        self._process = None


def find_redis_server() -> str:
    """The redis-server on PATH; fails the test with the fix when there is none."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not on PATH; these tests need a real one. "
            "Install it with `apt-get install redis-server` (the CI does the same).",
            pytrace=False,
        )
    return executable


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A running redis-server for this test only; stopped (or reaped if killed) at the end."""
    server = RedisServer(find_redis_server(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(_PING)
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
