"""Turning Qt pictures into the PNG bytes a report inlines."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap


def png_bytes(picture: QImage | QPixmap) -> bytes:
    """``picture`` encoded as PNG."""
    image = picture.toImage() if isinstance(picture, QPixmap) else picture
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    try:
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stub wants bytes
            raise ValueError("the picture could not be encoded as PNG")
    finally:
        buffer.close()
    return bytes(data.data())
