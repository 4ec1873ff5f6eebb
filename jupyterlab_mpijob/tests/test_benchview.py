"""`%mpijob bench`'s table and chart from a committed results file's summary."""

import json
from pathlib import Path

from jupyterlab_mpijob._benchview import chart_png, table_html
from jupyterlab_mpijob.models import BenchmarkRecord

RESULTS = Path(__file__).parents[2] / "benchmarks" / "results" / "compute-local-20261129-071219.json"


def record(summary):
    return BenchmarkRecord(
        id="b1", name="compute-local", notebook=None, workers=[1, 2], repeats=10, warmups=1,
        state="completed", message=None, progress={"done": 22, "total": 22, "label": ""}, lines=[],
        startedAt="2026-11-29T07:12:19Z", finishedAt=None, resultsFile="x.json", resultsName="x.json",
        summary=summary,
    )


def test_the_table_shows_the_median_speedup_with_its_interval_and_the_min_ratio():
    summary = json.loads(RESULTS.read_text())["summary"]
    two = summary["rows"][1]
    html = table_html(record(summary))
    ci = two["speedupCi"]
    assert f"<td>{two['speedup']:.2f} [{ci['low']:.2f}–{ci['high']:.2f}]</td>" in html
    assert f"<td>{two['speedupOfMinimums']:.2f}</td>" in html
    assert f"<td>{two['time']['median']:.3f} ({two['time']['min']:.3f}–{two['time']['max']:.3f})</td>" in html
    # The baseline is compared with itself: an interval of one point.
    assert "<td>1.00 [1.00–1.00]</td>" in html


def test_a_single_pair_shows_no_interval():
    summary = json.loads(RESULTS.read_text())["summary"]
    for row in summary["rows"]:
        row["speedupCi"] = None
    html = table_html(record(summary))
    assert "[" not in html.split("<tbody>")[1]


def test_the_chart_draws_the_interval():
    # matplotlib is a development requirement: no skip without it.
    summary = json.loads(RESULTS.read_text())["summary"]
    png = chart_png(record(summary))
    assert png is not None and png.startswith(b"\x89PNG")
