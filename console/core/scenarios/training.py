"""Where training keeps its cases: a database of its own, never the live one.

The console started for training (``--train``) opens ``training.sqlite`` in the
user data folder (or a profile folder given instead), so cases made while
training never mix with live cases.
"""

from __future__ import annotations

from pathlib import Path

from console.core.paths import user_data_dir

TRAINING_DATABASE_NAME = "training.sqlite"
"""The training database's file name in the user data (or profile) folder."""


def training_database_path(profile_dir: Path | None = None) -> Path:
    """The training database file: ``training.sqlite`` in ``profile_dir`` (default: user data)."""
    folder = profile_dir if profile_dir is not None else user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / TRAINING_DATABASE_NAME


def training_database_url(profile_dir: Path | None = None) -> str:
    """The SQLAlchemy URL of the training database (see :func:`training_database_path`)."""
    return f"sqlite:///{training_database_path(profile_dir)}"
