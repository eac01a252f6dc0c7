"""Messages from the centre to vehicle terminals, with their stored, audited delivery state."""

from __future__ import annotations

from console.core.messages.model import (
    MAX_TEXT_LENGTH,
    Message,
    MessageError,
    MessageEvent,
    MessageState,
)
from console.core.messages.service import DEFAULT_TIMEOUT_S, MessageService

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MAX_TEXT_LENGTH",
    "Message",
    "MessageError",
    "MessageEvent",
    "MessageService",
    "MessageState",
]
