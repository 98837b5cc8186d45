import logging

import pytest

from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers import build_proposers
from ouro_toolkit.proposers.base import ProposerUnavailable
from ouro_toolkit.proposers.grouping import GroupingProposer
from tests.helpers.images import photo, text_image


def test_ocr_reads_drawn_words():
    (ocr,) = build_proposers(["ocr"])
    proposals = ocr.propose(text_image(["OURO TOOLKIT", "coffee cup 42"]))
    texts = " ".join(p.text for p in proposals).upper()
    assert "OURO" in texts and "TOOLKIT" in texts and "42" in texts
    first = next(p for p in proposals if "OURO" in p.text.upper())
    x0, y0, x1, y1 = first.bbox
    assert 10 <= x0 < x1 <= 640 and 10 <= y0 < y1 <= 120  # the first line, near the top
    assert all(0 <= p.score <= 1 for p in proposals)


def test_ocr_regions_in_tree_are_leaves_with_text():
    image = photo("coffee", (640, 480))
    image.paste(text_image(["BEST COFFEE"], size=(420, 90)), (100, 20))
    config = DecomposeConfig(threshold=0.5, min_region_size=16)
    tree = build_region_tree(image, build_proposers(["ocr"]), config)
    text_nodes = [n for n in tree.nodes if n.proposer == "ocr"]
    assert any("COFFEE" in n.ocr_text.upper() for n in text_nodes)
    assert all(not tree.children(n) for n in text_nodes)


def test_layout_finds_blocks_on_a_document_page():
    (layout,) = build_proposers(["layout"])
    page = text_image(
        ["Annual report 2026", "", "Revenue grew by 12 percent", "in the third quarter"],
        size=(800, 1000),
        font_size=36,
    )
    proposals = layout.propose(page)
    assert proposals, "a page of text has layout blocks"
    for p in proposals:
        x0, y0, x1, y1 = p.bbox
        assert 0 <= x0 < x1 <= 800 and 0 <= y0 < y1 <= 1000 and p.label


def test_rpn_without_weights_refuses_and_objects_falls_back(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached weights

    def offline(*args, **kwargs):  # behave as here, where no model site can be reached
        raise OSError("no network")

    monkeypatch.setattr("torch.hub.load_state_dict_from_url", offline)
    from ouro_toolkit.proposers.rpn import RpnProposer

    with pytest.raises(ProposerUnavailable, match="--rpn-weights"):
        RpnProposer(weights="DEFAULT")
    with pytest.raises(ProposerUnavailable, match="does not exist"):
        RpnProposer(weights=str(tmp_path / "missing.pth"))
    with caplog.at_level(logging.WARNING):
        (objects,) = build_proposers(["objects"], rpn_weights=str(tmp_path / "missing.pth"))
    assert objects.name == "grouping"
    assert sum("RPN unavailable" in r.message for r in caplog.records) == 1


def test_rpn_loads_a_local_checkpoint_and_maps_boxes_to_input_pixels(tmp_path):
    # Mechanics only: the checkpoint is the test's own (no pretrained weights can be fetched here),
    # so we check shapes, bounds and scores, not what the boxes cover.
    import torch
    from torchvision.models.detection import fasterrcnn_resnet50_fpn

    from ouro_toolkit.proposers.rpn import RpnProposer

    torch.manual_seed(0)
    checkpoint = tmp_path / "rpn.pth"
    torch.save(
        fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict(), checkpoint
    )
    proposer = RpnProposer(weights=str(checkpoint), max_proposals=20)
    image = photo("coffee", (300, 200))
    proposals = proposer.propose(image)
    assert 0 < len(proposals) <= 20
    for p in proposals:
        x0, y0, x1, y1 = p.bbox
        assert -0.5 <= x0 <= x1 <= 300.5 and -0.5 <= y0 <= y1 <= 200.5
        assert 0.0 <= p.score <= 1.0
    # Batched (the crops of one tree level): the same proposals as one image at a time.
    other = photo("astronaut", (300, 200))
    batch = proposer.propose_batch([image, other, image])
    assert batch[0] == proposals and batch[2] == proposals
    assert batch[1] == proposer.propose(other)


def test_unknown_proposer_lists_known_ones():
    with pytest.raises(ValueError, match="known proposers: objects, rpn, grouping, ocr, layout"):
        build_proposers(["ocr", "sam"])


def test_a_file_that_is_not_an_rpn_checkpoint_is_refused_and_objects_falls_back(tmp_path):
    bogus = tmp_path / "not_weights.pth"
    bogus.write_text("definitely not a state dict")
    from ouro_toolkit.proposers.rpn import RpnProposer

    with pytest.raises(ProposerUnavailable, match="not a fasterrcnn_resnet50_fpn state dict"):
        RpnProposer(weights=str(bogus))
    (objects,) = build_proposers(["objects"], rpn_weights=str(bogus))
    assert objects.name == "grouping"


def test_the_default_rpn_url_is_torchvisions(monkeypatch, tmp_path):
    from torchvision.models.detection import FasterRCNN_ResNet50_FPN_Weights

    from ouro_toolkit.proposers import resolve_for_workers
    from ouro_toolkit.proposers.rpn import DEFAULT_WEIGHTS_URL, default_weights_path

    assert DEFAULT_WEIGHTS_URL == FasterRCNN_ResNet50_FPN_Weights.DEFAULT.url
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert default_weights_path().parent == tmp_path / "hub" / "checkpoints"
    # Here no model site can be reached: the workers are told to build the offline proposer.
    assert resolve_for_workers(["objects", "ocr"], "DEFAULT") == ["grouping", "ocr"]
    default_weights_path().parent.mkdir(parents=True)
    default_weights_path().write_bytes(b"cached")  # what torch.hub leaves behind
    assert resolve_for_workers(["objects", "ocr"], "DEFAULT") == ["rpn", "ocr"]
    assert resolve_for_workers(["objects"], "my.pth") == ["objects"]


def test_grouping_needs_one_work_side_per_scale():
    with pytest.raises(ValueError, match="one work side per scale"):
        GroupingProposer(scales=(100, 300), work_sides=(256,))
