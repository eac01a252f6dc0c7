"""The patrol running on the video wall: a tour's checkpoints shown, confirmed and logged.

The controller runs one :class:`~console.core.patrol.TourRunner` at a time, for
the operator at this workstation. It puts each checkpoint's camera on the wall's
patrol tile with a caption (checkpoint n of N, time left, the alarm that paused
the tour), takes the operator's confirmations (nothing found, anomaly, alarm
acknowledged) and, for an anomaly, grabs the tile's picture before confirming
and reports the case with it. It moves on with the frame tick (:meth:`refresh`).
Every confirmation is in the patrol log before the wall moves on.
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Signal
from PySide6.QtGui import QImage

from console.core.clock import Clock
from console.core.incidents.service import IncidentService
from console.core.patrol import (
    AlarmPause,
    Checkpoint,
    LateConfirmationError,
    Outcome,
    PatrolBook,
    PatrolEntry,
    PatrolError,
    PatrolLog,
    TourRunner,
    report_patrol_anomaly,
)
from console.core.sites import SiteRegistry
from console.qt.panes.video_wall import VideoWallPane

GRACE_WARNING = "confirm now"


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide takes the name as str
    buffer.close()
    return bytes(data.data())


class PatrolController(QObject):
    """Runs the operator's patrol tours on the video wall."""

    # ---- Signals

    sig_changed = Signal()
    """A tour started, moved on, paused, resumed or ended."""
    sig_message = Signal(str)
    """Something the operator should read (a confirmation, a late or failed one)."""
    sig_case_opened = Signal(int)
    """An anomaly became this case."""

    def __init__(
        self,
        wall: VideoWallPane,
        book: PatrolBook,
        log: PatrolLog,
        sites: SiteRegistry,
        service: IncidentService,
        clock: Clock,
        tz: tzinfo,
        operator: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.wall = wall
        self.book = book
        self.log = log
        self.sites = sites
        self.service = service
        self.clock = clock
        self.tz = tz
        self.operator = operator
        self.runner: TourRunner | None = None
        self.alarms = AlarmPause(service.get, sites)
        self._shown: Checkpoint | None = None

    # ---- Public API

    @property
    def running(self) -> bool:
        """Whether a tour is running."""
        return self.runner is not None and not self.runner.finished

    def start(self, tour_id: str) -> None:
        """Start ``tour_id`` (a running tour is stopped first)."""
        self.stop()
        tour = self.book.tour(tour_id)
        self.runner = TourRunner(
            tour, self.operator, self.clock, self.log, book=self.book, tz=self.tz
        )
        self.runner.start()
        self.alarms.runner = self.runner
        self._show()
        self.sig_message.emit(f"Patrol started: {tour.name_en} ({len(tour.steps)} cameras)")

    def stop(self) -> None:
        """End the running tour (what was already missed is logged)."""
        runner = self.runner
        if runner is None:
            return
        if not runner.finished:
            runner.stop()
            self.sig_message.emit(f"Patrol stopped: {runner.tour.name_en}")
        self._end()

    def confirm_nothing(self) -> None:
        """The operator looked: nothing found at the current checkpoint."""
        self._confirm(Outcome.NOTHING_FOUND)

    def mark_anomaly(self, note: str = "") -> None:
        """The operator saw something: log it, and report a case with the tile's picture."""
        runner = self.runner
        current = runner.current if runner is not None else None
        if runner is None or current is None:
            return
        picture = png_bytes(self.wall.tiles()[0].frame())
        taken_at = self.clock.now()
        entry = self._confirm(Outcome.ANOMALY, note)
        if entry is None:
            return
        camera = self.sites.camera(current.camera_id)
        case = report_patrol_anomaly(
            self.service, self.log, entry, camera, picture, taken_at, tz=self.tz
        )
        self.sig_message.emit(f"Anomaly at {camera.name_en}: case #{case.id} opened")
        self.sig_case_opened.emit(case.id)

    def acknowledge(self) -> None:
        """The operator saw the alarm that paused the tour: the tour goes on."""
        if self.runner is not None and self.runner.paused:
            self.runner.acknowledge()
            self._show()

    def refresh(self) -> None:
        """Move on with time (frame tick): log missed checkpoints, update the caption."""
        runner = self.runner
        if runner is None:
            return
        missed = runner.tick()
        for entry in missed:
            camera = self.sites.camera(entry.camera_id)
            self.sig_message.emit(f"Checkpoint missed: {camera.name_en}")
        if runner.finished:
            self._end()
            return
        if runner.current != self._shown:
            self._show()
        else:
            self._caption()

    def caption(self) -> str:
        """What the patrol tile says about the checkpoint: step, time left, alarm."""
        runner = self.runner
        current = runner.current if runner is not None else None
        if runner is None or current is None:
            return ""
        step = f"Checkpoint {current.step_index + 1}/{runner.total_steps}"
        if runner.paused:
            return f"{step} · ALARM: {current.paused_by} · K to acknowledge"
        left = max(runner.seconds_left(), 0.0)
        urgent = f" · {GRACE_WARNING}" if runner.in_grace() else ""
        return f"{step} · {int(left) // 60:02d}:{int(left) % 60:02d} left{urgent} · N / A"

    # ---- Internals

    def _confirm(self, outcome: Outcome, note: str = "") -> PatrolEntry | None:
        runner = self.runner
        if runner is None or runner.current is None:
            return None
        try:
            entry = runner.confirm(outcome, note)
        except LateConfirmationError as exc:
            self.sig_message.emit(f"Too late: {exc}")
            self.refresh()
            return None
        except PatrolError as exc:
            self.sig_message.emit(str(exc))
            return None
        if runner.finished:
            self._end()
        else:
            self._show()
        return entry

    def _show(self) -> None:
        runner = self.runner
        current = runner.current if runner is not None else None
        self._shown = current
        if current is not None:
            self.wall.show_checkpoint(current.camera_id, self.caption())
        self.sig_changed.emit()

    def _caption(self) -> None:
        tile = self.wall.tiles()[0]
        text = self.caption()
        if tile.highlighted != text:
            tile.highlight(text)

    def _end(self) -> None:
        runner, self.runner = self.runner, None
        self.alarms.runner = None
        self._shown = None
        self.wall.clear_checkpoint()
        if runner is not None and runner.finished:
            done = [e for e in runner.logged if e.outcome is not Outcome.MISSED]
            self.sig_message.emit(
                f"Patrol ended: {runner.tour.name_en}, "
                f"{len(done)} of {len(runner.logged)} checkpoints confirmed"
            )
        self.sig_changed.emit()
