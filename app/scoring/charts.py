"""Competency charts as server-rendered SVG, for pages under a strict Content-Security-Policy.

The policy forbids inline scripts and inline styles, so the charts use presentation attributes only,
and every piece of text is escaped because labels come from the question bank and from users.
"""

import math
import textwrap
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

# Okabe-Ito (black left out) plus Paul Tol's wine, olive and grey: distinguishable with the common
# colour-vision deficiencies; yellow comes late because it is faint on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#882255",
    "#999933",
    "#F0E442",
    "#777777",
)
# One pattern per series so the lines stay apart when printed in grey; "none" is a solid line.
DASH_PATTERNS: tuple[str, ...] = (
    "none",
    "8 4",
    "2 3",
    "8 3 2 3",
    "14 4",
    "4 4",
    "1 6",
    "12 3 2 3 2 3",
    "6 2 2 2",
    "10 3 4 3",
)

INK = "#333333"
MUTED = "#777777"
GRID = "#cccccc"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

RADAR_FONT_SIZE = 11
RADAR_LABEL_GAP = 12
RADAR_LABEL_WIDTH = 14  # characters per label line
RADAR_LABEL_LINES = 3
CHAR_WIDTH = 0.62  # of the font size: a generous average, so labels are not clipped

LINE_MARGIN = {"left": 36, "right": 28, "top": 12, "bottom": 40}
LEGEND_ROW = 20
TICK_SPACING = 64  # pixels between session labels, at least


def radar_chart(
    axes: Sequence[tuple[str, float | None]], *, title: str, max_value: float = 5.0, size: int = 360
) -> Markup:
    """A spider chart of per-competency scores; a None score (not assessed) sits at the centre.

    `size` is the height; the width grows so that labels beside the ring fit.
    """
    if max_value <= 0:
        raise ValueError(f"max_value must be positive, not {max_value}")
    desc = "; ".join(_axis_in_words(label, value, max_value) for label, value in axes)
    radius = size * 0.3
    half_width = radius + RADAR_LABEL_GAP + RADAR_LABEL_WIDTH * RADAR_FONT_SIZE * CHAR_WIDTH + 4
    width = max(size, math.ceil(2 * half_width))
    if not axes:
        return _message_chart("radar-chart", title, "No competencies to show", width, size)
    radar = _Radar(width / 2, size / 2, radius, max_value, len(axes))
    parts = [_radar_grid(radar), _radar_spokes(radar, axes), _radar_values(radar, axes)]
    return _svg("radar-chart", title, desc or title, width, size, parts)


def line_chart(
    series: Mapping[str, Sequence[tuple[datetime, float]]],
    *,
    title: str,
    y_min: float = 1.0,
    y_max: float = 5.0,
    width: int = 640,
    height: int = 300,
) -> Markup:
    """Competency scores session by session: one dashed, coloured line per competency, with a
    legend below. Each point's time is its session's start; every session gets its own place
    across, in order, so sessions on one day stay apart.

    The legend adds rows under `height`, so the chart's full height depends on the number of series.
    """
    if y_max <= y_min:
        raise ValueError(f"y_max ({y_max}) must be above y_min ({y_min})")
    named = [(name, sorted(points)) for name, points in series.items()]
    if not any(points for _, points in named):
        return _message_chart("line-chart", title, "No sessions yet", width, height)
    plot = _Plot.fit(named, y_min, y_max, width, height)
    parts = [_y_grid(plot), _x_ticks(plot)]
    parts += [_series_line(plot, i, name, points) for i, (name, points) in enumerate(named)]
    parts.append(_legend(plot, [name for name, _ in named]))
    total_height = height + math.ceil(len(named) / 2) * LEGEND_ROW
    desc = "; ".join(_series_in_words(plot, name, points) for name, points in named)
    return _svg("line-chart", title, desc, width, total_height, parts)


# --- Radar -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Radar:
    """Where things go on a radar: axis 0 points up, the others follow clockwise."""

    cx: float
    cy: float
    radius: float
    max_value: float
    count: int

    def angle(self, axis: int) -> float:
        return -math.pi / 2 + 2 * math.pi * axis / self.count

    def point(self, axis: int, value: float | None, extra: float = 0.0) -> tuple[float, float]:
        """The point for `value` on `axis`, `extra` pixels further out; None is the centre."""
        share = 0.0 if value is None else min(max(value, 0.0), self.max_value) / self.max_value
        distance = share * self.radius + extra
        angle = self.angle(axis)
        return self.cx + distance * math.cos(angle), self.cy + distance * math.sin(angle)

    def levels(self) -> list[float]:
        return [float(level) for level in range(1, math.floor(self.max_value) + 1)] or [self.max_value]


