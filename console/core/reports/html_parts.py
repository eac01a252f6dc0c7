"""Pieces shared by the HTML reports: the print-friendly style, escaping, tables, the page.

Every report is one self-contained file: styles inline, images as data: URIs,
scripts inlined. :func:`network_loads` lists anything in a page that would
still reach for the network (the tests use it; so can a caller before saving).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from console.core.reports.leaflet_assets import data_uri

REPORT_CSS = """
:root { color-scheme: light; }
body { font: 13px/1.45 "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", Arial, sans-serif;
  color: #1a1f24; background: #ffffff; margin: 0; padding: 18px 24px 32px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 22px 0 8px; padding-bottom: 3px; border-bottom: 2px solid #2b4c6f;
  color: #2b4c6f; }
.sub { color: #4d5963; margin: 0 0 10px; }
.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 3px 14px;
  margin: 8px 0; }
.facts dt { color: #4d5963; }
.facts dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border: 1px solid #c3ccd4; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8eef3; font-weight: 600; }
tr:nth-child(even) td { background: #f7f9fb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
table.compact { width: auto; min-width: 360px; }
.late { color: #b3261e; font-weight: 600; }
.ok { color: #1b6e3a; }
.muted { color: #6b7680; }
.note { padding: 6px 10px; background: #fff7e0; border-left: 4px solid #d9a400; margin: 6px 0; }
.figures { display: flex; flex-wrap: wrap; gap: 14px; }
figure { margin: 0; border: 1px solid #c3ccd4; padding: 6px; break-inside: avoid; }
figure img { display: block; max-width: 100%; }
figcaption { color: #4d5963; font-size: 12px; margin-top: 4px; }
.map { border: 1px solid #c3ccd4; break-inside: avoid; }
.legend { font-size: 12px; color: #4d5963; margin: 4px 0; }
.swatch { display: inline-block; width: 18px; height: 4px; vertical-align: middle;
  margin: 0 4px 0 10px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.kpi { border: 1px solid #c3ccd4; padding: 6px 8px; }
.kpi b { display: block; font-size: 18px; }
.kpi span { color: #4d5963; font-size: 12px; }
footer { margin-top: 26px; color: #6b7680; font-size: 11px; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""
"""Dark-on-light, print-friendly style of every report."""


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too)."""
    return html.escape(str(value), quote=True)


@dataclass(frozen=True, slots=True)
class ReportImage:
    """A picture handed in by the caller (a chart, a camera snapshot): PNG bytes and captions.

    ``png`` None means there is no picture; ``note`` then says why.
    """

    title: str
    png: bytes | None
    caption: str = ""
    note: str = ""
    media_type: str = "image/png"


def figure(image: ReportImage, width: int | None = None) -> str:
    """A ``<figure>``: the image inlined as a data: URI, or its note when it has none."""
    caption = esc(image.title) + (f" — {esc(image.caption)}" if image.caption else "")
    if image.png is None:
        body = f'<p class="muted">{esc(image.note or "no picture")}</p>'
    else:
        size = f' width="{width}"' if width else ""
        uri = data_uri(image.media_type, image.png)
        body = f'<img src="{uri}" alt="{esc(image.title)}"{size}>'
    box = f' style="width:{width}px"' if width else ""
    return f"<figure{box}>{body}<figcaption>{caption}</figcaption></figure>"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: frozenset[int] = frozenset(),
    css_class: str = "",
) -> str:
    """An HTML table; cells are already-escaped HTML, ``numeric`` columns right-aligned."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    opening = f'<table class="{esc(css_class)}">' if css_class else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, body: str, head_extra: str = "") -> str:
    """A whole self-contained HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n{head_extra}\n<style>{REPORT_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# ---- Offline check

_LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_CSS_REMOTE = re.compile(r"(?:url\(\s*['\"]?|@import\s+['\"])\s*((?:https?:)?//[^'\")\s]+)", re.I)
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)


class _LoadFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _LOADING_ATTRIBUTES.get(tag, ())
        for name, value in attrs:
            if value is None:
                continue
            if name in wanted and any(_REMOTE.match(p) for p in value.split(",")):
                self.loads.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.loads.extend(f"style url {m}" for m in _CSS_REMOTE.findall(value))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.loads.extend(f"css {m}" for m in _CSS_REMOTE.findall(data))


def network_loads(document: str) -> list[str]:
    """Everything in ``document`` that would load over the network (empty: works offline).

    Looks at the loading attributes of elements (``script src``, ``link href``,
    ``img src`` ...) and at ``url(...)``/``@import`` in styles.
    """
    finder = _LoadFinder()
    finder.feed(document)
    finder.close()
    return finder.loads
