"""One blocking read on a worker thread, its result picked up on the GUI thread.

The worker touches no widget: it only calls the read it was given (a storage
query through the core) and keeps the result or the error for the GUI thread,
which polls :attr:`BackgroundRead.done` from a timer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class BackgroundRead(Generic[T]):
    """Runs ``read`` once on a daemon thread; :meth:`result` gives its value or raises its error."""

    def __init__(self, read: Callable[[], T], name: str) -> None:
        self._read = read
        self._value: T | None = None
        self._error: BaseException | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Begin the read."""
        self._thread.start()

    @property
    def done(self) -> bool:
        """Whether the read has finished (with a value or an error)."""
        return self._finished.is_set()

    def result(self) -> T:
        """The value read; re-raises the read's error. Only once :attr:`done`."""
        if not self.done:
            raise RuntimeError("the background read has not finished")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def _run(self) -> None:
        try:
            self._value = self._read()
        except BaseException as error:  # handed to the GUI thread, which reports it
            self._error = error
        finally:
            self._finished.set()
