"""Eight bundled scenes with their truth (`assets/scenes/`), for tests and the demo.

    python -m ouro_toolkit.scenes.samples   # writes them again (after a generator change)

Each scene is `<id>.png` plus one line of `truth.jsonl` (`Scene.to_dict()` and its file name).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from PIL import Image

from ouro_toolkit.scenes.generate import generate_scene
from ouro_toolkit.scenes.truth import Scene

SAMPLE_SCENES = (
    ("simple", 1_000_000),
    ("simple", 1_000_001),
    ("simple", 1_000_006),
    ("simple", 1_000_020),
    ("scene", 1_000_002),
    ("scene", 1_000_005),
    ("scene", 1_000_008),
    ("scene", 1_000_014),
)
TRUTH = "truth.jsonl"


def samples_dir() -> Path:
    return Path(str(resources.files("ouro_toolkit") / "assets" / "scenes"))


def write_samples(folder: Path | None = None) -> Path:
    folder = folder or samples_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for preset, seed in SAMPLE_SCENES:
        scene = generate_scene(seed, preset)
        (folder / f"{scene.id}.png").write_bytes(scene.png_bytes())
        lines.append(json.dumps({"file": f"{scene.id}.png", **scene.to_dict()}))
    (folder / TRUTH).write_text("\n".join(lines) + "\n")
    return folder


def load_samples(folder: Path | None = None) -> list[Scene]:
    """The bundled scenes, images loaded, in `SAMPLE_SCENES` order."""
    folder = folder or samples_dir()
    scenes = []
    for line in (folder / TRUTH).read_text().splitlines():
        row = json.loads(line)
        with Image.open(folder / row["file"]) as image:
            scenes.append(Scene.from_dict(row, image.convert("RGB")))
    return scenes


if __name__ == "__main__":
    print(write_samples())
