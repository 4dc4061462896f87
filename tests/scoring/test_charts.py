"""The SVG charts: well-formed, CSP-safe (no scripts or inline styles), escaped, and drawn to scale."""

import itertools
import math
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from app.scoring.charts import DASH_PATTERNS, PALETTE, line_chart, radar_chart

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>alert(1)</script> & friends"
AXES = [
    ("Drift and reconciliation", 4.0),
    ("Secrets", None),
    ("Progressive delivery", 2.0),
    ("Repository structure", 5.0),
    ("Multi-cluster", 3.5),
]
TRENDS = {
    "Drift and reconciliation": [
        (datetime(2026, 11, 26, 9), 3.5),
        (datetime(2026, 11, 2, 10), 1.0),
        (datetime(2026, 11, 9, 14), 5.0),
    ],
    "Secrets": [(datetime(2026, 11, 3), 2.0), (datetime(2026, 11, 20), 4.0)],
}


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def by_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [e for e in root.iter() if css_class in e.get("class", "").split()]


def text_of(element: ET.Element) -> str:
    """The visible text of an element, without tooltip <title> children."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != f"{SVG}title":
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def points(element: ET.Element) -> list[tuple[float, float]]:
    pairs = [pair.split(",") for pair in element.get("points", "").split()]
    return [(float(x), float(y)) for x, y in pairs]


def centre(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(n) for n in root.get("viewBox", "").split())
    return width / 2, height / 2


def assert_csp_safe(root: ET.Element) -> None:
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "style", "foreignObject"}
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)


def assert_labelled(root: ET.Element, title: str) -> None:
    """role="img" with aria-labelledby pointing at the <title>, and a <desc>."""
    assert root.get("role") == "img"
    assert "chart" in root.get("class", "").split()
    label = root.find(f"{SVG}title")
    assert label is not None
    assert label.text == title
    assert label.get("id") in root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}desc") is not None


def desc(root: ET.Element) -> str:
    element = root.find(f"{SVG}desc")
    assert element is not None
    return element.text or ""


# --- Radar -----------------------------------------------------------------------------------------


def test_radar_is_labelled_for_screen_readers_and_csp_safe() -> None:
    root = parse(radar_chart(AXES, title="Latest session"))
    assert_labelled(root, "Latest session")
    assert_csp_safe(root)
    assert root.get("class") == "chart radar-chart"


def test_radar_value_polygon_has_a_point_per_axis_at_a_distance_proportional_to_the_score() -> None:
    root = parse(radar_chart(AXES, title="t"))
    (polygon,) = by_class(root, "value")
    corners = points(polygon)
    assert len(corners) == len(AXES)
    cx, cy = centre(root)
    distance = [math.dist((cx, cy), corner) for corner in corners]
    # Repository structure (5) is the full radius, drift (4) four fifths of it and delivery (2) two fifths.
    full = distance[3]
    assert distance[0] == pytest.approx(full * 4 / 5, abs=1)
    assert distance[2] == pytest.approx(full * 2 / 5, abs=1)
    assert distance[4] == pytest.approx(full * 3.5 / 5, abs=1)


def test_radar_grid_has_one_ring_per_score_level() -> None:
    root = parse(radar_chart(AXES, title="t"))
    rings = by_class(root, "ring")
    assert len(rings) == 5
    cx, cy = centre(root)
    radii = [math.dist((cx, cy), points(ring)[0]) for ring in rings]
    assert radii == sorted(radii)
    assert [text_of(level) for level in by_class(root, "level")] == ["1", "2", "3", "4", "5"]


def test_radar_draws_an_unassessed_axis_at_the_centre_and_says_so() -> None:
    root = parse(radar_chart(AXES, title="t"))
    (polygon,) = by_class(root, "value")
    assert math.dist(centre(root), points(polygon)[1]) < 1
    labels = [
        " ".join(span.text or "" for span in label.iter(f"{SVG}tspan"))
        for label in by_class(root, "axis-label")
    ]
    assert labels[1] == "Secrets (not assessed)"
    assert "not assessed" not in labels[0]


def test_radar_desc_lists_every_axis_and_its_score_in_words() -> None:
    text = desc(parse(radar_chart(AXES, title="t")))
    assert text == (
        "Drift and reconciliation: 4 of 5; Secrets: not assessed; Progressive delivery: 2 of 5; "
        "Repository structure: 5 of 5; Multi-cluster: 3.5 of 5"
    )


def test_radar_escapes_labels_and_title() -> None:
    markup = radar_chart([(NASTY, 3.0), ("A & B", 2.0), ("C", 1.0)], title=NASTY)
    assert "<script>" not in markup
    root = parse(markup)
    assert_csp_safe(root)
    assert root.find(f"{SVG}title").text == NASTY  # type: ignore[union-attr]
    assert NASTY in desc(root)
    label_titles = [label.find(f"{SVG}title").text for label in by_class(root, "axis-label")]  # type: ignore[union-attr]
    assert label_titles[:2] == [NASTY, "A & B"]


def test_radar_wraps_long_labels_onto_several_lines() -> None:
    long_label = "Progressive delivery with canaries, analysis templates and automated rollbacks"
    root = parse(radar_chart([(long_label, 3.0), ("B", 2.0), ("C", 1.0)], title="t"))
    label = by_class(root, "axis-label")[0]
    lines = [span.text or "" for span in label.iter(f"{SVG}tspan")]
    assert 1 < len(lines) <= 3
    assert all(len(line) <= 14 for line in lines)
    assert lines[-1].endswith("…")


@pytest.mark.parametrize("count", [1, 2, 3, 10])
def test_radar_renders_any_number_of_axes(count: int) -> None:
    axes = [(f"Competency {n}", float(n % 5 + 1)) for n in range(count)]
    root = parse(radar_chart(axes, title="t"))
    assert_csp_safe(root)
    assert len(by_class(root, "spoke")) == count
    assert len(by_class(root, "point")) == count
    assert len(by_class(root, "axis-label")) == count
    assert len(by_class(root, "ring")) == 5
    if count >= 3:
        assert len(points(by_class(root, "value")[0])) == count
    else:
        assert len(by_class(root, "value-bar")) == count


def test_radar_with_no_axes_says_so() -> None:
    root = parse(radar_chart([], title="t"))
    assert [text_of(e) for e in by_class(root, "empty")] == ["No competencies to show"]


# --- Line chart ------------------------------------------------------------------------------------


def test_line_chart_is_labelled_and_csp_safe() -> None:
    root = parse(line_chart(TRENDS, title="Trends"))
    assert_labelled(root, "Trends")
    assert_csp_safe(root)
    assert root.get("class") == "chart line-chart"


def test_line_chart_draws_one_line_per_series_with_a_marker_per_point() -> None:
    root = parse(line_chart(TRENDS, title="t"))
    groups = by_class(root, "series")
    assert len(groups) == len(TRENDS)
    for group, (name, series_points) in zip(groups, TRENDS.items(), strict=True):
        (line,) = by_class(group, "series-line")
        markers = by_class(group, "marker")
        assert len(points(line)) == len(markers) == len(series_points)
        assert all(name in (m.find(f"{SVG}title").text or "") for m in markers)  # type: ignore[union-attr]


def test_line_chart_orders_points_by_time_and_puts_high_scores_above_low_ones() -> None:
    root = parse(line_chart(TRENDS, title="t"))
    markers = by_class(by_class(root, "series")[0], "marker")
    # Sorted by time: 2 Nov (1.0), 9 Nov (5.0), 26 Nov (3.5).
    xs = [float(m.get("cx", "")) for m in markers]
    ys = [float(m.get("cy", "")) for m in markers]
    assert xs == sorted(xs)
    assert len(set(xs)) == 3
    assert ys[1] < ys[2] < ys[0]
    tooltips = [m.find(f"{SVG}title").text for m in markers]  # type: ignore[union-attr]
    assert tooltips == [
        "Drift and reconciliation, 2 Nov 2026: 1",
        "Drift and reconciliation, 9 Nov 2026: 5",
        "Drift and reconciliation, 26 Nov 2026: 3.5",
    ]


def test_line_chart_gives_every_session_its_own_evenly_spaced_place() -> None:
    series = {
        "A": [(datetime(2026, 11, 1), 1.0), (datetime(2026, 11, 2), 2.0), (datetime(2026, 11, 11), 3.0)],
        "B": [(datetime(2026, 11, 11), 4.0)],  # the same session as A's third point
    }
    root = parse(line_chart(series, title="t"))
    a, b = (by_class(group, "marker") for group in by_class(root, "series"))
    xs = [float(m.get("cx", "")) for m in a]
    assert (xs[2] - xs[1]) == pytest.approx(xs[1] - xs[0], abs=0.2)
    assert float(b[0].get("cx", "")) == xs[2]
    assert [text_of(e) for e in by_class(root, "x-tick")] == ["1 Nov", "2 Nov", "11 Nov"]


def test_line_chart_has_axes_labels() -> None:
    root = parse(line_chart(TRENDS, title="t"))
    assert [text_of(e) for e in by_class(root, "y-tick")] == ["1", "2", "3", "4", "5"]
    dates = [text_of(e) for e in by_class(root, "x-tick")]
    assert dates[0] == "2 Nov"
    assert all(len(d.split()) == 2 for d in dates)


def test_line_chart_legend_shows_every_series_with_its_own_colour_and_dashes() -> None:
    names = [f"Competency {n}" for n in range(10)]
    series = {name: [(datetime(2026, 11, 1 + n), float(n % 5 + 1))] for n, name in enumerate(names)}
    root = parse(line_chart(series, title="t"))
    entries = by_class(root, "legend-entry")
    assert [text_of(by_class(e, "legend-label")[0]) for e in entries] == names
    samples = [e.find(f"{SVG}line") for e in entries]
    styles = {(s.get("stroke"), s.get("stroke-dasharray")) for s in samples if s is not None}
    assert styles == set(zip(PALETTE, DASH_PATTERNS, strict=True))


def test_line_chart_desc_summarises_first_and_last_value() -> None:
    text = desc(parse(line_chart(TRENDS, title="t")))
    assert "Drift and reconciliation: 3 sessions, from 1 on 2 Nov 2026 to 3.5 on 26 Nov 2026" in text
    assert "Secrets: 2 sessions, from 2 on 3 Nov 2026 to 4 on 20 Nov 2026" in text


def test_line_chart_with_a_single_point() -> None:
    root = parse(line_chart({"Secrets": [(datetime(2026, 11, 26, 15), 4.0)]}, title="t"))
    (marker,) = by_class(root, "marker")
    _, _, width, _ = (float(n) for n in root.get("viewBox", "").split())
    assert 0 < float(marker.get("cx", "")) < width
    assert [text_of(e) for e in by_class(root, "x-tick")] == ["26 Nov"]


def test_sessions_on_one_day_are_apart_and_labelled_with_their_time() -> None:
    day = [(datetime(2026, 11, 30, hour, 5), score) for hour, score in [(9, 2.0), (12, 3.0), (17, 4.0)]]
    root = parse(line_chart({"Drift": [*day, (datetime(2026, 12, 1, 8), 4.5)]}, title="t"))
    xs = [float(m.get("cx", "")) for m in by_class(root, "marker")]
    gaps = [right - left for left, right in itertools.pairwise(xs)]
    assert min(gaps) > 100  # 4 sessions across about 576 px: never a vertical line
    assert [text_of(e) for e in by_class(root, "x-tick")] == [
        "30 Nov09:05",
        "30 Nov12:05",
        "30 Nov17:05",
        "1 Dec",
    ]
    tooltips = [m.find(f"{SVG}title").text for m in by_class(root, "marker")]  # type: ignore[union-attr]
    assert tooltips[0] == "Drift, 30 Nov 2026 09:05: 2"
    assert tooltips[3] == "Drift, 1 Dec 2026: 4.5"
    assert "from 2 on 30 Nov 2026 09:05 to 4.5 on 1 Dec 2026" in desc(root)


def test_many_sessions_label_every_nth_so_labels_never_overlap() -> None:
    sessions = [(datetime(2026, 11, 1 + n // 3, 9 + n % 3), 3.0) for n in range(30)]
    root = parse(line_chart({"Drift": sessions}, title="t"))
    assert len(by_class(root, "marker")) == 30
    ticks = [float(e.get("x", "")) for e in by_class(root, "x-tick")]
    assert 1 < len(ticks) < 30
    assert min(b - a for a, b in itertools.pairwise(ticks)) >= 60


@pytest.mark.parametrize("series", [{}, {"Drift": []}])
def test_line_chart_without_points_says_no_sessions_yet(
    series: dict[str, list[tuple[datetime, float]]],
) -> None:
    root = parse(line_chart(series, title="Trends"))
    assert_labelled(root, "Trends")
    assert [text_of(e) for e in by_class(root, "empty")] == ["No sessions yet"]
    assert not by_class(root, "series")


def test_line_chart_escapes_series_names() -> None:
    markup = line_chart({NASTY: [(datetime(2026, 11, 26), 3.0)]}, title=NASTY)
    assert "<script>" not in markup
    root = parse(markup)
    assert_csp_safe(root)
    assert text_of(by_class(root, "legend-label")[0]) == NASTY
    assert NASTY in desc(root)


def test_palette_and_dash_patterns_have_ten_distinct_entries() -> None:
    assert len(set(PALETTE)) == len(PALETTE) == 10
    assert len(set(DASH_PATTERNS)) == len(DASH_PATTERNS) == 10
