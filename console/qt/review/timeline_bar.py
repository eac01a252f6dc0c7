"""The review timeline bar: play/pause, speed, step, the track with case marks, the time.

The bar owns no state of its own: it reads the review clock and asks the review
source to jump. Dragging the cursor jumps at most every ``DRAG_JUMP_MS`` (the
moment under the cursor is rebuilt while dragging) and once more on release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from console.core.review import REVIEW_SPEEDS, CaseMark, ReplayClock
from console.qt.review.media_icons import media_icon
from console.qt.review.timeline_track import TimelineTrack

STEP_S = 10.0
"""One step back or forward, in recorded seconds."""
DRAG_JUMP_MS = 150


class TimelineBar(QWidget):
    """Controls and track of a recording under review."""

    def __init__(
        self,
        clock: ReplayClock,
        marks: list[CaseMark],
        jump: Callable[[float], float],
        tz: dt.tzinfo,
    ) -> None:
        super().__init__()
        self.setObjectName("reviewTimeline")
        self.clock = clock
        self.marks = sorted(marks, key=lambda mark: mark.at)
        self._jump = jump
        self._tz = tz
        self.jumps = 0
        self.track = TimelineTrack(clock.start, clock.end, self.marks)
        self.play_button = self._button("play", "Play / pause (Space)", self.toggle_play)
        self.back_button = self._button(
            "back", f"Back {STEP_S:g} s (Ctrl+Left)", lambda: self.step(-STEP_S)
        )
        self.forward_button = self._button(
            "forward",
            f"Forward {STEP_S:g} s (Ctrl+Right)",
            lambda: self.step(STEP_S),
        )
        self.previous_button = self._button(
            "previous", "Previous case (Ctrl+Shift+Left)", self.previous_mark
        )
        self.next_button = self._button("next", "Next case (Ctrl+Shift+Right)", self.next_mark)
        self.speed = QComboBox()
        self.speed.setToolTip("Replay speed")
        for factor in REVIEW_SPEEDS:
            self.speed.addItem(f"{factor:g}×", factor)
        self.speed.currentIndexChanged.connect(self._on_speed)
        self.time_label = QLabel()
        self.time_label.setObjectName("clockLabel")
        self.time_label.setMinimumWidth(230)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(4)
        for widget in (
            self.previous_button,
            self.back_button,
            self.play_button,
            self.forward_button,
            self.next_button,
            self.speed,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.track, 1)
        layout.addWidget(self.time_label)
        self._shown_playing = False
        self._pending_drag: float | None = None
        self._drag_timer = QTimer(self)
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(DRAG_JUMP_MS)
        self._drag_timer.timeout.connect(self._jump_to_drag)
        self.track.sig_dragged.connect(self._on_dragged)
        self.track.sig_released.connect(self.seek)
        self.show_time()

    def _button(self, icon: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setIcon(media_icon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setMinimumWidth(30)
        button.clicked.connect(lambda _=False: slot())
        return button

    # ---- Public API

    def toggle_play(self) -> None:
        """Play if paused, pause if playing."""
        if self.clock.playing:
            self.clock.pause()
        else:
            self.clock.play()
        self.show_time()

    def seek(self, at: float) -> None:
        """Show the moment ``at`` in every pane."""
        self._drag_timer.stop()
        self._pending_drag = None
        self.jumps += 1
        self._jump(at)
        self.show_time()

    def step(self, seconds: float) -> None:
        """Move the cursor by ``seconds`` (pausing the replay)."""
        self.clock.pause()
        self.seek(self.clock.now() + seconds)

    def next_mark(self) -> None:
        """Jump to the next case opened after the cursor."""
        now = self.clock.now()
        later = [mark.at for mark in self.marks if mark.at > now + 0.5]
        if later:
            self.seek(later[0])

    def previous_mark(self) -> None:
        """Jump to the last case opened before the cursor."""
        now = self.clock.now()
        earlier = [mark.at for mark in self.marks if mark.at < now - 0.5]
        if earlier:
            self.seek(earlier[-1])

    def set_speed(self, factor: float) -> None:
        """Replay at ``factor`` (one of :data:`REVIEW_SPEEDS`)."""
        index = self.speed.findData(factor)
        if index >= 0:
            self.speed.setCurrentIndex(index)

    def show_time(self) -> None:
        """Bring the cursor, the play button and the time label up to date."""
        now = self.clock.now()
        self.track.set_cursor(now)
        playing = self.clock.playing
        if playing != self._shown_playing:
            self._shown_playing = playing
            self.play_button.setIcon(media_icon("pause" if playing else "play"))
        local = dt.datetime.fromtimestamp(now, self._tz)
        elapsed = _duration(now - self.clock.start)
        total = _duration(self.clock.end - self.clock.start)
        self.time_label.setText(f"{local:%Y-%m-%d %H:%M:%S}  {elapsed} / {total}")

    # ---- Internals

    def _on_speed(self, _index: int) -> None:
        factor = self.speed.currentData()
        if isinstance(factor, float):
            self.clock.set_factor(factor)

    def _on_dragged(self, at: float) -> None:
        self._pending_drag = at
        if not self._drag_timer.isActive():
            self._drag_timer.start()

    def _jump_to_drag(self) -> None:
        if self._pending_drag is not None and self.track.dragging:
            at, self._pending_drag = self._pending_drag, None
            self.jumps += 1
            self._jump(at)
            self.show_time()


def _duration(seconds: float) -> str:
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