def _radar_grid(radar: _Radar) -> str:
    """One ring per score level, numbered just inside the top spoke; circles when there are no corners."""
    rings, numbers = [], []
    cx, cy = f"{radar.cx:.1f}", f"{radar.cy:.1f}"
    for level in radar.levels():
        if radar.count >= 3:
            corners = [radar.point(axis, level) for axis in range(radar.count)]
            rings.append(f'<polygon class="ring" points="{_points(corners)}" fill="none" stroke="{GRID}"/>')
        else:
            r = f"{radar.radius * level / radar.max_value:.1f}"
            rings.append(f'<circle class="ring" cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{GRID}"/>')
        x, y = radar.point(0, level)
        numbers.append(_text(_number(level), x + 3, y + 9, size=9, fill=MUTED, css_class="level"))
    return f'<g class="grid">{"".join(rings)}{"".join(numbers)}</g>'


def _radar_spokes(radar: _Radar, axes: Sequence[tuple[str, float | None]]) -> str:
    spokes, labels = [], []
    for axis, (label, value) in enumerate(axes):
        x, y = radar.point(axis, radar.max_value)
        spokes.append(_line(radar.cx, radar.cy, x, y, stroke=GRID, css_class="spoke"))
        labels.append(_radar_label(radar, axis, label, assessed=value is not None))
    return f'<g class="axes">{"".join(spokes)}{"".join(labels)}</g>'


def _radar_label(radar: _Radar, axis: int, label: str, *, assessed: bool) -> str:
    """The label outside the ring, anchored on the side facing away from the chart.

    "(not assessed)" gets a line of its own so it never breaks in the middle.
    """
    if assessed:
        lines = _wrap(label, RADAR_LABEL_WIDTH, RADAR_LABEL_LINES)
    else:
        lines = [*_wrap(label, RADAR_LABEL_WIDTH, RADAR_LABEL_LINES - 1), "(not assessed)"]
        label = f"{label} (not assessed)"
    x, y = radar.point(axis, radar.max_value, extra=RADAR_LABEL_GAP)
    cos, sin = math.cos(radar.angle(axis)), math.sin(radar.angle(axis))
    anchor = "start" if cos > 0.35 else "end" if cos < -0.35 else "middle"
    line_height = RADAR_FONT_SIZE * 1.2
    if sin < -0.35:  # above the centre: grow upwards
        first = y - (len(lines) - 1) * line_height
    elif sin > 0.35:  # below: hang down
        first = y + RADAR_FONT_SIZE * 0.8
    else:
        first = y - (len(lines) - 1) * line_height / 2 + RADAR_FONT_SIZE * 0.35
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else line_height:.1f}">{_escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text class="axis-label" x="{x:.1f}" y="{first:.1f}" font-size="{RADAR_FONT_SIZE}" '
        f'text-anchor="{anchor}" fill="{INK}"><title>{_escape(label)}</title>{spans}</text>'
    )


def _radar_values(radar: _Radar, axes: Sequence[tuple[str, float | None]]) -> str:
    """The filled score polygon, or bars along the spokes when one or two axes make no polygon."""
    colour = PALETTE[0]
    corners = [radar.point(axis, value) for axis, (_, value) in enumerate(axes)]
    if radar.count >= 3:
        shape = (
            f'<polygon class="value" points="{_points(corners)}" fill="{colour}" fill-opacity="0.25" '
            f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>'
        )
    else:
        shape = "".join(
            _line(radar.cx, radar.cy, x, y, stroke=colour, width=10, opacity=0.35, css_class="value-bar")
            for x, y in corners
        )
    markers = [
        _radar_marker(x, y, _axis_in_words(label, value, radar.max_value), value is None)
        for (x, y), (label, value) in zip(corners, axes, strict=True)
    ]
    return f'<g class="values">{shape}{"".join(markers)}</g>'


