"""`ouro serve` process management. SGLang needs a GPU, so the test writes a fake SGLang launcher:
a script standing in for `<sglang-env>/bin/python` that answers `-m sglang.launch_server ...` with
a tiny HTTP server on the requested host/port, and records the arguments it got."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from ouro_toolkit.serving.process import ServerStartError, free_port
from ouro_toolkit.serving.sglang import SGLangConfig, launch_command, launch_sglang

FAKE_LAUNCHER = textwrap.dedent(
    """\
    #!{python}
    # Fake SGLang python for tests: `-c ...` claims sglang is importable; `-m sglang.launch_server`
    # serves /health on --host/--port and records its arguments and pid next to this file.
    import http.server, json, os, signal, sys, time
    from pathlib import Path

    args = sys.argv[1:]
    if args[:1] == ["-c"]:
        sys.exit(0)
    assert args[:2] == ["-m", "sglang.launch_server"], args
    record = Path(__file__).with_suffix(".json")
    record.write_text(json.dumps({{"argv": args, "pid": os.getpid()}}))
    if "--fake-crash" in args:
        print("fake sglang: CUDA error: no GPU", flush=True)
        sys.exit(3)
    if "--fake-ignore-sigterm" in args:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--fake-never-healthy" in args:
        time.sleep(3600)
    host, port = args[args.index("--host") + 1], int(args[args.index("--port") + 1])
    time.sleep(0.5)  # a real server takes a while before it answers

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *a):
            pass

    http.server.HTTPServer((host, port), Health).serve_forever()
    """
)


@pytest.fixture
def fake_sglang_python(tmp_path: Path) -> Path:
    path = tmp_path / "fake_sglang_python"
    path.write_text(FAKE_LAUNCHER.format(python=sys.executable))
    path.chmod(0o755)
    return path


def recorded(fake: Path) -> dict:
    return json.loads(fake.with_suffix(".json").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_launch_command_has_qwen2vl_flags():
    cmd = launch_command(SGLangConfig(python="py", port=31000, tp=2, extra_args=["--dp", "2"]))
    assert cmd[:3] == ["py", "-m", "sglang.launch_server"]
    joined = " ".join(cmd)
    assert (
        "--model-path Qwen/Qwen2-VL-7B-Instruct" in joined and "--chat-template qwen2-vl" in joined
    )
    assert "--port 31000" in joined and "--tp 2" in joined and joined.endswith("--dp 2")


# Runs the CLI with SIGINT ignored, as a script's background job (`ouro serve ... &`) starts it.
IGNORING_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)
# Only a guard against a hang, longer than the CLI's 30 s stop grace: the fake dies on SIGTERM.
EXIT_WAIT_S = 120


def start_cli(fake: Path, port: int, log: Path, *args: str, ignore_sigint: bool = False):
    prefix = [sys.executable, "-c", IGNORING_SIGINT] if ignore_sigint else [sys.executable]
    return subprocess.Popen(
        [*prefix, "-m", "ouro_toolkit.cli.main", "serve", "--sglang-python", str(fake),
         "--port", str(port), "--model", "Qwen/Qwen2-VL-2B-Instruct", "--log-file", str(log),
         "--", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def clean_up(cli: subprocess.Popen, fake: Path) -> None:
    """Never leave the CLI or the fake server behind, even when the test fails."""
    if cli.poll() is None:
        cli.kill()
        cli.wait()
    pid = recorded(fake)["pid"] if fake.with_suffix(".json").exists() else None
    if pid and alive(pid):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "sig, ignore_sigint",
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-in-background-job", "sigterm"],
)
def test_cli_serves_prints_url_and_stops_on_signal(
    fake_sglang_python, tmp_path, sig, ignore_sigint
):
    port = free_port()
    cli = start_cli(
        fake_sglang_python,
        port,
        tmp_path / "s.log",
        "--enable-metrics",
        ignore_sigint=ignore_sigint,
    )
    try:
        url = cli.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{port}", cli.stderr.read() if not url else url
        with urllib.request.urlopen(url + "/health", timeout=30) as resp:
            assert resp.status == 200
        rec = recorded(fake_sglang_python)
        assert rec["argv"][rec["argv"].index("--model-path") + 1] == "Qwen/Qwen2-VL-2B-Instruct"
        assert "--enable-metrics" in rec["argv"] and alive(rec["pid"])
        cli.send_signal(sig)
        assert cli.wait(timeout=EXIT_WAIT_S) == 0
        stderr = cli.stderr.read()
        assert "--server-url " + url in stderr
        assert f"SGLang stopped ({signal.Signals(sig).name})." in stderr
        assert not alive(rec["pid"])
    finally:
        clean_up(cli, fake_sglang_python)


def test_cli_stopped_while_waiting_for_health_stops_the_server(fake_sglang_python, tmp_path):
    cli = start_cli(fake_sglang_python, free_port(), tmp_path / "s.log", "--fake-never-healthy")
    try:
        record = fake_sglang_python.with_suffix(".json")
        while not record.exists() and cli.poll() is None:  # the launcher has started
            time.sleep(0.05)
        cli.send_signal(signal.SIGINT)
        assert cli.wait(timeout=EXIT_WAIT_S) == 1
        assert "SIGINT: stopped before http://127.0.0.1:" in cli.stderr.read()
        assert cli.stdout.read() == ""  # never claimed a URL
        assert not alive(recorded(fake_sglang_python)["pid"])
    finally:
        clean_up(cli, fake_sglang_python)


def test_stop_kills_a_server_that_ignores_sigterm(fake_sglang_python, tmp_path):
    config = SGLangConfig(
        python=str(fake_sglang_python),
        port=free_port(),
        extra_args=["--fake-ignore-sigterm"],
        health_timeout=120,
    )
    server = launch_sglang(config, tmp_path / "s.log")
    server.stop(grace=0.5)
    assert server.process.returncode == -signal.SIGKILL  # SIGTERM was ignored, so it was killed


def test_server_that_dies_at_start_gives_its_log(fake_sglang_python, tmp_path):
    config = SGLangConfig(
        python=str(fake_sglang_python), port=free_port(), extra_args=["--fake-crash"]
    )
    with pytest.raises(ServerStartError, match="exited with code 3(.|\n)*no GPU"):
        launch_sglang(config, tmp_path / "s.log")


def test_missing_or_wrong_python_says_how_to_make_the_env(tmp_path):
    with pytest.raises(
        ServerStartError, match='does not exist.*pip install "sglang\\[all\\]==0.5.23"'
    ):
        launch_sglang(SGLangConfig(python=str(tmp_path / "nope" / "python")), tmp_path / "s.log")
    with pytest.raises(ServerStartError, match="has no sglang package"):
        launch_sglang(SGLangConfig(python=sys.executable), tmp_path / "s.log")
