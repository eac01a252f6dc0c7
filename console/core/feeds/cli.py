"""``city-console simulate --to URL`` and ``city-console replay LOG --to URL``.

:func:`main` takes the arguments after the program name (starting with
``simulate`` or ``replay``) and returns the exit status; the console's own
``main`` hands such command lines over here.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from console.core.feeds.broker import BrokerSettings, parse_broker_url
from console.core.feeds.publisher import PublishError
from console.core.feeds.replay import publish_recording, publish_simulation
from console.core.feeds.topics import DEFAULT_PREFIX

COMMANDS = ("simulate", "replay")
"""First arguments this module handles."""


def add_broker_options(parser: argparse.ArgumentParser) -> None:
    """The broker login and TLS options (also for the console's ``--bus``)."""
    parser.add_argument("--mqtt-user", help="broker user name")
    parser.add_argument("--mqtt-password", help="broker password")
    parser.add_argument("--mqtt-ca", type=Path, help="CA certificate file (turns TLS on)")
    parser.add_argument("--mqtt-cert", type=Path, help="client certificate file")
    parser.add_argument("--mqtt-key", type=Path, help="client certificate's private key")
    parser.add_argument(
        "--mqtt-prefix", help=f"topic prefix of the city (default {DEFAULT_PREFIX})"
    )
    parser.add_argument("--mqtt-client-id", help="stable client id (keeps the session)")


def broker_settings(url: str, args: argparse.Namespace) -> BrokerSettings:
    """Settings from a URL and the options of :func:`add_broker_options` (ValueError if bad)."""
    return parse_broker_url(
        url,
        username=args.mqtt_user,
        password=args.mqtt_password,
        ca_file=args.mqtt_ca,
        cert_file=args.mqtt_cert,
        key_file=args.mqtt_key,
        prefix=args.mqtt_prefix,
        client_id=args.mqtt_client_id,
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of both commands."""
    parser = argparse.ArgumentParser(prog="city-console", description="Publish a city feed.")
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser("simulate", help="publish the built-in simulation to a broker")
    sim.add_argument("--to", required=True, help="mqtt[s]://host:port")
    sim.add_argument("--city", default="bengbu")
    sim.add_argument("--seed", type=int, default=552)
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    sim.add_argument("--start", type=float, default=None, help="start time (epoch s; now)")
    sim.add_argument("--seconds", type=float, default=None, help="stop after (default: never)")
    add_broker_options(sim)
    replay = commands.add_parser("replay", help="publish a recording to a broker")
    replay.add_argument("log", type=Path, help="recording folder")
    replay.add_argument("--to", required=True, help="mqtt[s]://host:port")
    replay.add_argument("--speed", type=float, default=1.0, help="0: as fast as possible")
    add_broker_options(replay)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``simulate`` or ``replay`` (the arguments after the program name)."""
    from console.core.clock import WallClock
    from console.core.runtime import CoreOptions

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(message)s")
    try:
        settings = broker_settings(args.to, args)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.command == "simulate":
            start = args.start if args.start is not None else WallClock().now()
            options = CoreOptions(city=args.city, seed=args.seed, speed=args.speed, start=start)
            report = publish_simulation(settings, options, seconds=args.seconds, stop=stop)
        else:
            report = publish_recording(args.log, settings, args.speed, stop=stop)
    except (PublishError, FileNotFoundError) as exc:
        print(f"city-console {args.command}: {exc}", file=sys.stderr)
        return 1
    print(f"published {report.messages} messages to {settings.describe()}")
    return 0
