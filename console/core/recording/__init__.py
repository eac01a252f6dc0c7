"""Recording every bus event to disk, and reading it back by time.

:class:`Recorder` appends (``attach(bus)`` records everything the bus delivers);
:class:`RecordingReader` reads a recording folder without ever writing to it.
The file format is described in :mod:`console.core.recording.format`.
"""

from console.core.recording.encoding import EncodingError, decode_event, encode_event
from console.core.recording.format import BlockRef, RecordingProblem
from console.core.recording.reader import RecordingReader
from console.core.recording.recorder import Recorder

__all__ = [
    "BlockRef",
    "EncodingError",
    "Recorder",
    "RecordingProblem",
    "RecordingReader",
    "decode_event",
    "encode_event",
]
