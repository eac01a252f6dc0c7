"""The catalogue of operator case actions: each action's key, menu text, verb and shortcut.

:data:`SPECS` lists every case action in menu order; :data:`WINDOW_WIDE` and
:data:`NAVIGATION_KEYS` say which shortcuts work window-wide and which actions only
move the selection. :class:`~console.qt.case_actions.CaseActions` makes a QAction of each.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.incidents.lifecycle import Verb


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One operator action: its key, menu text, verb, standard shortcut and tooltip."""

    key: str
    text: str
    verb: Verb | None
    shortcut: str
    tip: str


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("accept", "Accept", Verb.ACCEPT, "A", "Accept the report; you become its handler"),
    ActionSpec("reject", "Reject…", Verb.REJECT, "X", "Reject as invalid or duplicate"),
    ActionSpec("open", "Open", Verb.OPEN, "O", "Open the accepted case for dispatch"),
    ActionSpec("dispatch", "Dispatch…", Verb.DISPATCH, "D", "Choose a unit or an office below"),
    ActionSpec("transfer", "Transfer…", Verb.TRANSFER, "T", "Hand to a peer unit (reason)"),
    ActionSpec("escalate", "Escalate…", Verb.ESCALATE, "E", "Send up a level (reason)"),
    ActionSpec("return", "Return…", Verb.RETURN, "R", "Unit returns the case (reason)"),
    ActionSpec("sign", "Sign for (on behalf of unit)", Verb.SIGN, "S", "Record the unit signing"),
    ActionSpec("start", "Start work (on behalf of unit)", Verb.START, "Shift+S", "Unit starts"),
    ActionSpec("handle", "Report handled…", Verb.HANDLE, "H", "Feedback note and photo"),
    ActionSpec("verify", "Verify: passed…", Verb.VERIFY, "V", "Handling checked and resolved"),
    ActionSpec("verify_fail", "Verify: failed, rework…", Verb.VERIFY, "Shift+V", "Send back"),
    ActionSpec("close", "Close…", Verb.CLOSE, "C", "Close the verified case"),
    ActionSpec("extend", "Extend…", Verb.EXTEND, "Ctrl+E", "One extension of the deadline"),
    ActionSpec("pend", "Pending register…", Verb.PEND, "P", "Book into the pending register"),
    ActionSpec("resume", "Resume…", Verb.RESUME, "Shift+P", "Take out of the pending register"),
    ActionSpec("merge", "Merge into…", Verb.MERGE, "M", "Merge a duplicate into another case"),
    ActionSpec(
        "hand_off",
        "Hand to neighbouring centre…",
        Verb.HAND_OFF,
        "",
        "Hand the case to a neighbouring city's centre (reason); its progress comes back here",
    ),
    ActionSpec("note", "Add note…", Verb.NOTE, "N", "Write a note on the case"),
    ActionSpec("attach", "Attach photo…", Verb.NOTE, "", "Attach a photo or file"),
    ActionSpec("report", "Report a case…", None, "Ctrl+N", "Report a case by hand"),
    ActionSpec("next_overdue", "Next overdue case", None, "G", "Go to the next overdue case"),
)
"""Every case action, in menu order."""

WINDOW_WIDE = frozenset({"report"})
"""Actions whose shortcut works anywhere in the window (the rest: queue and case pane)."""
NAVIGATION_KEYS = frozenset({"next_overdue"})
"""Actions that only move the selection: allowed in review too."""
