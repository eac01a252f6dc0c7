"""A real PostgreSQL server for tests and benches: initdb into a temporary folder, loopback only.

:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` from the installed
PostgreSQL (``/usr/lib/postgresql/*/bin`` or ``PATH``) on a free port of
127.0.0.1, with its unix socket in the same temporary folder. PostgreSQL refuses
to run as root, so as root every command runs as the ``postgres`` system user
(``runuser -u postgres --``) and the folder is handed to that user.

The pytest fixtures: ``postgres_server`` (one server per test session),
``pg_template`` (a database migrated to head once) and ``pg_url`` (a fresh copy
of it per test, as a ``postgresql+psycopg://`` URL).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICE_USER = "postgres"
"""The system user PostgreSQL runs as when the tests run as root."""

_counter = itertools.count(1)


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest installed version), or None."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for folder in versions:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_reason() -> str | None:
    """Why no test server can be started here (None: it can)."""
    if find_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root and runuser is missing (PostgreSQL refuses to run as root)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throwaway PostgreSQL cluster on 127.0.0.1 (trust authentication, user postgres)."""

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin_dir = bin_dir
        self.root = root or Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.port = port or free_port()
        self.as_service_user = os.geteuid() == 0
        self.running = False

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_service_user:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}")

    def init(self) -> None:
        """Create the cluster (``initdb``) in ``data_dir``."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.as_service_user:
            shutil.chown(self.root, SERVICE_USER, SERVICE_USER)
            shutil.chown(self.socket_dir, SERVICE_USER, SERVICE_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
            "--locale=C",
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.root / "server.log"), "-w",
            "-o", options, "start",
        )  # fmt: skip
        self.running = True

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl stop -m immediate``); idempotent."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", "immediate", "stop")
            self.running = False

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a database (a copy of ``template`` if given); its URL."""
        import psycopg

        name = name or f"test_{os.getpid()}_{next(_counter)}"
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]
        return self.url(name)

    def close(self) -> None:
        """Stop the server and delete its folder (idempotent)."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.init()
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_shared: dict[str, PostgresServer] = {}
"""The session's server, shared by every test module that imports these fixtures."""
_templates: dict[int, str] = {}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session (skipped when none can run)."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    server = _shared.get("server")
    if server is None:
        server = _shared["server"] = PostgresServer()
        server.init()
        server.start()
    yield server
    server.close()  # idempotent: each importing module's fixture ends at session end


@pytest.fixture(scope="session")
def pg_template(postgres_server: PostgresServer) -> str:
    """The name of a database migrated to head, copied for each test."""
    from console.core.storage import open_database

    name = _templates.get(postgres_server.port)
    if name is None:
        name = _templates[postgres_server.port] = "console_template"
        database = open_database(postgres_server.create_database(name))
        database.close()
    return name


@pytest.fixture
def pg_url(postgres_server: PostgresServer, pg_template: str) -> str:
    """A fresh migrated PostgreSQL database for one test (its SQLAlchemy URL)."""
    if not postgres_server.running:
        postgres_server.start()  # a test that stopped it failed before starting it again
    return postgres_server.create_database(template=pg_template)
