"""SVG primitives for the leaderboard's figures, written as text (no matplotlib drawing: its axes
cost ~0.25 CPU s each, most of a board's build time, where these cost ~1 ms). Colours come from
matplotlib's colormaps and tick positions from its MaxNLocator, so the figures read like
matplotlib's. Same inputs, same bytes."""

from __future__ import annotations

import math
from html import escape

from matplotlib import colormaps
from matplotlib.ticker import MaxNLocator

FONT = 'font-family="DejaVu Sans, sans-serif"'
CHAR_WIDTH = 0.6  # of the font size: DejaVu Sans's mean advance, for laying out labels without measuring them
BAR, REPORTED, FRONT, DOMINATED = "#4c72b0", "#b0b0b0", "#c0392b", "#9a9a9a"


def hex_colour(rgba: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(255 * channel):02x}" for channel in rgba[:3])


def colour(name: str, value: float) -> str:
    return hex_colour(colormaps[name](value))


def text(x: float, y: float, content: str, size: float = 10, anchor: str = "middle", fill: str = "#222", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" {FONT}{extra}>'
            f"{escape(content)}</text>")


def width_of(content: str, size: float) -> float:
    return len(content) * size * CHAR_WIDTH


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = "#444", width: float = 0.8) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width}"/>'


def span(values: list[float]) -> tuple[float, float]:
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    return (low - 0.5, high + 0.5) if low == high else (low, high)


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Nice tick values covering [low, high] (matplotlib's MaxNLocator)."""
    return [float(v) for v in MaxNLocator(count).tick_values(low, high)]


def log_ticks(low: float, high: float) -> list[float]:
    """Decades within [low, high], with 2x and 5x steps where fewer than two decades fall inside."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    decades = [10.0 ** k for k in range(first, last + 1)]
    inside = [v for v in decades if low <= v <= high]
    if len(inside) >= 2:
        return inside
    return [m * d for d in decades for m in (1, 2, 5) if low <= m * d <= high]


def tick_label(value: float) -> str:
    return f"{value:.4g}"


def document(width: float, height: float, parts: list[str]) -> bytes:
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="#fff"/>']
    return ("\n".join([*head, *parts, "</svg>"]) + "\n").encode()
