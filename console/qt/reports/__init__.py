"""The Qt side of the reports: chart and camera pictures, exporting, the Reports menu."""

from console.qt.reports.export import export_incident_report, export_shift_report
from console.qt.reports.menu import (
    ReportExport,
    install_report_export,
    live_recording_folder,
    reports_menu,
)

__all__ = [
    "ReportExport",
    "export_incident_report",
    "export_shift_report",
    "install_report_export",
    "live_recording_folder",
    "reports_menu",
]
