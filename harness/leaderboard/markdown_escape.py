"""Text from records and reported YAMLs, made inert in Markdown: no raw HTML, no cell breaks."""

from __future__ import annotations

import html


def markdown_text(text: str) -> str:
    """HTML-escaped, on one line (Markdown renders inline HTML, and a newline ends a list item)."""
    return html.escape(" ".join(str(text).split()), quote=False)


def markdown_cell(text: str) -> str:
    """`markdown_text` with `|` escaped too, so a value cannot split a table cell."""
    return markdown_text(text).replace("|", "\\|")
