"""A row's figure as hand-written SVG: per headline metric, the seed-mean score matrix as a heatmap
(each cell's value printed) and each task's score across training as lines.

Hand-written (svg.py): viridis for the heatmap, tab10 for the lines. Same inputs, same bytes.
"""

from __future__ import annotations

from typing import Optional

from harness.leaderboard.svg import colour, document, span, text, ticks

Matrix = list[list[Optional[float]]]
PANEL, GAP, TOP, LEFT, BOTTOM = 300, 90, 46, 70, 44


def _heatmap(matrix: Matrix, metric: str, higher_is_better: bool, x0: float, y0: float) -> list[str]:
    size = len(matrix)
    cell = PANEL / size
    values = [v for row in matrix for v in row if v is not None]
    low, high = span(values)
    cmap = "viridis" if higher_is_better else "viridis_r"
    parts = [text(x0 + PANEL / 2, y0 - 10, f"{metric}: R[t][i]", 11)]
    for t, row in enumerate(matrix):
        for i, value in enumerate(row):
            if value is None:
                continue
            shade = colour(cmap, (value - low) / (high - low))
            red, green, blue = (int(shade[k:k + 2], 16) / 255 for k in (1, 3, 5))
            dark_text = 0.299 * red + 0.587 * green + 0.114 * blue > 0.55
            x, y = x0 + i * cell, y0 + t * cell
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell - 2:.1f}" height="{cell - 2:.1f}" fill="{shade}"/>')
            parts.append(text(x + cell / 2 - 1, y + cell / 2 + 3, f"{value:.3g}", 8 if size > 6 else 9, fill="#000" if dark_text else "#fff"))
    for k in range(size):
        parts.append(text(x0 + (k + 0.5) * cell, y0 + PANEL + 14, f"T{k + 1}", 9))
        parts.append(text(x0 - 6, y0 + (k + 0.5) * cell + 3, f"T{k + 1}", 9, anchor="end"))
    parts.append(text(x0 + PANEL / 2, y0 + PANEL + 32, "evaluated task i", 10))
    parts.append(text(x0 - 40, y0 + PANEL / 2, "after learning task t", 10, extra=f' transform="rotate(-90 {x0 - 40:.1f} {y0 + PANEL / 2:.1f})"'))
    return parts


def _curves(matrix: Matrix, metric: str, x0: float, y0: float) -> list[str]:
    size = len(matrix)
    values = [v for row in matrix for v in row if v is not None]
    marks = ticks(*span(values))
    low, high = marks[0], marks[-1]
    x_of = (lambda t: x0 + PANEL * (t / (size - 1))) if size > 1 else (lambda t: x0 + PANEL / 2)
    y_of = lambda v: y0 + PANEL * (1 - (v - low) / (high - low))
    parts = [text(x0 + PANEL / 2, y0 - 10, f"{metric} of each task across training", 11),
             f'<path d="M{x0:.1f},{y0:.1f} V{y0 + PANEL:.1f} H{x0 + PANEL:.1f}" fill="none" stroke="#444" stroke-width="0.8"/>']
    for tick in marks:
        parts.append(text(x0 - 5, y_of(tick) + 3, f"{tick:.4g}", 8, anchor="end"))
    for t in range(size):
        parts.append(text(x_of(t), y0 + PANEL + 14, str(t + 1), 9))
    parts.append(text(x0 + PANEL / 2, y0 + PANEL + 32, "after learning task t", 10))
    for i in range(size):
        hue = colour("tab10", (i % 10 + 0.5) / 10)
        points = [(x_of(t), y_of(matrix[t][i])) for t in range(i, size) if matrix[t][i] is not None]
        if not points:
            continue
        parts.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}" fill="none" stroke="{hue}" stroke-width="1.5"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{hue}"/>' for x, y in points]
        legend_y = y0 + 12 + 12 * i
        parts.append(f'<line x1="{x0 + PANEL + 8:.1f}" y1="{legend_y - 3:.1f}" x2="{x0 + PANEL + 20:.1f}" y2="{legend_y - 3:.1f}" '
                     f'stroke="{hue}" stroke-width="1.5"/>')
        parts.append(text(x0 + PANEL + 24, legend_y, f"task {i + 1}", 8, anchor="start"))
    return parts


def matrix_figure(title: str, panels: list[tuple[str, bool, Matrix]]) -> bytes:
    """One row per (metric, higher is better, seed-mean matrix): heatmap left, curves right."""
    width = LEFT + 2 * PANEL + GAP + 70
    height = 30 + len(panels) * (TOP + PANEL + BOTTOM)
    parts = [text(width / 2, 20, title, 12)]
    for k, (metric, higher, matrix) in enumerate(panels):
        y0 = 30 + k * (TOP + PANEL + BOTTOM) + TOP
        parts += _heatmap(matrix, metric, higher, LEFT, y0)
        parts += _curves(matrix, metric, LEFT + PANEL + GAP, y0)
    return document(width, height, parts)
