"""CIDEr through our wrapper equals pycocoevalcap's own pipeline (PTB tokenizer + Cider)."""

import shutil

import pytest

from ouro_toolkit.metrics import cider, cider_scores

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="PTB tokenizer needs Java")

PREDICTIONS = {
    "img1": "A dog runs across the grass.",
    "img2": "Two people ride bikes on a city street",
    "img3": "a plate of food",
}
REFERENCES = {
    "img1": [
        "A brown dog running on the grass.",
        "The dog runs through a grassy field.",
        "A dog is running outside.",
    ],
    "img2": [
        "Two cyclists ride down a busy street.",
        "People riding bicycles in the city.",
        "Two people on bikes.",
    ],
    "img3": [
        "A plate with pasta and salad.",
        "Food on a white plate.",
        "A meal served on a plate.",
    ],
}


@needs_java
def test_cider_matches_pycocoevalcap_directly() -> None:
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": c} for c in v] for k, v in REFERENCES.items()})
    res = tok.tokenize({k: [{"caption": v}] for k, v in PREDICTIONS.items()})
    expected, expected_per = Cider().compute_score(gts, res)

    score, per = cider_scores(PREDICTIONS, REFERENCES)
    assert score == pytest.approx(expected)
    order = sorted(PREDICTIONS)  # pycocoevalcap returns per-image scores in sorted id order
    assert [per[k] for k in order] == pytest.approx(list(expected_per))
    assert cider(PREDICTIONS, REFERENCES) == pytest.approx(expected)
    assert 0 < score < 10


@needs_java
def test_empty_caption_scores_zero_without_shifting_others() -> None:
    with_empty = dict(PREDICTIONS, img2="")
    _, per = cider_scores(with_empty, REFERENCES)
    _, full = cider_scores(PREDICTIONS, REFERENCES)
    assert per["img2"] == 0.0
    assert per["img1"] == pytest.approx(full["img1"])
    assert per["img3"] == pytest.approx(full["img3"])


def test_cider_input_errors() -> None:
    # checked before the tokenizer runs, so these need no Java
    with pytest.raises(ValueError, match="no references"):
        cider({"a": "x"}, {})
    assert cider({}, {}) == 0.0
