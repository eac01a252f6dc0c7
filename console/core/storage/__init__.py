"""Storage: one database (SQLite file by default, any SQLAlchemy URL), migrated by Alembic."""

from __future__ import annotations

from console.core.storage.engine import Database, DatabaseError, describe_url, open_database

__all__ = ["Database", "DatabaseError", "describe_url", "open_database"]
