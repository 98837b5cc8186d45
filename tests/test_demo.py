"""`make demo`, on one scene with the shipped M0: it says first what it shows and cannot show,
prints printable text only, scores the row against the truth, and keeps library chatter
(torch.hub's download line) off its report."""

from __future__ import annotations

import os
import subprocess
import sys

from ouro_toolkit.demo import printable


def test_demo_report_is_plain_scored_and_says_what_it_cannot_show(tmp_path):
    torch_home = tmp_path / "torch-home"  # no RPN weights cached: torch.hub tries to download
    torch_home.mkdir()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TORCH_HOME": str(torch_home),
        # The download goes to a proxy where nothing listens: it fails at once, on any machine.
        "https_proxy": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ouro_toolkit.demo", "--out", str(tmp_path / "demo"), "--images", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,  # a guard against a hang only
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    head = "\n".join(lines[:10])
    assert lines[0].startswith("OURO demo: build 1 procedural scene(s) with M0")
    assert "What it shows:" in head and "What it cannot show:" in head and "--model" in head
    assert "d0 (merged description):" in lines  # a row was shown
    scored = [line for line in lines if "vs truth: region labels" in line]
    assert len(scored) == 2  # the row list and the closing line
    assert all(line.isprintable() and "\ufffd" not in line for line in lines)
    # Chatter (the offline RPN fallback's warning) goes to stderr, never stdout.
    assert "RPN unavailable" not in done.stdout and "RPN unavailable" in done.stderr


def test_printable_keeps_text_and_line_breaks_only():
    noise = "\ufffditegion\x1b[31m behinaut\ufffdx\x00\u200b\nline two\tend é 93 猫"
    assert printable(noise) == "itegion[31m behinautx\nline twoend é 93 猫"
