"""What the page is made of, read without a browser: the summary's figures, the rows it packs,
escaping of what the template writes, the experiment's paired CIs, `ouro report` and the demo's
report line."""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ouro_toolkit.cli.main import cli
from ouro_toolkit.hub.build_folder import BuildFolder
from ouro_toolkit.report.config import ReportConfig
from ouro_toolkit.report.experiment import read_experiment
from ouro_toolkit.report.intervals import mean_interval, paired_interval
from ouro_toolkit.report.rows import read_rows
from ouro_toolkit.report.summary import histogram, summarise
from ouro_toolkit.report.write import write_report
from tests.helpers.build_fixture import ERROR_MESSAGE, all_rows, write_build


def packed_rows(html: str) -> list[dict]:
    blob = re.search(r'id="ouro-rows">([^<]*)</script>', html).group(1)
    return json.loads(gzip.decompress(base64.b64decode(blob)))


def summary_of(root: Path):
    build = BuildFolder.open(root)
    rows = read_rows(build.finished_files(), ReportConfig())
    return summarise(rows.records, build, build.config), rows


def test_summary_counts_rows_shards_errors_and_histograms(tmp_path):
    summary, rows = summary_of(write_build(tmp_path / "b", complete=[0]))
    assert (summary.rows, summary.ok) == (6, 4)
    assert (summary.shards_complete, summary.shards_total) == (1, 2)
    [group] = summary.errors
    assert group.message == ERROR_MESSAGE and group.ids == ["local/broken-0", "local/broken-1"]
    regions, depth, words, aspects = summary.histograms
    assert regions.bars == [("4", 4)] and depth.bars == [("2", 4)]
    assert sum(n for _, n in words.bars) == 4
    qa = [q for r in all_rows() if r["status"] == "ok" for q in r["qa"]]
    assert dict(aspects.bars)["object details"] == sum(q["aspect"] == "object details" for q in qa)
    assert "server_api_key" not in summary.settings and summary.settings["source"] == "local"
    assert rows.thumbs[0] and not rows.thumbs[2]  # the error row has no picture
    # The fixture's markers record no calls or times: the page says so rather than show zeros.
    assert summary.calls == {} and summary.times == {}
    marker = {"rows": 3, "errors": 1, "model_calls": 13, "cache_hits": 4, "seconds": 1.5}
    (tmp_path / "b" / "markers" / "train-00000-of-00002.done").write_text(json.dumps(marker))
    summary, _ = summary_of(tmp_path / "b")
    assert summary.calls == {"model_calls": 13, "cache_hits": 4}
    assert summary.times == {"build (wall clock)": 1.5}


def test_histogram_bins_values_and_keeps_empty_bins():
    assert histogram("x", [1, 1, 3]).bars == [("1", 2), ("2", 0), ("3", 1)]
    wide = histogram("x", list(range(100)), max_bins=10)
    assert wide.bars[0] == ("0-9", 10) and len(wide.bars) == 10 and wide.top == 10
    assert histogram("x", []).bars == []


def test_page_packs_every_row_with_its_regions(tmp_path):
    root = write_build(tmp_path / "b")
    records = packed_rows(write_report(root).read_text())
    expected = all_rows()
    assert [r["id"] for r in records] == [r["id"] for r in expected]
    first = records[0]
    assert first["r"][3][8] == expected[0]["regions"][3]["label"]
    assert first["r"][3][:2] == [1, 2]  # parent, depth
    assert first["txt"] is True and first["w"] == 96