def _radar_marker(x: float, y: float, words: str, unassessed: bool) -> str:
    """A dot on the score; hollow when not assessed, since it only marks the centre."""
    fill, stroke = ("#ffffff", MUTED) if unassessed else (PALETTE[0], "#ffffff")
    return (
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="1.5"><title>{_escape(words)}</title></circle>'
    )


def _axis_in_words(label: str, value: float | None, max_value: float) -> str:
    return f"{label}: not assessed" if value is None else f"{label}: {_number(value)} of {_number(max_value)}"


# --- Line chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plot:
    """The plotting rectangle and its scales: one evenly spaced place per session across,
    y_min..y_max up."""

    left: float
    top: float
    right: float
    bottom: float
    sessions: tuple[datetime, ...]  # in order
    y_min: float
    y_max: float

    @classmethod
    def fit(
        cls,
        named: Sequence[tuple[str, Sequence[tuple[datetime, float]]]],
        y_min: float,
        y_max: float,
        width: int,
        height: int,
    ) -> "_Plot":
        sessions = tuple(sorted({time for _, points in named for time, _ in points}))
        m = LINE_MARGIN
        return cls(m["left"], m["top"], width - m["right"], height - m["bottom"], sessions, y_min, y_max)

    @property
    def slot(self) -> float:
        return (self.right - self.left) / len(self.sessions)

    def x(self, time: datetime) -> float:
        return self.left + self.slot * (self.sessions.index(time) + 0.5)

    def y(self, value: float) -> float:
        share = (min(max(value, self.y_min), self.y_max) - self.y_min) / (self.y_max - self.y_min)
        return self.bottom - (self.bottom - self.top) * share

    def shares_its_day(self, time: datetime) -> bool:
        return sum(1 for other in self.sessions if other.date() == time.date()) > 1

    def label(self, time: datetime) -> str:
        """A session in words: its date, and its time (UTC) when another session shares the day."""
        return f"{_long_date(time)} {time:%H:%M}" if self.shares_its_day(time) else _long_date(time)


def _y_grid(plot: _Plot) -> str:
    """Horizontal grid lines with their values at a round step."""
    span = plot.y_max - plot.y_min
    step = next((s for s in (0.25, 0.5, 1, 2, 5, 10, 20, 50, 100) if span / s <= 6), span / 4)
    parts = []
    value = math.ceil(plot.y_min / step) * step
    while value <= plot.y_max + 1e-9:
        y = plot.y(value)
        parts.append(_line(plot.left, y, plot.right, y, stroke=GRID, css_class="y-grid"))
        parts.append(
            _text(_number(value), plot.left - 6, y + 3.5, size=10, fill=INK, anchor="end", css_class="y-tick")
        )
        value += step
    return f'<g class="y-axis">{"".join(parts)}</g>'


