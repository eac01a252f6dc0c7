"""Message a vehicle: find it by plate, write (or pick) a text, send; its delivery is shown live.

Sending goes through the message service, which stores the message and its
audit row before it is posted to the vehicle's terminal; the list below the
text re-reads the vehicle's messages every second, so delivered and read
receipts (or a timeout) appear as they are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.core.events import VehicleClass
from console.core.messages import MessageError, MessageService
from console.core.messages.model import MAX_TEXT_LENGTH
from console.core.search import HitKind, SearchIndex

TEMPLATES = (
    ("Write a message…", ""),
    (
        "Lost property",
        "乘客在您车上遗失物品，请联系 12328 / A passenger left an item in your car; call 12328",
    ),
    ("Go to a place", "请前往：/ Please go to: "),
    ("Call the centre", "请尽快致电指挥中心 / Please call the command centre"),
)
"""Ready texts (Chinese first, as drivers read them; English after)."""

ClassOf = Callable[[int], VehicleClass | None]
"""The class of a vehicle id as last reported (None if it has not reported)."""


class MessageDialog(QDialog):
    """Compose and send a text to one vehicle, and watch its delivery."""

    def __init__(
        self,
        service: MessageService,
        index: SearchIndex,
        class_of: ClassOf,
        operator: str,
        tz: dt.tzinfo | None = None,
        incident_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Message a vehicle")
        self.setMinimumWidth(560)
        self._service = service
        self._index = index
        self._class_of = class_of
        self._operator = operator
        self._tz = tz
        self._incident_id = incident_id
        self.vehicle_id: int | None = None
        self.plate = QLineEdit()
        self.plate.setPlaceholderText("Plate, e.g. 皖CA12B3 or CA12")
        self.plate.textEdited.connect(self._find_vehicle)
        self.found = QLabel("No vehicle chosen")
        self.template = QComboBox()
        for title, _text in TEMPLATES:
            self.template.addItem(title)
        self.template.currentIndexChanged.connect(self._use_template)
        self.text = QPlainTextEdit()
        self.text.setFixedHeight(70)
        self.text.textChanged.connect(self._count)
        self.counter = QLabel()
        self.history = QListWidget()
        self.problem = QLabel()
        self.problem.setObjectName("formProblem")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = buttons.addButton("Send", QDialogButtonBox.ButtonRole.ActionRole)
        self.send_button.clicked.connect(self.send)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Vehicle", self.plate)
        form.addRow("", self.found)
        form.addRow("Text", self.template)
        form.addRow("", self.text)
        form.addRow("", self.counter)
        if incident_id is not None:
            form.addRow("Case", QLabel(f"#{incident_id} (the message is kept with the case)"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Messages to this vehicle (newest first)"))
        layout.addWidget(self.history, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._count()

    # ---- Public API

    def send(self) -> bool:
        """Send the text to the chosen vehicle; False (and why, shown) if it was refused."""
        if self.vehicle_id is None:
            self.problem.setText("Not sent: choose a vehicle by its plate first")
            return False
        vehicle_class = self._class_of(self.vehicle_id)
        if vehicle_class is None:
            self.problem.setText("Not sent: this vehicle has not reported its position yet")
            return False
        try:
            self._service.send(
                self.vehicle_id,
                vehicle_class,
                self.text.toPlainText(),
                self._operator,
                incident_id=self._incident_id,
            )
        except MessageError as error:
            self.problem.setText(f"Not sent: {error}")
            return False
        self.problem.setText("")
        self.text.clear()
        self.refresh()
        return True

    def choose_vehicle(self, vehicle_id: int, plate: str) -> None:
        """Address the message to ``vehicle_id`` (e.g. the vehicle selected on the map)."""
        self.vehicle_id = int(vehicle_id)
        self.plate.setText(plate)
        self.found.setText(plate)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the chosen vehicle's messages and their delivery states."""
        self.history.clear()
        if self.vehicle_id is None:
            return
        for message in self._service.for_vehicle(self.vehicle_id, limit=20):
            at = dt.datetime.fromtimestamp(message.state_at, self._tz).strftime("%H:%M:%S")
            self.history.addItem(
                f"{message.state.value:<9} {at}  {message.sent_by}: {message.text}"
            )

    # ---- Internals

    def _find_vehicle(self, text: str) -> None:
        hits = [h for h in self._index.suggest(text, limit=20) if h.kind is HitKind.VEHICLE]
        if not hits:
            self.vehicle_id = None
            self.found.setText("No vehicle with that plate")
        else:
            best = hits[0]
            self.vehicle_id = int(best.key)
            more = f" (and {len(hits) - 1} more; type more of the plate)" if len(hits) > 1 else ""
            self.found.setText(f"{best.label} · {best.detail}{more}")
        self.refresh()

    def _use_template(self, row: int) -> None:
        text = TEMPLATES[row][1]
        if text:
            self.text.setPlainText(text)

    def _count(self) -> None:
        used = len(self.text.toPlainText().strip())
        self.counter.setText(f"{used} / {MAX_TEXT_LENGTH} characters")
        self.send_button.setEnabled(0 < used <= MAX_TEXT_LENGTH)
