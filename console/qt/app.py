"""``city-console``: start the console on the built-in simulation.

``--run-for SECONDS --screenshot FILE`` runs the real console for that long,
saves a PNG of the main window and exits 0 only if nothing was logged at ERROR
level (Qt's own critical messages included).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from console.core.feeds.cli import COMMANDS as FEED_COMMANDS
from console.core.feeds.cli import add_broker_options, broker_settings
from console.core.feeds.cli import main as feed_command
from console.core.paths import city_dir
from console.core.region.config import RegionError, neighbour_brokers
from console.core.runtime import CoreOptions
from console.qt.qt_env import prepare_qt_environment

log = logging.getLogger("console")


class ErrorCounter(logging.Handler):
    """Counts records at ERROR or above (the exit status of a timed run)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="city-console",
        description="City operations command-and-dispatch console (built-in simulation).",
    )
    parser.add_argument("--city", default="bengbu", help="city data folder under resources/cities")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy database URL (default: a SQLite file in the user's data folder)",
    )
    parser.add_argument("--seed", type=int, default=552, help="simulation seed (default 552)")
    parser.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="folder for vehicle position history (default: history in the user data folder)",
    )
    parser.add_argument(
        "--colleague-share",
        type=float,
        default=0.7,
        metavar="SHARE",
        help="share of new cases worked by simulated colleague desks, 0..1 (default 0.7; 0: none)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=10.0,
        help="time-compression factor of the simulation (default 10)",
    )
    parser.add_argument(
        "--start",
        metavar="ISO",
        help="simulated start time in the city's time zone, e.g. 2026-11-21T07:30 (default: now)",
    )
    parser.add_argument("--operator", default=_default_operator(), help="operator name for audit")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help="folder for the saved layout (default: the user's data folder)",
    )
    parser.add_argument(
        "--run-for",
        metavar="SECONDS",
        type=float,
        help="run this long, then exit (0 only if nothing was logged at ERROR)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="with --run-for: save a PNG of the main window before exiting",
    )
    parser.add_argument(
        "--record",
        metavar="DIR",
        type=Path,
        help="record every event of this run into DIR (compressed segments, one an hour)",
    )
    parser.add_argument(
        "--review",
        metavar="DIR",
        type=Path,
        help="open the recording in DIR for review (read-only; nothing live is touched)",
    )
    parser.add_argument(
        "--review-at",
        metavar="ISO|end",
        help="with --review: open at this moment (city time, e.g. 2026-11-21T08:15) or the end",
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="training: the scenario player, a TRAINING banner, the separate training database"
        " (training.sqlite in the user data folder), real-time clocks, no random alarms",
    )
    parser.add_argument(
        "--bus",
        metavar="URL",
        help="take the city's feeds from this MQTT broker (mqtt://host:port or mqtts://…)"
        " instead of the built-in simulation; see docs/mqtt.md",
    )
    add_broker_options(parser)
    parser.add_argument(
        "--neighbour",
        action="append",
        default=[],
        metavar="ID=URL",
        help="the broker of a neighbouring centre cases can be handed to (repeatable), e.g."
        " huainan=mqtt://10.8.0.5:1883 (its topic prefix is its id unless the URL says"
        " ?prefix=); see docs/region.md",
    )
    parser.add_argument("--size", default="1680x1000", help="initial window size WxH")
    parser.add_argument(
        "--headless", action="store_true", help="use Qt's offscreen platform (no display needed)"
    )
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    parser.add_argument(
        "--tile-url",
        metavar="URL",
        help="draw the map over this tile server for this run (a URL template with {z} {x} {y},"
        " or a file:// folder of tiles), instead of the saved basemap",
    )
    parser.add_argument(
        "--tile-crs",
        choices=("wgs84", "gcj02"),
        help="with --tile-url: the datum of its tiles, wgs84 (default) or gcj02 (AMap/Gaode,"
        " Tencent and many Chinese city servers)",
    )
    parser.add_argument(
        "--tile-attribution", metavar="TEXT", help="with --tile-url: the tiles' credit line"
    )
    args = parser.parse_args(argv)
    if args.screenshot and args.run_for is None:
        parser.error("--screenshot needs --run-for")
    if args.review is not None and args.record is not None:
        parser.error("--review and --record cannot be used together")
    if args.review is not None and not args.review.is_dir():
        parser.error(f"--review: no recording folder at {args.review}")
    if args.review_at is not None and args.review is None:
        parser.error("--review-at needs --review")
    if args.review_at not in (None, "end"):
        try:
            dt.datetime.fromisoformat(args.review_at)
        except ValueError:
            parser.error(f"--review-at: not a time: {args.review_at!r}")
    if args.train and (args.review is not None or args.db is not None):
        parser.error("--train runs on its own training database: not with --review or --db")
    if args.bus is not None and (args.review is not None or args.train):
        parser.error("--bus is for live operation: not with --review or --train")
    if args.bus is not None:
        try:
            broker_settings(args.bus, args)
        except ValueError as error:
            parser.error(f"--bus: {error}")
    if args.neighbour and (args.review is not None or args.train):
        parser.error("--neighbour is for live operation: not with --review or --train")
    try:
        neighbour_brokers(args.neighbour)
    except RegionError as error:
        parser.error(f"--neighbour: {error}")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    if (args.tile_crs or args.tile_attribution) and not args.tile_url:
        parser.error("--tile-crs and --tile-attribution need --tile-url")
    if args.tile_url:
        from console.qt.basemap import BasemapError, override_from_args

        try:
            override_from_args(args)
        except BasemapError as error:
            parser.error(f"--tile-url: {error}")
    return args


