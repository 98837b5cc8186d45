"""Every `--json` command prints JSON alone on stdout, even while torch.hub downloads weights.

The commands run as real subprocesses with no weights cached (TORCH_HOME is an empty folder,
HF_HUB_OFFLINE=1). torchvision's RPN weight URL is pointed at a local HTTP server, so torch.hub
really downloads: it prints its `Downloading: "..."` line to stdout, gets bytes that fail the
file's hash check, and the `objects` proposer falls back to the offline grouping proposals.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from PIL import Image
from skimage import data

from ouro_toolkit.cli.main import COMMANDS, cli
from ouro_toolkit.cli.output import chatter_to_stderr

WEIGHTS_FILE = "fasterrcnn_resnet50_fpn_coco-258fb6c6.pth"  # the name torchvision asks for

# Runs `ouro ARGS...` after pointing torchvision's default RPN weights at the URL in argv[1].
OURO_WITH_RPN_WEIGHTS_AT = (
    "import sys; "
    "from torchvision.models.detection import FasterRCNN_ResNet50_FPN_Weights as W; "
    "W.DEFAULT.value.url = sys.argv.pop(1); "
    "from ouro_toolkit.cli.main import cli; cli(sys.argv[1:], prog_name='ouro')"
)


@dataclass
class LocalWeightsServer:
    """A real HTTP server on 127.0.0.1 that answers every GET with bytes that are no checkpoint."""

    url: str
    requested: list[str] = field(default_factory=list)


@pytest.fixture
def weights_server() -> Iterator[LocalWeightsServer]:
    requested: list[str] = []
    body = b"not a checkpoint\n" * 4096

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalWeightsServer(f"http://127.0.0.1:{httpd.server_address[1]}", requested)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("json-stdout") / "coffee.png"
    Image.fromarray(data.coffee()).resize((320, 240)).save(path)  # a real photo
    return path


def ouro_without_cached_weights(args: list[str], weights_url: str, torch_home: Path):
    env = {**os.environ, "TORCH_HOME": str(torch_home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", OURO_WITH_RPN_WEIGHTS_AT, weights_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # a guard against a hang only
    )


TREE = ["--proposers", "objects", "--max-depth", "1"]
JSON_COMMANDS = {
    "regions": lambda image, model: ["regions", image, "--json", *TREE],
    "describe": lambda image, model: [
        "describe", image, "--json", "--model", model, "--max-new-tokens", "4", *TREE
    ],
}  # fmt: skip


def test_every_json_command_is_tested_here():
    ctx = click.Context(cli)
    with_json = {
        name
        for name in COMMANDS
        if any("--json" in param.opts for param in cli.get_command(ctx, name).params)
    }
    assert with_json == set(JSON_COMMANDS)


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_json_stdout_is_json_alone_while_weights_download(
    command, photo_path, tiny_model_dir, weights_server, tmp_path
):
    torch_home = tmp_path / "torch-home"
    torch_home.mkdir()
    weights_url = f"{weights_server.url}/models/{WEIGHTS_FILE}"
    args = JSON_COMMANDS[command](str(photo_path), str(tiny_model_dir))
    done = ouro_without_cached_weights(args, weights_url, torch_home)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout)  # the whole of stdout: nothing before or after the JSON
    assert rows[0]["parent_id"] == -1 and len(rows) > 1
    assert {row["proposer"] for row in rows[1:]} == {"grouping"}  # the RPN fell back
    # torch.hub really tried: the server was asked, and its chatter went to stderr.
    assert weights_server.requested == [f"/models/{WEIGHTS_FILE}"]
    assert f'Downloading: "{weights_url}"' in done.stderr
    assert "invalid hash value" in done.stderr
    assert not list(torch_home.rglob("*.pth*"))  # no half-downloaded checkpoint left behind


def test_chatter_to_stderr_moves_python_and_native_writes(capfd):
    with chatter_to_stderr():
        print("python chatter")
        os.write(1, b"native chatter\n")  # as C code writing to file descriptor 1 does
    print("the result")
    out, err = capfd.readouterr()
    assert out == "the result\n"
    assert "python chatter" in err and "native chatter" in err
