"""The command line: live feeds, review and training options are checked before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.runtime import CoreOptions
from console.qt.app import broker_options, main, parse_args, training_options


def test_a_broker_url_gives_real_time_options_with_a_session_of_its_own() -> None:
    args = parse_args(["--bus", "mqtt://127.0.0.1:1883", "--mqtt-user", "desk", "--operator", "li"])
    options = broker_options(CoreOptions(speed=10.0), args)
    given = dict(options.bus_options)
    assert options.bus_url == "mqtt://127.0.0.1:1883" and options.speed == 1.0
    assert given["username"] == "desk" and given["client_id"].endswith("-li")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--bus", "http://broker"], "--bus: not an MQTT URL"),
        (["--bus", "mqtt://127.0.0.1", "--train"], "--bus is for live operation"),
        (["--review-at", "end"], "--review-at needs --review"),
        (["--train", "--db", "sqlite:///x.db"], "--train runs on its own training database"),
        (["--neighbour", "huainan"], "--neighbour: a neighbour is ID=BROKER_URL"),
        (["--neighbour", "huainan=http://h"], "huainan: not an MQTT URL"),
        (["--neighbour", "a=mqtt://h", "--neighbour", "a=mqtt://k"], "'a' is given twice"),
        (["--neighbour", "huai+nan=mqtt://h"], "cannot be a centre id"),
        (["--neighbour", "huainan=mqtt://h", "--train"], "--neighbour is for live operation"),
    ],
)
def test_conflicting_or_bad_options_are_refused_with_the_reason(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert says in capsys.readouterr().err


def test_training_never_uses_the_live_database(tmp_path: Path) -> None:
    options = training_options(CoreOptions(database_url=None, colleague_share=0.7), tmp_path)
    assert options.database_url == f"sqlite:///{tmp_path / 'training.sqlite'}"
    assert options.quiet_city and options.colleague_share == 0.0 and options.speed == 1.0


def test_the_feed_commands_are_their_own_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["replay", "--help"])
    assert exit_info.value.code == 0
    assert "--to" in capsys.readouterr().out
