"""The region's configuration: the city's region.json, neighbours' brokers from the command
line, and a console joining the region (its desk, and links only where a broker is given)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from console.core.paths import city_dir
from console.core.region import RegionError, load_region, neighbour_brokers
from console.core.region.config import Centre, RegionConfig
from console.core.runtime import CoreOptions, build_core


def test_bengbu_has_three_neighbours_on_the_huaihe_and_no_brokers_by_default() -> None:
    config = load_region(city_dir("bengbu"))
    assert config.centre.centre_id == "bengbu" and config.centre.code == "340300"
    assert [c.centre_id for c in config.neighbours] == ["huainan", "chuzhou", "huaian"]
    assert config.neighbour("huainan").label == "淮南市 (Huainan)"
    assert all(c.broker is None for c in config.neighbours)


def test_brokers_from_the_command_line_set_or_add_neighbours_and_their_prefixes() -> None:
    brokers = neighbour_brokers(["huainan=mqtt://10.8.0.5:1883", "suzhou=mqtt://h?prefix=sz"])
    config = load_region(city_dir("bengbu")).with_brokers(brokers)
    huainan = config.neighbour("huainan")
    assert huainan.broker == "mqtt://10.8.0.5:1883" and huainan.prefix == "huainan"
    added = config.neighbour("suzhou")
    assert (added.name, added.prefix) == ("suzhou", "sz")
    assert config.by_prefix("sz") is added and config.by_prefix("huaian") is not None
    with pytest.raises(KeyError):
        config.neighbour("hefei")


def test_a_console_on_another_prefix_is_that_centre() -> None:
    config = RegionConfig(
        Centre("bengbu", "蚌埠", "Bengbu"), (Centre("huainan", "淮南", "Huainan"),)
    )
    assert config.as_centre("bengbu") is config
    other = config.as_centre("huainan")
    assert other.centre.centre_id == "huainan" and other.neighbours == ()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[]", "format_version 1"),
        ('{"format_version": 1, "centre": {"id": "x"}}', "id and name are required"),
        (
            '{"format_version": 1, "centre": {"id": "x", "name": "X"}, '
            '"neighbours": [{"id": "x", "name": "Y"}]}',
            "its own id",
        ),
        (
            '{"format_version": 1, "centre": {"id": "x", "name": "X", "colour": "red"}}',
            r"unknown field\(s\) colour",
        ),
        (
            '{"format_version": 1, "centre": {"id": "x", "name": "X"}, '
            '"neighbours": [{"id": "y", "name": "Y", "broker": "http://h"}]}',
            "not an MQTT URL",
        ),
        ("{", "Expecting property name"),
    ],
)
def test_a_bad_region_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, says: str
) -> None:
    (tmp_path / "region.json").write_text(content, encoding="utf-8")
    with pytest.raises(RegionError, match=says):
        load_region(tmp_path)


def test_without_a_region_file_the_city_is_a_centre_without_neighbours(tmp_path: Path) -> None:
    fallback = Centre("340300", "蚌埠市", "Bengbu")
    assert load_region(tmp_path, fallback=fallback) == RegionConfig(fallback)
    with pytest.raises(RegionError, match="no region file"):
        load_region(tmp_path)
    assert json.loads((city_dir("bengbu") / "region.json").read_text(encoding="utf-8"))


def test_a_console_joins_its_region_and_links_only_where_a_broker_is_given(
    tmp_path: Path,
) -> None:
    base = CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        colleague_share=0.0,
    )
    core = build_core(base)
    try:
        assert core.region is not None and core.region_links is None
        assert core.region.centre.centre_id == "bengbu"
    finally:
        core.stop()
    core = build_core(dataclasses.replace(base, neighbours=(("huainan", "mqtt://127.0.0.1:9"),)))
    try:
        assert core.region_links is not None
        (huainan, chuzhou, huaian) = core.region_links.links()
        assert (huainan.state.value, huainan.error) == ("stopped", "not started")
        assert chuzhou.error == "no broker configured" and huaian.state.value == "stopped"
    finally:
        core.stop()