def _x_ticks(plot: _Plot) -> str:
    """A label under every n-th session (n chosen so they don't crowd each other): the date, with
    the time on a second line when two sessions share the day."""
    step = math.ceil(len(plot.sessions) / max(1, int((plot.right - plot.left) // TICK_SPACING)))
    with_year = plot.sessions[0].year != plot.sessions[-1].year
    parts = [_line(plot.left, plot.bottom, plot.right, plot.bottom, stroke=MUTED, css_class="x-axis-line")]
    for time in plot.sessions[::step]:
        x = plot.x(time)
        parts.append(_line(x, plot.bottom, x, plot.bottom + 4, stroke=MUTED, css_class="x-tick-mark"))
        lines = [_long_date(time) if with_year else _short_date(time)]
        if plot.shares_its_day(time):
            lines.append(f"{time:%H:%M}")
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 12}">{_escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<text class="x-tick" x="{x:.1f}" y="{plot.bottom + 16:.1f}" font-size="10" '
            f'text-anchor="middle" fill="{INK}">{spans}</text>'
        )
    return f'<g class="x-axis">{"".join(parts)}</g>'


def _series_line(plot: _Plot, index: int, name: str, points: Sequence[tuple[datetime, float]]) -> str:
    """One competency's line and a marker per session, each marker with its value as a tooltip."""
    colour, dashes = _series_style(index)
    corners = [(plot.x(time), plot.y(value)) for time, value in points]
    line = (
        f'<polyline class="series-line" points="{_points(corners)}" fill="none" stroke="{colour}" '
        f'stroke-width="2" stroke-dasharray="{dashes}" stroke-linejoin="round"/>'
    )
    markers = "".join(
        f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" stroke="#ffffff" '
        f'stroke-width="1"><title>{_escape(f"{name}, {plot.label(time)}: {_number(value)}")}</title></circle>'
        for (x, y), (time, value) in zip(corners, points, strict=True)
    )
    return f'<g class="series">{line}{markers}</g>'


def _legend(plot: _Plot, names: Sequence[str]) -> str:
    """Two columns under the plot, each entry a sample of the line's colour and dash pattern."""
    column_width = (plot.right - plot.left) / 2
    characters = int((column_width - 44) // (10 * CHAR_WIDTH))
    entries = []
    for index, name in enumerate(names):
        colour, dashes = _series_style(index)
        x = plot.left + (index % 2) * column_width
        y = plot.bottom + 40 + (index // 2) * LEGEND_ROW
        sample = (
            f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 32:.1f}" y2="{y - 4:.1f}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dashes}"/>'
            f'<circle cx="{x + 16:.1f}" cy="{y - 4:.1f}" r="3.5" fill="{colour}" stroke="#ffffff"/>'
        )
        label = _text(_shorten(name, characters), x + 40, y, size=11, fill=INK, css_class="legend-label")
        entries.append(f'<g class="legend-entry"><title>{_escape(name)}</title>{sample}{label}</g>')
    return f'<g class="legend">{"".join(entries)}</g>'


def _series_style(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], DASH_PATTERNS[index % len(DASH_PATTERNS)]


def _series_in_words(plot: _Plot, name: str, points: Sequence[tuple[datetime, float]]) -> str:
    if not points:
        return f"{name}: no sessions"
    (first_time, first), (last_time, last) = points[0], points[-1]
    if len(points) == 1:
        return f"{name}: 1 session, {_number(first)} on {plot.label(first_time)}"
    return (
        f"{name}: {len(points)} sessions, from {_number(first)} on {plot.label(first_time)} "
        f"to {_number(last)} on {plot.label(last_time)}"
    )


def _short_date(time: datetime) -> str:
    """ "26 Nov", spelt out here rather than with %b, which follows the server's locale."""
    return f"{time.day} {MONTHS[time.month - 1]}"


def _long_date(time: datetime) -> str:
    return f"{_short_date(time)} {time.year}"


# --- SVG pieces ------------------------------------------------------------------------------------


def _svg(css_class: str, title: str, desc: str, width: float, height: float, parts: Sequence[str]) -> Markup:
    """The root element, labelled for screen readers by its <title> and described by its <desc>."""
    chart_id = f"chart-{uuid.uuid4().hex[:12]}"
    root = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-family="{_escape(FONT_FAMILY)}">'
    )
    labels = (
        f'<title id="{chart_id}-title">{_escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{_escape(desc)}</desc>'
    )
    return Markup(f"{root}{labels}{''.join(parts)}</svg>")  # noqa: S704 - every text in it went through _escape


def _message_chart(css_class: str, title: str, message: str, width: float, height: float) -> Markup:
    """A chart with nothing to plot says so, rather than drawing empty axes."""
    text = _text(message, width / 2, height / 2, size=14, fill=MUTED, anchor="middle", css_class="empty")
    return _svg(css_class, title, message, width, height, [text])


def _text(
    content: str, x: float, y: float, *, size: float, fill: str, anchor: str = "start", css_class: str = ""
) -> str:
    return (
        f'<text class="{css_class}" x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{fill}">{_escape(content)}</text>'
    )


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str,
    width: float = 1,
    opacity: float = 1,
    css_class: str = "",
) -> str:
    return (
        f'<line class="{css_class}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{stroke}" stroke-width="{width:g}" opacity="{opacity:g}"/>'
    )


def _points(corners: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)


def _escape(text: str) -> str:
    return str(escape(text))


def _number(value: float) -> str:
    """3.5 stays 3.5, 4.0 becomes 4."""
    return f"{round(value, 2):g}"


def _wrap(label: str, width: int, max_lines: int) -> list[str]:
    """Wrap at word boundaries; past `max_lines` the last line ends in an ellipsis."""
    lines = textwrap.wrap(label, width) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _shorten(" ".join(lines[max_lines - 1 :]), width)]
    return lines


def _shorten(text: str, characters: int) -> str:
    return text if len(text) <= characters else text[: max(1, characters - 1)].rstrip() + "…"
