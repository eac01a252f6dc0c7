"""Where the broker is and how to log in: ``mqtt://`` and ``mqtts://`` URLs and options."""

from __future__ import annotations

import contextlib
import socket
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from console.core.feeds.topics import DEFAULT_PREFIX, check_prefix

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """A broker address with its login, TLS files and the city's topic prefix."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: Path | None = None
    """CA certificate(s) to trust (default: the system's, with ``mqtts``)."""
    cert_file: Path | None = None
    """Client certificate for brokers that ask for one."""
    key_file: Path | None = None
    """The client certificate's private key."""
    prefix: str = DEFAULT_PREFIX
    client_id: str = ""
    """A stable id keeps the session (queued QoS 1 events) across reconnects."""
    keepalive_s: int = 30

    def describe(self) -> str:
        """``mqtts://host:port`` (no password) for the status bar and logs."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port} ({self.prefix})"


def parse_broker_url(url: str, **options: Any) -> BrokerSettings:
    """Settings from ``mqtt[s]://[user[:password]@]host[:port][?prefix=..&client_id=..]``.

    ``options`` (``username``, ``password``, ``ca_file``, ``cert_file``,
    ``key_file``, ``prefix``, ``client_id``, ``keepalive_s``) override the URL;
    ``ValueError`` on anything else.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an MQTT URL (mqtt:// or mqtts://): {url!r}")
    if not parts.hostname:
        raise ValueError(f"no broker host in {url!r}")
    query = dict(urllib.parse.parse_qsl(parts.query))
    unknown = sorted(set(query) - {"prefix", "client_id"})
    if unknown:
        raise ValueError(f"unknown URL option(s): {', '.join(unknown)}")
    values: dict[str, Any] = {
        "host": parts.hostname,
        "port": parts.port or DEFAULT_PORTS[parts.scheme],
        "tls": parts.scheme == "mqtts",
        "username": urllib.parse.unquote(parts.username) if parts.username else None,
        "password": urllib.parse.unquote(parts.password) if parts.password else None,
        **query,
    }
    for name, value in options.items():
        if name not in BrokerSettings.__dataclass_fields__ or name in ("host", "port"):
            raise ValueError(f"unknown broker option {name!r}")
        if value is not None:
            values[name] = Path(value) if name.endswith("_file") else value
    if values.get("cert_file") is not None or values.get("ca_file") is not None:
        values["tls"] = True
    settings = BrokerSettings(**values)
    check_prefix(settings.prefix)
    return settings


def make_client(settings: BrokerSettings, client_id: str, *, persistent: bool) -> mqtt.Client:
    """A paho client (MQTT 3.1.1) for ``settings``; ``persistent`` keeps the session."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent,
        protocol=mqtt.MQTTv311,
    )
    client.on_socket_open = _no_delay
    if settings.username is not None:
        client.username_pw_set(settings.username, settings.password)
    if settings.tls:
        client.tls_set(
            ca_certs=str(settings.ca_file) if settings.ca_file else None,
            certfile=str(settings.cert_file) if settings.cert_file else None,
            keyfile=str(settings.key_file) if settings.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
        )
    return client


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """Small MQTT packets go out at once (Nagle plus delayed ACKs add ~40 ms otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # a socket without the option
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