def training_options(options: CoreOptions, profile: Path | None) -> CoreOptions:
    """``options`` for training: the training database, real time, no colleagues or
    random alarms (the scenario raises them), never the live database."""
    from console.core.scenarios import training_database_url

    return dataclasses.replace(
        options,
        database_url=training_database_url(profile),
        speed=1.0,
        colleague_share=0.0,
        quiet_city=True,
    )


def broker_options(options: CoreOptions, args: argparse.Namespace) -> CoreOptions:
    """``options`` for a console fed by a broker: real time from now, the login and TLS
    files given, and a client id of its own unless one is given (its session on the broker)."""
    pairs = {
        "username": args.mqtt_user,
        "password": args.mqtt_password,
        "prefix": args.mqtt_prefix,
        "ca_file": args.mqtt_ca,
        "cert_file": args.mqtt_cert,
        "key_file": args.mqtt_key,
        "client_id": args.mqtt_client_id or f"city-console-{socket.gethostname()}-{args.operator}",
    }
    return dataclasses.replace(
        options,
        bus_url=args.bus,
        bus_options=tuple((name, str(value)) for name, value in pairs.items() if value),
        speed=1.0,
        start=time.time(),
    )


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def _start_time(text: str | None) -> float:
    if not text:
        return dt.datetime.now().timestamp()
    return dt.datetime.fromisoformat(text).timestamp()


def use_city_timezone(city: str) -> str | None:
    """Show and read times in the city's own time zone (``timezone`` in its city.json).

    A workstation in another zone (or a server in UTC) still shows the city's
    clock, and ``--start`` means the city's local time.
    """
    try:
        config = json.loads((city_dir(city) / "city.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    zone = config.get("timezone") if isinstance(config, dict) else None
    if isinstance(zone, str) and hasattr(time, "tzset"):
        os.environ["TZ"] = zone
        time.tzset()
        return zone
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console (or ``simulate`` / ``replay`` into a broker); returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in FEED_COMMANDS:
        return feed_command(arguments)
    args = parse_args(arguments)
    use_city_timezone(args.city)
    errors = ErrorCounter()
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger().addHandler(errors)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    prepare_qt_environment(headless=args.headless)

    from console.qt.console_app import run_console

    options = CoreOptions(
        city=args.city,
        database_url=args.db,
        seed=args.seed,
        speed=args.speed,
        start=_start_time(args.start),
        colleague_share=min(max(args.colleague_share, 0.0), 1.0),
        history_dir=args.history,
        recording_dir=args.record,
        neighbours=tuple(neighbour_brokers(args.neighbour).items()),
    )
    if args.train:
        options = training_options(options, args.profile)
    if args.bus:
        options = broker_options(options, args)
    status = run_console(args, options)
    if args.run_for is not None and errors.count:
        log.error("exiting with status 1: %d error(s) were logged", errors.count)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
