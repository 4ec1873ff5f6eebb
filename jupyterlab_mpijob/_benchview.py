"""`%mpijob bench`'s output: the speedup table, and the speedup chart where
matplotlib is installed (as it is wherever notebooks plot)."""

from __future__ import annotations

import html
import io
from typing import Any

from IPython.display import HTML, Image, display

from .models import BenchmarkRecord


def _number(value: Any, digits: int = 2) -> str:
    return "–" if not isinstance(value, (int, float)) else f"{value:.{digits}f}"


def _speedup(row: dict[str, Any]) -> str:
    """The median of per-turn ratios and, from 2 pairs on, its confidence interval."""
    ci = row.get("speedupCi")
    if not ci:
        return _number(row["speedup"])
    return f"{_number(row['speedup'])} [{_number(ci['low'])}–{_number(ci['high'])}]"


def table_html(record: BenchmarkRecord) -> str:
    """The summary of the results file (schema/results.json `summary`) as an HTML table."""
    summary = record.summary or {}
    rows = summary.get("rows") or []
    head = "".join(
        f"<th>{h}</th>"
        for h in ("workers", "time (s), median (min–max)", "speedup [95% CI]", "min ratio", "efficiency", "overhead")
    )
    body = "".join(
        "<tr>"
        f"<td>{row['workers']}</td>"
        f"<td>{_number(row['time']['median'], 3)} ({_number(row['time']['min'], 3)}–{_number(row['time']['max'], 3)})</td>"
        f"<td>{_speedup(row)}</td>"
        f"<td>{_number(row['speedupOfMinimums'])}</td>"
        f"<td>{_number(row['efficiency'])}</td>"
        f"<td>{_number(row.get('overhead'), 3)}</td>"
        "</tr>"
        for row in rows
    )
    where = html.escape(record.results_file or "no results file")
    basis = html.escape(f"{summary.get('mode', '?')} scaling, {summary.get('basis', '?')} times")
    return (
        f"<p><b>{html.escape(record.name)}</b>: {html.escape(record.state)} ({basis}); {where}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def chart_png(record: BenchmarkRecord) -> bytes | None:
    """Speedup against workers with the ideal line, or None without matplotlib or rows."""
    rows = (record.summary or {}).get("rows") or []
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    if not rows:
        return None
    workers = [row["workers"] for row in rows]
    figure = Figure(figsize=(5, 3.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(workers, [w / workers[0] for w in workers], "--", color="#7f7f7f", label="ideal")
    speedups = [r["speedup"] for r in rows]
    # The confidence interval as an asymmetric error bar; none from a single pair.
    below = [s - (r.get("speedupCi") or {"low": s})["low"] for s, r in zip(speedups, rows)]
    above = [(r.get("speedupCi") or {"high": s})["high"] - s for s, r in zip(speedups, rows)]
    axes.errorbar(workers, speedups, yerr=[below, above], marker="o", capsize=4, label=record.name)
    axes.set_xlabel("workers")
    axes.set_ylabel("speedup")
    axes.set_xticks(workers)
    axes.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def show_results(record: BenchmarkRecord) -> None:
    """Display the table (and the chart) in the cell's output."""
    if record.message:
        print(record.message)
    display(HTML(table_html(record)))
    png = chart_png(record)
    if png is not None:
        display(Image(data=png, format="png"))
