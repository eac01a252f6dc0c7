"""A real Mosquitto broker on loopback for the MQTT tests (pytest fixture module).

:func:`running_broker` (the body of a test module's ``mosquitto_broker`` fixture:
``yield from running_broker(tmp_path)``) writes a config to ``tmp_path`` (a free port on 127.0.0.1,
anonymous access, persistence in ``tmp_path``), starts ``mosquitto -c conf`` and
waits until the port accepts; the broker is stopped after the test. The same
:class:`Mosquitto` can be stopped and started again on the same port with its
persisted sessions (a broker restart). Tests are skipped only when the binary is
missing and we are not root (CI runs as root and installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from console.core.bus import EventBus
from console.core.events import Event

CANDIDATES = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")


def mosquitto_binary() -> str | None:
    """Path of the mosquitto binary, if installed."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((c for c in CANDIDATES if Path(c).exists()), None)


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    """One broker process with its config and persistence folder."""

    def __init__(self, binary: str, folder: Path, port: int | None = None) -> None:
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.config = folder / "mosquitto.conf"
        self.log_file = folder / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {folder}/",
            "autosave_interval 1",
            "max_queued_messages 100000",
            "max_inflight_messages 100",
            "set_tcp_nodelay true",
            f"log_dest file {self.log_file}",
            "log_type error",
            "log_type warning",
        ]
        if os.geteuid() == 0:
            lines.append("user root")
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the broker and wait until its port accepts connections."""
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited at start: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.01)  # the broker's start-up, not a test's wait
        raise RuntimeError(f"mosquitto did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        """Stop the broker (SIGTERM: it saves its persistence file first)."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr:
            process.stderr.close()


def require_mosquitto() -> str:
    """The mosquitto binary, or skip (only when missing and we are not root)."""
    binary = mosquitto_binary()
    if binary is None:
        if os.geteuid() == 0:
            pytest.fail("mosquitto is missing: install it (apt-get install mosquitto)")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto, as root)")
    return binary


def running_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running Mosquitto on a free loopback port, stopped after (a fixture's body)."""
    broker = Mosquitto(require_mosquitto(), tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, step: float = 0.005) -> bool:
    """Poll ``condition`` every ``step`` seconds until true (False after ``timeout``)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(step)
    return True


class Collector:
    """Drains a real bus on a helper thread and keeps what arrived (stands in for the GUI)."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.events: list[Event] = []
        self.changed = threading.Condition()
        bus.subscribe("*", self._take, name="collector")

    def _take(self, events: Sequence[Event]) -> None:
        with self.changed:
            self.events.extend(events)
            self.changed.notify_all()

    def wait_for(self, done: Callable[[list[Event]], bool], timeout: float = 5.0) -> bool:
        """Drain until ``done(events)`` (False on timeout)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                self.bus.drain()
                with self.changed:
                    if done(self.events):
                        return True
                    self.changed.wait(0.01)
            return False
        finally:
            timer.cancel()

    def of(self, kind: type[Event]) -> list[Event]:
        """Events of one type received so far."""
        return [e for e in self.events if isinstance(e, kind)]
