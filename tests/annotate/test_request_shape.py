"""Region requests share their instruction as a token prefix (what a radix prefix cache reuses)."""

from __future__ import annotations

from transformers import AutoProcessor

from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends.messages import chat_prompt, images_in, request_messages
from ouro_toolkit.regions.tree import RegionTree
from tests.helpers.images import photo


def _token_ids(processor, request) -> list[int]:
    messages = request_messages(request)
    prompt = chat_prompt(processor, messages)
    inputs = processor(text=[prompt], images=images_in(messages), return_tensors="pt")
    return inputs["input_ids"][0].tolist()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def test_region_requests_share_the_whole_instruction_before_the_image(tiny_model_dir):
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    prompts = load_prompts()
    annotator = RecursiveAnnotator(backend=None, prompts=prompts)  # builds requests only
    image = photo("coffee", (320, 240))
    tree = RegionTree.with_root(320, 240)
    a = tree.add(tree.root, (0, 0, 160, 120), 0.9, "grouping")
    b = tree.add(tree.root, (100, 100, 300, 200), 0.9, "ocr", ocr_text="OPEN")
    ids_a = _token_ids(processor, annotator.describe_request(image, a))
    ids_b = _token_ids(processor, annotator.describe_request(image, b))
    shared = _common_prefix(ids_a, ids_b)
    vision_start = processor.tokenizer.convert_tokens_to_ids("<|vision_start|>")
    # Everything up to the image is shared: chat header, the instruction and the JSON schema.
    # (Image placeholder ids are alike too; a radix cache tells images apart by their pixels.)
    image_at = ids_a.index(vision_start)
    assert shared > image_at and ids_b.index(vision_start) == image_at
    instruction = processor.tokenizer(prompts.describe_region.strip())["input_ids"]
    assert image_at > len(instruction) + 20  # the JSON instruction is in the prefix too
    qa_a = _token_ids(processor, annotator.qa_request(image, "A cup."))
    qa_b = _token_ids(processor, annotator.qa_request(image, "A mug on a table."))
    assert _common_prefix(qa_a, qa_b) > qa_a.index(vision_start)  # same image, then d0 differs
