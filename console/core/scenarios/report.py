"""A scorecard as one self-contained HTML file: inline CSS, no scripts, nothing fetched."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from console.core.scenarios.model import format_seconds
from console.core.scenarios.scorecard import Scorecard, ScoreLine
from console.core.scenarios.tracking import Outcome

_CSS = """
body { font-family: "Segoe UI", "Noto Sans CJK SC", sans-serif; margin: 24px;
       background: #ffffff; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
.banner { background: #b45309; color: #ffffff; font-weight: 700; letter-spacing: 2px;
          padding: 4px 10px; display: inline-block; margin-bottom: 12px; }
.meta { color: #57606a; margin-bottom: 16px; }
.summary { font-size: 16px; font-weight: 600; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.met { color: #116329; font-weight: 700; }
td.missed { color: #a40e26; font-weight: 700; }
td.pending { color: #7d4e00; font-weight: 700; }
.dim { color: #57606a; }
"""


def scorecard_html(card: Scorecard, timezone: str = "UTC") -> str:
    """The scorecard as an HTML document (every value escaped)."""
    zone = ZoneInfo(timezone)
    rows = "\n".join(_row(line) for line in card.lines)
    meta = (
        f"Trainee: <b>{_e(card.trainee or 'not named')}</b> · "
        f"Started {_e(_when(card.started_at, zone))} · Ended {_e(_when(card.ended_at, zone))} · "
        f"Scenario time played {_e(format_seconds(card.duration_s))} · Run {_e(card.run_id)}"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Training scorecard: {_e(card.scenario_title)}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="banner">TRAINING</div>
<h1>{_e(card.scenario_title)}</h1>
<div class="meta">Scenario <b>{_e(card.scenario_name)}</b> · {_e(card.area)}</div>
<div class="meta">{meta}</div>
<div class="summary">{_e(card.summary)}</div>
<table>
<thead><tr><th>Expectation</th><th>Result</th><th>Case</th><th>Counted from</th>
<th>Done at</th><th>Took</th><th>Allowed</th><th>Case type limit (SLA)</th>
<th>Note</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="dim">Times are scenario time (mm:ss from the start of the scenario).</p>
</body>
</html>
"""


def _row(line: ScoreLine) -> str:
    outcome = line.outcome
    result = {Outcome.MET: "Met", Outcome.MISSED: "Missed", Outcome.PENDING: "Pending"}[outcome]
    case = f"#{line.case_id} {line.case_title}" if line.case_id is not None else "no case"
    cells = [
        _e(line.expectation.describe()),
        f'<span title="{_e(outcome.value)}">{_e(result)}</span>',
        _e(case),
        _e(_time(line.since_s)),
        _e(_time(line.at_s)),
        _e(_time(line.took_s)),
        _e(format_seconds(line.expectation.within_s)),
        _e(_sla(line)),
        _e(line.detail),
    ]
    tds = "".join(
        f'<td class="{outcome.value}">{cell}</td>' if i == 1 else f"<td>{cell}</td>"
        for i, cell in enumerate(cells)
    )
    return f"<tr>{tds}</tr>"


def _sla(line: ScoreLine) -> str:
    if line.sla_s is None:
        return "—"
    verdict = {True: ": within", False: ": over", None: ""}[line.within_sla]
    return f"{line.sla_name} {format_seconds(line.sla_s)}{verdict}"


def _time(value: float | None) -> str:
    return "—" if value is None else format_seconds(value)


def _when(epoch: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%d %H:%M:%S")


def _e(text: str) -> str:
    return escape(str(text), quote=True)
