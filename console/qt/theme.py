"""The console's look: a dark, low-glare control-room theme and shared colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from console.core.events import VehicleClass

CHART_BACKGROUND = "#0d1117"
CHART_FOREGROUND = "#9aa4b2"
ACCENT = "#2f81f7"

VEHICLE_COLOURS = {
    VehicleClass.TAXI: "#facc15",
    VehicleClass.LINER_BUS: "#22d3ee",
    VehicleClass.TOURIST_BUS: "#e879f9",
    VehicleClass.CARGO: "#fb923c",
}

STYLE_SHEET = """
QMainWindow, QWidget { background: #0f141a; color: #d0d7de; font-size: 12px; }
QMainWindow::separator { background: #1f2933; width: 3px; height: 3px; }
QDockWidget { color: #9aa4b2; titlebar-close-icon: none; }
QDockWidget::title {
    background: #161d26; padding: 4px 8px; border-bottom: 1px solid #263241;
    text-transform: uppercase; font-weight: 600; letter-spacing: 1px;
}
QMenuBar { background: #0b1016; border-bottom: 1px solid #1f2933; }
QMenuBar::item:selected, QMenu::item:selected { background: #1f6feb; color: white; }
QMenu { background: #161d26; border: 1px solid #263241; }
QStatusBar { background: #0b1016; border-top: 1px solid #1f2933; color: #9aa4b2; }
QStatusBar QLabel { padding: 0 8px; border-left: 1px solid #1f2933; }
QTableView {
    background: #0d1117; alternate-background-color: #111821; gridline-color: #1b2430;
    selection-background-color: #1f3b5c; selection-color: #ffffff; border: 1px solid #1f2933;
}
QHeaderView::section {
    background: #161d26; color: #9aa4b2; border: none; border-right: 1px solid #222c38;
    border-bottom: 1px solid #263241; padding: 4px 6px; font-weight: 600;
}
QLineEdit, QComboBox {
    background: #0d1117; border: 1px solid #2b3746; border-radius: 3px; padding: 3px 6px;
    selection-background-color: #1f6feb;
}
QLineEdit:focus, QComboBox:focus { border-color: #2f81f7; }
QPushButton {
    background: #1c2430; border: 1px solid #2f3b4b; border-radius: 3px; padding: 4px 12px;
}
QPushButton:hover { background: #243042; border-color: #2f81f7; }
QPushButton:pressed { background: #1f6feb; }
QPushButton:disabled { color: #4b5563; border-color: #1f2933; }
QLabel#actionMessage {
    background: #3b1219; color: #ffb4b4; border: 1px solid #7f1d1d; border-radius: 3px;
    padding: 4px 8px;
}
QLabel#queueSummary { color: #9aa4b2; }
QLabel#quarantineAlert { color: #ffb020; font-weight: 600; }
QLabel#clockLabel { color: #e6edf3; font-family: monospace; font-weight: 600; }
QTabBar::tab {
    background: #161d26; color: #9aa4b2; padding: 4px 10px; border: 1px solid #222c38;
}
QTabBar::tab:selected { background: #0f141a; color: #e6edf3; border-bottom-color: #2f81f7; }
QCheckBox::indicator, QRadioButton::indicator {
    width: 12px; height: 12px; border: 1px solid #5b6b7d; background: #0d1117;
}
QCheckBox::indicator { border-radius: 2px; }
QRadioButton::indicator { border-radius: 7px; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked {
    background: #2f81f7; border-color: #79b8ff;
}
QCheckBox::indicator:focus, QRadioButton::indicator:focus { border-color: #79b8ff; }
QToolTip { background: #161d26; color: #d0d7de; border: 1px solid #2f3b4b; }
QScrollBar:vertical { background: #0d1117; width: 10px; }
QScrollBar::handle:vertical { background: #2b3746; min-height: 24px; border-radius: 4px; }
QScrollBar:horizontal { background: #0d1117; height: 10px; }
QScrollBar::handle:horizontal { background: #2b3746; min-width: 24px; border-radius: 4px; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; }
"""


def apply_theme(app: QApplication) -> None:
    """Apply the dark control-room theme to the whole application."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#0f141a"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#d0d7de"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#0d1117"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#111821"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#d0d7de"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#1c2430"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#d0d7de"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#1f6feb"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
