"""Text from records and reported YAMLs, made inert in Markdown: no raw HTML, no cell breaks."""

from __future__ import annotations


def markdown_text(text: str) -> str:
    """On one line, with `<` and `>` as entities: Markdown renders inline HTML, and no tag can
    start without `<` (a bare `&` stays: an entity is text, never markup)."""
    return " ".join(str(text).split()).replace("<", "&lt;").replace(">", "&gt;")


def markdown_cell(text: str) -> str:
    """`markdown_text` with `|` escaped too, so a value cannot split a table cell."""
    return markdown_text(text).replace("|", "\\|")
