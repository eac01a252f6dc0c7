"""A message to a vehicle, its delivery states, the legal state changes, and its audit rows.

The life of a message: the centre stores it as ``sent`` and posts it on the bus
(``queued`` is kept in the schema for a gateway that sends later, e.g. while the
link to the terminals is down; this console does not queue). The terminal answers
``delivered`` then ``read``; it may answer ``read`` alone (its ``delivered``
receipt was lost) or ``failed``. No answer within the timeout makes it ``failed``
(actor ``system``); a late receipt after that still counts, because the driver did
get the text.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 200
"""Most characters a taxi terminal shows in one message (Chinese characters count one each)."""

SYSTEM_ACTOR = "system"
"""The actor of automatic state changes (the delivery timeout)."""


class MessageError(Exception):
    """A message cannot be sent or a receipt cannot be applied; nothing was stored."""


class MessageState(enum.StrEnum):
    """Where a message is on its way to the driver."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """A short English label for the UI."""
        return self.value.capitalize()

    @property
    def awaits_terminal(self) -> bool:
        """Whether the terminal has not yet confirmed delivery."""
        return self in (MessageState.QUEUED, MessageState.SENT)


RECEIPT_STATES = frozenset({MessageState.DELIVERED, MessageState.READ, MessageState.FAILED})
"""The states a terminal's receipt may report."""

ALLOWED_NEXT: Mapping[MessageState, frozenset[MessageState]] = {
    MessageState.QUEUED: frozenset({MessageState.SENT, MessageState.FAILED}),
    MessageState.SENT: frozenset({MessageState.DELIVERED, MessageState.READ, MessageState.FAILED}),
    MessageState.DELIVERED: frozenset({MessageState.READ}),
    MessageState.READ: frozenset(),
    MessageState.FAILED: frozenset({MessageState.DELIVERED, MessageState.READ}),
}
"""The legal state changes: from each state, the states a message may move to."""


def check_transition(current: MessageState, new: MessageState) -> None:
    """Raise :class:`MessageError` unless a message may move from ``current`` to ``new``."""
    if new not in ALLOWED_NEXT[current]:
        raise MessageError(f"a message that is {current} cannot become {new}")


def checked_text(text: str) -> str:
    """The text to send (trimmed), or :class:`MessageError` when empty or too long."""
    text = text.strip()
    if not text:
        raise MessageError("a message needs some text")
    if len(text) > MAX_TEXT_LENGTH:
        raise MessageError(
            f"the message is {len(text)} characters; a vehicle terminal shows at most "
            f"{MAX_TEXT_LENGTH}"
        )
    return text


@dataclass(frozen=True, slots=True)
class Message:
    """One text sent to one vehicle and where it is now."""

    message_id: str
    vehicle_id: int
    vehicle_class: str
    text: str
    sent_by: str
    sent_at: float
    state: MessageState
    state_at: float
    incident_id: int | None
    version: int


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """One audited state change of a message: who, when, from what to what, and why."""

    id: int
    message_id: str
    at: float
    actor: str
    from_state: MessageState | None
    to_state: MessageState
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
