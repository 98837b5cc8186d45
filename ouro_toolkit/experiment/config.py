"""`ExperimentConfig`: one bootstrapping experiment, from M0 to the M0-vs-M1 table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path

from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.records import refuse_other_settings
from ouro_toolkit.training.transform import ANNOTATIONS, CROP_CHOICES, LAYOUTS

SETTINGS = ("headline", "ablations", "tiny")
TEST_SEED_START = 2_000_000  # the `scenes` source's first test seed (builders/scenes.py)
ANNOTATORS = ("m0", "oracle")
# The self-distillation control's name in adapters, scores and tables (`control.py`).
CONTROL = "self-distillation"


def shipped_m0() -> str:
    """The M0 shipped inside the package (made by `make m0`)."""
    return str(resources.files("ouro_toolkit") / "assets" / "m0")


@dataclass(frozen=True)
class Arm:
    """One way of training M1: k crops, which annotations, how crops are chosen."""

    k: int = 5
    annotations: str = "enhanced"
    crop_choice: str = "random"

    @property
    def name(self) -> str:
        return f"k{self.k}-{self.annotations}-{self.crop_choice}"

    def __post_init__(self) -> None:
        if self.annotations not in ANNOTATIONS or self.crop_choice not in CROP_CHOICES:
            raise ConfigError(
                f"arm {self}: annotations in {ANNOTATIONS}, crop_choice in {CROP_CHOICES}"
            )


def arms_for(setting: str) -> list[Arm]:
    if setting == "headline" or setting == "tiny":
        return [Arm()]
    if setting == "ablations":
        ks = [Arm(k=k) for k in (0, 1, 3, 5, 7)]
        return ks + [Arm(annotations="original"), Arm(crop_choice="informed")]
    raise ConfigError(f"unknown setting {setting!r}; choose one of {', '.join(SETTINGS)}")


# Shallower and narrower than a build's default: M0 describes small crops poorly.
EXPERIMENT_TREE = TreeRecipe(
    ("objects", "ocr"), decompose=DecomposeConfig(max_depth=2, max_children=5)
)

# The `tiny` setting: mechanics only (the test suite runs it), no claim.
TINY = {
    "train_scenes": 1,
    "test_scenes": 1,
    "tree": EXPERIMENT_TREE.replace(proposers=("objects",), max_depth=1),
    "seeds": [0],
    "train_overrides": ["--max_steps", "1"],
    "max_new_tokens": 48,
}


@dataclass
class ExperimentConfig:
    out: str
    model: str = field(default_factory=shipped_m0)  # M0
    setting: str = "headline"
    arms: list[Arm] = field(default_factory=list)  # empty: the setting's arms
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    train_scenes: int = 48  # scenes annotated by the pipeline with M0 (train split)
    # Held-out scenes of the `scenes` benchmark (test split, seeds 2000000-2000999). Per-scene
    # description F1 has SD ~0.17, so a paired difference over n scenes has SE ~0.17/sqrt(n):
    # 1.4 points at 150, enough to see +5 F1 at more than 3 SE (30 scenes gave 3.1).
    test_scenes: int = 150
    # The first test scene's seed: the split's first by default, another start scores other
    # held-out scenes (start + test_scenes must stay inside the split).
    test_seed_start: int = TEST_SEED_START
    tree: TreeRecipe = EXPERIMENT_TREE
    max_pixels: int = 224 * 224  # what M0 was trained at
    # Images annotated together in the build: each level's region requests of 32 images (and
    # their QA requests) go to M0 as one batch. 1.16x the calls per second of 8 at 48 scenes,
    # the same rows (`benchmarks/embedded.py --build-scenes 48`).
    batch_size: int = 32
    recipe: str = "recipes/scenes_m0_lora.yaml"
    train_overrides: list[str] = field(default_factory=list)  # extra `--key value` for the recipe
    # Who writes the OURO rows: "m0" (the experiment) or "oracle" (the ground-truth oracle
    # backend, a perfect describer: what the loop gives when the annotations are right).
    annotator: str = "m0"
    # Token budget of the build's describe and QA calls; None keeps the prompt file's (160 / 400).
    max_new_tokens: int | None = None
    # How a row becomes M1's training samples: "joint" (the paper's: full image + k crops, the
    # description, region and QA turns in one conversation) or "per_sample" (one image and one
    # turn per target, as the benchmark asks). A layout other than joint names its own adapters,
    # scores and results, so both can share one run folder (and its build).
    layout: str = "joint"
    # Also train and score the self-distillation control (`control.py`): M0 + LoRA on M0's own
    # whole-image answers about the same train scenes, with the first arm's steps.
    control: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.tree, dict):
            self.tree = TreeRecipe(**self.tree)
        if not self.arms:
            self.arms = arms_for(self.setting)
        self.arms = [a if isinstance(a, Arm) else Arm(**a) for a in self.arms]
        if not self.seeds:
            raise ConfigError("--seeds needs at least one seed")
        if self.annotator not in ANNOTATORS:
            raise ConfigError(
                f"annotator {self.annotator!r}: choose one of {', '.join(ANNOTATORS)}"
            )
        if self.layout not in LAYOUTS:
            raise ConfigError(f"layout {self.layout!r}: choose one of {', '.join(LAYOUTS)}")
        self._check_test_seeds()

    def _check_test_seeds(self) -> None:
        from ouro_toolkit.evaluation.generated import split_seeds

        seeds = split_seeds("test")
        last = self.test_seed_start + self.test_scenes - 1
        if self.test_seed_start not in seeds or last not in seeds:
            raise ConfigError(
                f"--test-seed-start {self.test_seed_start} with --test-scenes {self.test_scenes} "
                f"needs test seeds {self.test_seed_start}-{last}, but the test split holds "
                f"{seeds.start}-{seeds.stop - 1}: choose a start from {seeds.start} to "
                f"{seeds.stop - self.test_scenes} (or fewer test scenes)"
            )

    @property
    def label(self) -> str:
        """Names the outputs of this setting: 'headline', 'ablations-oracle', 'headline-per-sample'."""
        return self.setting + self.tag + ("" if self.annotator == "m0" else f"-{self.annotator}")

    @property
    def tag(self) -> str:
        """What a non-default layout adds to the names of adapters, scores and results."""
        return "" if self.layout == "joint" else f"-{self.layout.replace('_', '-')}"

    @property
    def root(self) -> Path:
        return Path(self.out)

    def to_dict(self) -> dict:
        return asdict(self)

    def record(self) -> None:
        """Write the config beside the results; a folder keeps one model and one data setting."""
        path = self.root / "experiment_config.json"
        self.root.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            refuse_other_settings(
                self.root,
                "an experiment",
                upgrade_experiment_record(json.loads(path.read_text())),
                json.loads(json.dumps(self.to_dict())),
                keys=(
                    "model",
                    "annotator",
                    "train_scenes",
                    "test_scenes",
                    "test_seed_start",
                    "tree",
                ),
                defaults={f.name: f.default for f in fields(self)},
                fix="use a new --out folder, or give the recorded values",
            )
        # Rewritten each time: seeds, arms and the like may change within one folder.
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")


# The tree settings an experiment recorded flat before they were one `TreeRecipe`.
LEGACY_TREE_KEYS = ("proposers", "max_depth", "max_children")


def upgrade_experiment_record(old: dict) -> dict:
    """An experiment_config.json in today's shape (an older one's flat tree keys as a recipe)."""
    if "tree" in old:
        return old
    flat = {k: old.pop(k) for k in LEGACY_TREE_KEYS if k in old}
    return dict(old, tree=json.loads(json.dumps(EXPERIMENT_TREE.replace(**flat).to_dict())))
