"""The scenario clock, and the scorecard and its self-contained HTML export."""

from __future__ import annotations

import re

import pytest

from console.core.clock import ManualClock
from console.core.scenarios import (
    Check,
    Expectation,
    Outcome,
    ScenarioClock,
    Scorecard,
    ScoreLine,
    format_seconds,
    scorecard_html,
)


def test_scenario_clock_pauses_resumes_and_speeds_up() -> None:
    base = ManualClock(100.0)
    clock = ScenarioClock(base)
    base.advance(30)
    assert clock.elapsed() == 0.0 and not clock.running  # stands still until started
    clock.resume()
    base.advance(10)
    assert clock.elapsed() == 10.0
    clock.pause()
    base.advance(50)
    assert clock.elapsed() == 10.0
    clock.resume()
    clock.set_speed(60)
    base.advance(2)
    assert clock.elapsed() == 130.0
    clock.set_speed(1)
    base.advance(5)
    assert clock.elapsed() == clock.now() == 135.0
    with pytest.raises(ValueError, match="1 to 60"):
        clock.set_speed(61)
    with pytest.raises(ValueError):
        ScenarioClock(base, speed=0.5)


def test_seconds_are_shown_as_minutes_and_seconds() -> None:
    assert format_seconds(0) == "0:00"
    assert format_seconds(90) == "1:30"
    assert format_seconds(3725) == "1:02:05"


def _card(trainee: str) -> Scorecard:
    accept = Expectation("accept", "v5", Check.ACCEPTED, 60.0)
    crew = Expectation("crew", "v5", Check.DISPATCHED, 180.0, unit_kind="bridge_crew")
    lines = (
        ScoreLine(
            accept,
            Outcome.MET,
            200.0,
            242.0,
            42.0,
            7,
            "Vessel <off> channel & more",
            "bridge_vessel",
            "accept",
            120.0,
            "",
        ),
        ScoreLine(
            crew,
            Outcome.MISSED,
            200.0,
            381.0,
            None,
            7,
            "Vessel <off> channel & more",
            "bridge_vessel",
            "",
            None,
            "dispatched to <b>ET</b> (emergency team)",
        ),
    )
    return Scorecard(
        scenario_name="g104-vessel-off-channel",
        scenario_title="Vessel off the channel heading for the G104 bridge",
        area="G104 Huaihe bridge",
        trainee=trainee,
        run_id="T1",
        started_at=1_767_249_600.0,
        ended_at=1_767_250_000.0,
        duration_s=381.0,
        lines=lines,
    )


def test_scorecard_counts() -> None:
    card = _card("王")
    assert (card.met, card.missed, card.summary) == (1, 1, "1 of 2 expectations met")
    assert card.lines[0].within_sla is True
    assert card.lines[1].within_sla is None


def test_scorecard_html_is_self_contained_and_escaped() -> None:
    page = scorecard_html(_card('王<script>alert("x")</script>'), "Asia/Shanghai")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script" not in page  # the trainee's name is text, not markup
    assert "王&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Vessel &lt;off&gt; channel &amp; more" in page
    assert "dispatched to &lt;b&gt;ET&lt;/b&gt; (emergency team)" in page
    assert not re.search(r"(src|href)\s*=|https?://|@import|url\(", page)  # nothing fetched
    assert "TRAINING" in page and "1 of 2 expectations met" in page
    assert "Started 2026-01-01 14:40:00" in page  # shown in the city's time zone
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:9] == [
        "case of v5 accepted within 1:00",
        '<span title="met">Met</span>',
        "#7 Vessel &lt;off&gt; channel &amp; more",
        "3:20",
        "4:02",
        "0:42",
        "1:00",
        "accept 2:00: within",
        "",
    ]
    assert '<td class="missed"><span title="missed">Missed</span></td>' in row
