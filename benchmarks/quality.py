"""What the pipeline makes, scored against scenes whose truth is known.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/quality.py [--scenes 16] [--preset scene]
        [--first-seed 1000000] [--no-knobs] [--knob NAME ...] [--json]

Table 1, per proposer and for the default mix: box recall at IoU 0.5 against the true objects
and parts (and objects alone), box precision of the regions, tree depth against the true depth,
regions per image; then, with the ground-truth oracle describing each region: the share of true
objects d0 names, names with the right colour, places with the right position word, d0's
precision and length, and the share of its QA pairs that are answerable and correct.

Table 2, the same figures for the default mix with one knob changed at a time: tau, max depth,
max children, min region size, the region budget (`max_regions`, applied by the tree code as in
a build: the strongest regions, each with its parent, the root counted) and the d0 budget
(`max_description_words`, applied by the merge as in a build). Every other figure is at the
build's defaults, d0 budget included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time

from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.evaluation.scene_quality import (
    D0_WORDS,
    CachedProposer,
    measure,
    measure_true_trees,
)
from ouro_toolkit.proposers import DEFAULT_PROPOSERS, build_proposers
from ouro_toolkit.proposers.base import ProposerUnavailable
from ouro_toolkit.scenes import generate_scenes

COLUMNS = (
    ("box_recall", "box R"),
    ("object_recall", "obj R"),
    ("box_precision", "box P"),
    ("depth", "depth"),
    ("true_depth", "true"),
    ("regions_per_image", "reg/img"),
    ("d0_named", "d0 named"),
    ("d0_colour", "colour"),
    ("d0_position", "position"),
    ("d0_precision", "d0 P"),
    ("d0_words", "d0 words"),
    ("qa_answerable", "QA answerable"),
    ("qa_correct", "QA correct"),
)
SINGLE = ("grouping", "ocr", "layout", "rpn")
KNOBS: dict[str, tuple] = {
    "threshold": (0.3, 0.5, 0.7),
    "max_depth": (1, 2, 3, 4),
    "max_children": (3, 6, 10),
    "min_region_size": (16, 24, 32),
    "max_regions": (4, 8, 16, 32, 64),
    "max_description_words": (40, 80, 160, 600),
}
D0_KNOB = "max_description_words"  # the merge's; every other knob is the recipe's


def _format(value: float, key: str) -> str:
    if key in ("depth", "true_depth", "regions_per_image", "d0_words"):
        return f"{value:.1f}"
    return f"{100 * value:.0f}%"


def _table(title: str, rows: list[tuple[str, dict[str, float]]]) -> str:
    head = [title] + [label for _, label in COLUMNS]
    body = [[name] + [_format(fig[k], k) for k, _ in COLUMNS] for name, fig in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs)

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def _setting(base: TreeRecipe, knob: str, value) -> tuple[TreeRecipe, int]:
    """The recipe and the d0 budget with `knob` set to `value`."""
    if knob == D0_KNOB:
        return base, value
    return base.replace(**{knob: value}), D0_WORDS


def _default(knob: str):
    return D0_WORDS if knob == D0_KNOB else getattr(TreeRecipe().decompose, knob)


def _proposers(names, cache):
    """Cached proposers, one per real proposer ("objects" may turn out to be "grouping")."""
    out = []
    for name in names:
        # torch.hub announces a weights download on stdout, which --json keeps for the figures.
        with contextlib.redirect_stdout(sys.stderr):
            inner = build_proposers([name])[0]
        if inner.name not in cache:
            cache[inner.name] = CachedProposer(inner)
        out.append(cache[inner.name])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=16)
    parser.add_argument("--preset", default="scene", choices=("scene", "simple"))
    parser.add_argument(
        "--first-seed", type=int, default=1_000_000, help="validation seeds by default"
    )
    parser.add_argument("--no-knobs", action="store_true", help="table 1 only")
    parser.add_argument(
        "--knob",
        action="append",
        choices=sorted(KNOBS),
        help="sweep only this knob in table 2 (repeatable) [default: every knob]",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    scenes = generate_scenes(range(args.first_seed, args.first_seed + args.scenes), args.preset)
    true_objects = sum(o.kind != "part" for s in scenes for o in s.objects)
    say(
        f"{len(scenes)} scenes (preset {args.preset}, seeds {args.first_seed}..), {true_objects} objects, "
        f"{sum(len(s.objects) for s in scenes)} objects+parts, true depth {sum(s.depth for s in scenes) / len(scenes):.2f}"
    )
    cache: dict = {}
    results: dict[str, dict] = {"proposers": {}, "knobs": {}}
    rows = []
    started = time.perf_counter()
    # The default mix first: the single proposers then find most of their crops cached.
    for name in ("default mix", *SINGLE):
        names = DEFAULT_PROPOSERS if name == "default mix" else (name,)
        try:
            proposers = _proposers(names, cache)
        except ProposerUnavailable as exc:
            say(f"  {name}: unavailable here ({str(exc).splitlines()[0][:100]})")
            continue
        figures = measure(scenes, proposers, TreeRecipe(tuple(names))).summary()
        label = (
            f"default mix ({'+'.join(p.name for p in proposers)})"
            if name == "default mix"
            else name
        )
        results["proposers"][label] = figures
        rows.append((label, figures))
        print(
            f"  {label}: done at {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True
        )
    truth = measure_true_trees(scenes).summary()
    results["proposers"]["true tree (ceiling)"] = truth
    rows.append(("true tree (ceiling)", truth))
    say(_table("proposers", rows))
    if not args.no_knobs:
        base = TreeRecipe(tuple(DEFAULT_PROPOSERS))
        proposers = _proposers(DEFAULT_PROPOSERS, cache)
        knob_rows = []
        for knob in args.knob or KNOBS:
            for value in KNOBS[knob]:
                recipe, words = _setting(base, knob, value)
                figures = measure(scenes, proposers, recipe, max_description_words=words).summary()
                label = f"{knob}={value}{' *' if _default(knob) == value else ''}"
                results["knobs"][label] = figures
                knob_rows.append((label, figures))
                print(
                    f"  {label}: done at {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        say("")
        say(_table("default mix, one knob changed (* = default)", knob_rows))
    say(f"\n{time.perf_counter() - started:.0f} s")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