def test_what_the_template_writes_is_escaped(tmp_path):
    root = write_build(tmp_path / "b")
    hostile = "<script>alert(1)</script>"
    config = json.loads((root / "build_config.json").read_text())
    config["backend"]["model"] = hostile  # where build_config.json keeps the model
    (root / "build_config.json").write_text(json.dumps(config))
    from datasets import Dataset

    from ouro_toolkit.schema import OURO_FEATURES
    from tests.helpers.build_fixture import error_row, ok_row

    bad = error_row(7) | {"error": hostile}
    Dataset.from_list([ok_row(0, "coffee"), bad], features=OURO_FEATURES).to_parquet(
        str(root / "data" / "train-00001-of-00002.parquet")
    )
    html = write_report(root).read_text()
    assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the error group, shown as text
    settings = html.split('id="settings">')[1].split("</pre>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in settings  # the recorded model, as text


def test_mean_and_paired_intervals_are_t_intervals():
    got = paired_interval({"a": 0.0, "b": 0.0, "c": 0.0, "x": 5.0}, {"a": 0.1, "b": 0.2, "c": 0.3})
    t_975_2 = 4.302652729911275  # Student's t, 2 degrees of freedom, two-sided 95%
    assert got.n == 3 and got.mean == pytest.approx(0.2)
    assert got.half_width == pytest.approx(t_975_2 * 0.1 / math.sqrt(3))
    assert mean_interval([0.5]).low == 0.5 and mean_interval([]) is None


def _samples(scores: dict[str, float], answer: str) -> list[dict]:
    return [
        {"id": k, "prompt": f"prompt {k}", "prediction": f"{answer} {k}", "raw": "",
         "answers": ["truth"], "score": v, "error": None}
        for k, v in scores.items()
    ]  # fmt: skip


def write_run(root: Path) -> Path:
    """A run folder in `ouro experiment`'s layout: config, results, eval files, the build."""
    root.mkdir()
    (root / "experiment_config.json").write_text(json.dumps({"model": "m0", "seeds": [0, 1]}))
    cell = {"mean": 0.25, "spread": 0.05, "runs": [0.2, 0.3]}
    keys = ("qa_accuracy", "description_f1", "description_precision", "description_recall")
    table = {"M0": {k: cell for k in keys}, "M1 k5-enhanced-random": {k: cell for k in keys}}
    (root / "results-headline.json").write_text(json.dumps({"table": table}))
    (root / "eval").mkdir()
    m0 = {
        "scene-1000#describe": 0.5,
        "scene-1000#qa0": 0.0,
        "scene-1001#describe": 0.2,
        "scene-1001#qa0": 1.0,
    }
    s0 = {
        "scene-1000#describe": 0.7,
        "scene-1000#qa0": 1.0,
        "scene-1001#describe": 0.2,
        "scene-1001#qa0": 1.0,
    }
    s1 = {
        "scene-1000#describe": 0.9,
        "scene-1000#qa0": 0.0,
        "scene-1001#describe": 0.6,
        "scene-1001#qa0": 1.0,
    }
    for name, scores, answer in (
        ("M0", m0, "m0 says"),
        ("k5-enhanced-random-s0", s0, "<b>m1</b>"),
        ("k5-enhanced-random-s1", s1, "m1b"),
    ):
        (root / "eval" / f"{name}.json").write_text(
            json.dumps({"samples": _samples(scores, answer)})
        )
    write_build(root / "build")
    return root


def test_experiment_folder_gets_paired_cis_and_side_by_side(tmp_path):
    run = write_run(tmp_path / "run")
    view = read_experiment(run, compare_scenes=1, side=64, quality=60)
    m0, m1 = view.intervals
    assert m0["name"] == "M0" and m1["name"] == "M1 k5-enhanced-random" and m1["seeds"] == 2
    assert 0.0 <= m0["qa_accuracy"].low <= m0["qa_accuracy"].high <= 1.0  # cut to the scale
    assert m1["description_f1"].mean == pytest.approx((0.8 + 0.4) / 2)  # seeds averaged per item
    assert m1["description_f1_delta"].mean == pytest.approx(((0.8 - 0.5) + (0.4 - 0.2)) / 2)
    assert m1["qa_accuracy_delta"].mean == pytest.approx(((0.5 - 0.0) + 0.0) / 2)
    assert [r.scene for r in view.compare] == ["scene-1000", "scene-1000"]  # one scene asked for
    assert [a[0] for a in view.compare[0].answers] == ["M0", "M1 k5-enhanced-random"]
    assert view.compare[1].truth == "truth"  # a QA item's reference answer
    html = write_report(run).read_text()
    assert 'id="intervals"' in html and 'id="compare"' in html
    assert "&lt;b&gt;m1&lt;/b&gt; scene-1000#describe" in html  # an answer, escaped
    assert len(packed_rows(html)) == 6  # the run's build in the gallery


def test_ouro_report_prints_the_path_and_refuses_a_non_build(tmp_path):
    root = write_build(tmp_path / "b")
    target = tmp_path / "out" / "r.html"
    done = CliRunner().invoke(cli, ["report", str(root), "--html", str(target), "--page-size", "2"])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == str(target) and target.is_file()
    assert '"pageSize": 2' in target.read_text()
    (tmp_path / "empty").mkdir()
    bad = CliRunner().invoke(cli, ["report", str(tmp_path / "empty")])
    assert bad.exit_code == 1 and "ouro build" in bad.output and len(bad.output.splitlines()) == 1
    tiny = CliRunner().invoke(cli, ["report", str(root), "--thumb-size", "4"])
    assert tiny.exit_code == 1 and "--thumb-size" in tiny.output


def test_demo_ends_with_the_report_path(tmp_path):
    from ouro_toolkit.demo import report_line

    root = write_build(tmp_path / "b")
    line = report_line(root)
    assert line.startswith("== report") and line.endswith(str(root / "report.html"))
    assert (root / "report.html").is_file()
