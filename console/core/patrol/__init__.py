"""Video patrols: shifts and camera tours (data), one run of a tour, the patrol log,
compliance reports, and anomalies that become cases."""

from __future__ import annotations

from console.core.patrol.alarms import ALARM_RADIUS_M, AlarmPause, camera_for_case
from console.core.patrol.anomaly import (
    ANOMALY_TYPE,
    report_anomaly,
    report_patrol_anomaly,
    snapshot_name,
)
from console.core.patrol.loader import TOURS_NAME, load_patrol_book, parse_patrol_book
from console.core.patrol.model import (
    Outcome,
    PatrolBook,
    PatrolEntry,
    PatrolError,
    PatrolRun,
    Shift,
    Tour,
    TourStep,
)
from console.core.patrol.reports import (
    ComplianceRow,
    ComplianceTotals,
    by_operator,
    compliance,
    totals,
)
from console.core.patrol.runner import (
    DEFAULT_GRACE_S,
    MIN_LOOK_S,
    Checkpoint,
    LateConfirmationError,
    PatrolRecorder,
    TooSoonError,
    TourRunner,
)
from console.core.patrol.store import PatrolLog

__all__ = [
    "ALARM_RADIUS_M",
    "ANOMALY_TYPE",
    "DEFAULT_GRACE_S",
    "MIN_LOOK_S",
    "TOURS_NAME",
    "AlarmPause",
    "Checkpoint",
    "ComplianceRow",
    "ComplianceTotals",
    "LateConfirmationError",
    "Outcome",
    "PatrolBook",
    "PatrolEntry",
    "PatrolError",
    "PatrolLog",
    "PatrolRecorder",
    "PatrolRun",
    "Shift",
    "TooSoonError",
    "Tour",
    "TourRunner",
    "TourStep",
    "by_operator",
    "camera_for_case",
    "compliance",
    "load_patrol_book",
    "parse_patrol_book",
    "report_anomaly",
    "report_patrol_anomaly",
    "snapshot_name",
    "totals",
]
