"""The static `index.html`: every table (sortable by a header click), its notes and its figures.

Self-contained: inline CSS and script, no network, figures referenced beside the page.
"""

from __future__ import annotations

from html import escape
from typing import Optional

from harness.leaderboard.assemble import LeaderTable, Row
from harness.leaderboard.tables import (DID_NOT_LEARN, TIED, cell_for, cost_places, header_lines, headers, hparams_text, interval_text,
                                        lead_sentence, method_text, place_of, seeds_text, shown_columns, shows_seeds, shows_std, std_text)
from harness.leaderboard.version import LEADERBOARD_VERSION

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1380px;padding:0 .6rem;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
nav a{margin-right:1rem}ul.notes{font-size:.85rem;color:#555;padding-left:1.2rem}
p.lead{font-size:1.05rem;margin:.4rem 0}
table.board{border-collapse:collapse;font-size:.78rem;margin:.6rem 0;font-variant-numeric:tabular-nums}
table.board th,table.board td{padding:.28rem .32rem;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
table.board th{white-space:normal;vertical-align:bottom;min-width:3.5em}span.dnl{color:#b00020;margin-left:.25rem}span.sd{font-size:.85em;color:#555}
table.board th:nth-child(2),table.board td:nth-child(2){text-align:left}
table.board th{cursor:pointer;user-select:none;background:#f6f6f6;position:relative}
table.board th[aria-sort=ascending]::after{content:" ▲"}table.board th[aria-sort=descending]::after{content:" ▼"}
tr.reported td{color:#666;font-style:italic}td.best{font-weight:700}td.second{text-decoration:underline}
span.tied{color:#a05a00;margin-left:.15rem}td[title]{cursor:help}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85rem;color:#555}
details{margin:.4rem 0}summary{cursor:pointer}div.scroll{overflow-x:auto}details.read summary,details.hparams summary{color:#555;font-size:.9rem}
ul.hparams{font-size:.8rem;color:#555;padding-left:1.2rem}
"""

SCRIPT = """
document.querySelectorAll("table.board").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (isNaN(nx) && isNaN(ny)) { return (ascending ? 1 : -1) * String(x).localeCompare(String(y)); }
        if (isNaN(nx)) { return 1; }
        if (isNaN(ny)) { return -1; }
        return ascending ? nx - ny : ny - nx;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _method_html(row: Row) -> str:
    """Short: the method and what tells it from its other rows; every hparam on hover (and listed below the table)."""
    if row.reported:
        cite = f' <a href="{escape(row.citation.url)}">[{escape(row.citation.key)}]</a>' if row.citation and row.citation.url else ""
        return f"{escape(row.label)}{cite}"
    variant = f" ({escape(row.variant)})" if row.variant else ""
    same = "".join(f" = {escape(method)}" for method, _ in row.same_as)
    dnl = (f'<span class="dnl" title="did not learn: its score right after learning is not above the floor (see how to read this table)">'
           f"{DID_NOT_LEARN}</span>" if row.learned is False else "")
    title = f"{row.method} {row.hparams_hash}: {hparams_text(row.hparams)}" + "".join(f"; same matrices as {method} {digest}" for method, digest in row.same_as)
    return f'<span title="{escape(title)}">{escape(row.label)}{variant}{same}</span>{dnl}'


def _number_html(text: str) -> str:
    """'mean ± std' with the spread in a smaller type, so that wide tables fit the page."""
    mean, sep, spread = text.partition(" ± ")
    return escape(mean) + (f'<span class="sd"> ± {escape(spread)}</span>' if sep else "")


def _cell_html(row: Row, key: tuple[str, str], columns: list) -> str:
    stat, mark = row.cells.get(key), row.marks[key]
    column = next(c for c in columns if (c.metric, c.aggregate) == key)
    hover = [interval_text(stat, row.printed_decimals)]
    if mark.p_vs_best is not None:
        hover.append(f"Welch p vs the best = {mark.p_vs_best:.2g}" + (" (tied)" if mark.kind == "tied" else ""))
    title = "; ".join(part for part in hover if part)
    tied = f'<span class="tied" title="tied with the best">{TIED}</span>' if mark.kind == "tied" else ""
    return (f'<td class="{mark.kind}" data-sort="{"" if stat is None else repr(stat.mean)}"' + (f' title="{escape(title)}"' if title else "")
            + f">{_number_html(cell_for(row, column))}{tied}</td>")


def _table_html(table: LeaderTable) -> str:
    head = "".join(f'<th scope="col" title="click to sort">{escape(label)}</th>' for label in headers(table))
    body = []
    timed = len(cost_places(table)) > 1
    for row in table.rows:
        cells = [f'<td data-sort="{row.rank}">{row.rank}</td>',
                 f'<td data-sort="{escape(method_text(row))}">{_method_html(row)}</td>']
        if shows_seeds(table):
            cells.append(f'<td data-sort="{-1 if row.reported else len(row.seeds)}">{escape(seeds_text(table, row))}</td>')
        if shows_std(table):
            cells.append(f'<td data-sort="{escape(std_text(row))}">{escape(std_text(row))}</td>')
        for column in shown_columns(table):
            cells.append(_cell_html(row, (column.metric, column.aggregate), table.columns))
        if timed:
            cells.append(f'<td data-sort="{escape(place_of(table, row))}" title="{escape(row.cost_where)}">{escape(place_of(table, row))}</td>')
        kind = "reported" if row.reported else "measured"
        body.append(f'<tr class="{kind}" data-row="{escape(row.row_id)}">{"".join(cells)}</tr>')
    return f'<div class="scroll"><table class="board" id="table-{escape(table.slug)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _figure(path: str, caption: str) -> str:
    return f'<figure><img src="{escape(path)}" alt="{escape(caption)}" loading="eager"><figcaption>{escape(caption)}</figcaption></figure>'


def _section(table: LeaderTable, figures: dict[str, str], samples: dict[str, str]) -> str:
    version = "" if table.version is None else f" v{table.version}"
    measured = [row for row in table.rows if not row.reported]
    hparams = "".join(f"<li>{escape(row.label)} <code>{escape(row.hparams_hash)}</code>: {escape(hparams_text(row.hparams))} "
                      f"(seeds {escape(', '.join(map(str, row.seeds)))})</li>" for row in measured)
    parts = [f'<section id="{escape(table.slug)}"><h2>{escape(table.bench + version)} ({escape(table.profile)})</h2>',
             f'<p class="lead">{escape(lead_sentence(table))}</p>',
             *(f'<p class="faithfulness">Faithfulness to the paper: {escape(sentence)}.</p>' for sentence in table.faithfulness),
             _table_html(table),
             '<details class="read"><summary>how to read this table</summary><ul class="notes">'
             + "".join(f"<li>{escape(line)}</li>" for line in header_lines(table)) + "</ul></details>",
             *([f'<details class="hparams"><summary>hparams of each row</summary><ul class="hparams">{hparams}</ul></details>'] if measured else []),
             f'<p>Downloads: <a href="{escape(table.slug)}.md">Markdown</a> · <a href="{escape(table.slug)}.csv">CSV</a> · '
             f'<a href="{escape(table.slug)}.json">JSON</a></p>']
    if "pareto" in figures:
        parts.append(_figure(figures["pareto"], f"score versus cost: each measured row's {table.headline[0]} average against its "
                                                "training seconds per task; the Pareto front (no row scores better for no more cost) is marked, one per device"))
    if "forgetting" in figures:
        parts.append(_figure(figures["forgetting"], f"forgetting ({table.forgetting_definition}), mean ± std over seeds"))
    for row in table.rows:
        if row.row_id not in figures:
            continue
        inner = _figure(figures[row.row_id], f"{row.method} {row.hparams_hash}: score matrices and each task's score across training")
        if row.row_id in samples:
            inner += _figure(samples[row.row_id], f"{row.method} {row.hparams_hash}: samples (seed {row.seeds[0]})")
        parts.append(f"<details open><summary>{escape(row.method)} <code>{escape(row.hparams_hash)}</code></summary>{inner}</details>")
    parts.append("</section>")
    return "".join(parts)


CANONICAL_INTRO = "Built by <code>harness leaderboard</code> from the committed run records (results/runs/); click a column header to sort."
SWEEPS_INTRO = ("Hyperparameter sweeps: built from the sweep records (results/sweeps/), kept apart from the canonical rows, "
                "whose defaults they chose; click a column header to sort.")


def render_html(tables: list[LeaderTable], figures: dict[str, dict[str, str]], samples: dict[str, dict[str, str]], title: Optional[str] = None,
                intro: str = CANONICAL_INTRO, links: tuple[tuple[str, str], ...] = ()) -> str:
    title = title or f"Continual generative learning leaderboard v{LEADERBOARD_VERSION}"
    nav = "".join(f'<a href="#{escape(t.slug)}">{escape(t.slug)}</a>' for t in tables)
    nav += "".join(f'<a href="{escape(href)}"><strong>{escape(text)}</strong></a>' for href, text in links)
    sections = "".join(_section(t, figures.get(t.slug, {}), samples.get(t.slug, {})) for t in tables)
    empty = "" if tables else "<p>No complete run records and no reported results yet.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{STYLE}</style></head>\n'
        f"<body><h1>{escape(title)}</h1><p>{intro}</p><nav>{nav}</nav>{empty}{sections}<script>{SCRIPT}</script></body></html>\n"
    )
