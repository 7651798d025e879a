"""The per-table figures as hand-written SVG (svg.py): forgetting bars and score versus cost."""

from __future__ import annotations

from math import log10
from typing import NamedTuple, Optional, Sequence

from harness.leaderboard.svg import (BAR, DOMINATED, FRONT, REPORTED, document, line, log_ticks, span, text, tick_label, ticks,
                                     width_of)

ROW_HEIGHT, PANEL_WIDTH, PANEL_GAP, TOP, BOTTOM = 24, 250, 56, 62, 40
MARKERS = ("circle", "square", "triangle", "diamond")


class Bar(NamedTuple):
    mean: float
    std: Optional[float]
    reported: bool


def bars_figure(title: str, labels: Sequence[str], panels: Sequence[tuple[str, Sequence[Optional[Bar]]]]) -> bytes:
    """Horizontal bars, one panel per (title, one bar or None per label), labels on the left."""
    left = max((width_of(label, 9) for label in labels), default=0.0) + 16
    width = left + len(panels) * (PANEL_WIDTH + PANEL_GAP) + 10
    height = TOP + ROW_HEIGHT * len(labels) + BOTTOM
    parts = [text(width / 2, 18, title, 12)]
    for k, label in enumerate(labels):
        parts.append(text(left - 8, TOP + ROW_HEIGHT * (k + 0.5) + 3, label, 9, anchor="end"))
    for p, (panel_title, bars) in enumerate(panels):
        x0 = left + p * (PANEL_WIDTH + PANEL_GAP)
        ends = [value for bar in bars if bar is not None for value in (bar.mean - (bar.std or 0), bar.mean + (bar.std or 0))]
        marks = ticks(*span([0.0, *ends]), 4)
        low, high = marks[0], marks[-1]
        x_of = lambda v: x0 + PANEL_WIDTH * (v - low) / (high - low)
        bottom = TOP + ROW_HEIGHT * len(labels)
        parts.append(text(x0 + PANEL_WIDTH / 2, TOP - 22, panel_title, 10))
        parts.append(text(x0 + PANEL_WIDTH / 2, TOP - 9, "forgetting (lower is better)", 10))
        parts.append(f'<rect x="{x0:.1f}" y="{TOP}" width="{PANEL_WIDTH}" height="{bottom - TOP:.1f}" fill="none" stroke="#444" stroke-width="0.8"/>')
        for tick in marks:
            parts.append(line(x_of(tick), bottom, x_of(tick), bottom + 4))
            parts.append(text(x_of(tick), bottom + 15, tick_label(tick), 8))
        for k, bar in enumerate(bars):
            if bar is None:
                continue
            y = TOP + ROW_HEIGHT * k + 4
            start, end = sorted((x_of(0.0), x_of(bar.mean)))
            parts.append(f'<rect x="{start:.1f}" y="{y:.1f}" width="{end - start:.1f}" height="{ROW_HEIGHT - 8}" fill="{REPORTED if bar.reported else BAR}"/>')
            if bar.std:
                middle = y + (ROW_HEIGHT - 8) / 2
                a, b = x_of(bar.mean - bar.std), x_of(bar.mean + bar.std)
                parts += [line(a, middle, b, middle, "#000", 1), line(a, middle - 3, a, middle + 3, "#000", 1), line(b, middle - 3, b, middle + 3, "#000", 1)]
        parts.append(line(x_of(0.0), TOP, x_of(0.0), bottom, "#000", 0.8))
    return document(width, height, parts)


def _marker(shape: str, x: float, y: float, fill: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{fill}"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 4.5:.1f} {x - 4:.1f},{y + 3:.1f} {x + 4:.1f},{y + 3:.1f}" fill="{fill}"/>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 4.5:.1f} {x - 4:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} {x + 4:.1f},{y:.1f}" fill="{fill}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}"/>'


class Point(NamedTuple):
    label: str
    cost: float
    score: float
    group: int  # the device's index: its marker
    on_front: bool


def scatter_figure(title: str, x_label: str, y_label: str, points: Sequence[Point], groups: Sequence[str]) -> bytes:
    """Score against cost (log x), each group's Pareto front drawn as a step line, a legend of groups."""
    height, left, top, panel_w, panel_h = 470, 80, 40, 520, 360
    width = max(760.0, left + panel_w + 26 + max((width_of(name, 8) for name in groups), default=0.0) + 10)
    costs = [p.cost for p in points if p.cost > 0] or [1.0]
    low_x, high_x = min(costs) / 1.3, max(costs) * 1.3
    x_marks = log_ticks(low_x, high_x) or [low_x, high_x]
    y_marks = ticks(*span([p.score for p in points]), 5)
    low_y, high_y = y_marks[0], y_marks[-1]
    x_of = lambda v: left + panel_w * (log10(max(v, low_x)) - log10(low_x)) / (log10(high_x) - log10(low_x))
    y_of = lambda v: top + panel_h * (1 - (v - low_y) / (high_y - low_y))
    parts = [text(width / 2, 20, title, 11),
             f'<rect x="{left}" y="{top}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#444" stroke-width="0.8"/>']
    for tick in x_marks:
        parts += [line(x_of(tick), top + panel_h, x_of(tick), top + panel_h + 4), text(x_of(tick), top + panel_h + 15, tick_label(tick), 8)]
    for tick in y_marks:
        parts += [line(left - 4, y_of(tick), left, y_of(tick)), text(left - 6, y_of(tick) + 3, tick_label(tick), 8, anchor="end")]
    parts.append(text(left + panel_w / 2, top + panel_h + 34, x_label, 10))
    parts.append(text(22, top + panel_h / 2, y_label, 10, extra=f' transform="rotate(-90 22 {top + panel_h / 2:.1f})"'))
    for group in range(len(groups)):
        front = sorted((p.cost, p.score) for p in points if p.group == group and p.on_front)
        if len(front) > 1:
            path = f"M{x_of(front[0][0]):.1f},{y_of(front[0][1]):.1f}" + "".join(
                f" H{x_of(c):.1f} V{y_of(s):.1f}" for c, s in front[1:])
            parts.append(f'<path d="{path}" fill="none" stroke="{FRONT}" stroke-width="1"/>')
    for p in sorted(points, key=lambda p: p.on_front):
        shape = MARKERS[p.group % len(MARKERS)]
        parts.append(_marker(shape, x_of(p.cost), y_of(p.score), FRONT if p.on_front else DOMINATED))
        parts.append(text(x_of(p.cost) + 6, y_of(p.score) - 4, p.label, 7, anchor="start", fill="#222" if p.on_front else "#777"))
    legend_x, legend_y = left + panel_w + 14, top + 10
    parts.append(_marker("circle", legend_x + 4, legend_y, FRONT))
    parts.append(text(legend_x + 12, legend_y + 3, "Pareto front", 8, anchor="start"))
    parts.append(_marker("circle", legend_x + 4, legend_y + 14, DOMINATED))
    parts.append(text(legend_x + 12, legend_y + 17, "dominated", 8, anchor="start"))
    for group, name in enumerate(groups):
        y = legend_y + 36 + 14 * group
        parts.append(_marker(MARKERS[group % len(MARKERS)], legend_x + 4, y, "#555"))
        parts.append(text(legend_x + 12, y + 3, name, 8, anchor="start"))
    return document(width, height, parts)
