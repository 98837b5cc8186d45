from __future__ import annotations

import pytest

from ouro_toolkit.backends.base import VLMRequest
from ouro_toolkit.backends.json_output import JSONOutputError, extract_json
from ouro_toolkit.backends.messages import strip_special_tokens
from ouro_toolkit.backends.results import finish_result


@pytest.mark.parametrize(
    "text",
    [
        '{"label": "cat", "n": 2}',
        '```json\n{"label": "cat", "n": 2}\n```',
        'Sure! Here it is: {"label": "cat", "n": 2} Hope this helps. {"other": 1}',
        '{"label": "cat", "n": 2}<|im_end|> trailing junk }',
        'not json {broken, then {"label": "cat", "n": 2}',
    ],
)
def test_extract_first_object(text):
    assert extract_json(text) == {"label": "cat", "n": 2}


def test_extract_array_and_nested():
    assert extract_json('answer: [{"q": "a"}, {"q": "b"}] end', want=list) == [
        {"q": "a"},
        {"q": "b"},
    ]
    assert extract_json('x {"a": {"b": [1, 2]}} y') == {"a": {"b": [1, 2]}}


@pytest.mark.parametrize("text", ["", "no json here", "{not: valid}", "[1, 2]"])
def test_no_object_raises_with_preview(text):
    with pytest.raises(JSONOutputError, match="no JSON dict"):
        extract_json(text)


def test_special_tokens_stripped():
    assert strip_special_tokens("<|im_start|>A cat.<|im_end|><|endoftext|>\n") == "A cat."


def test_finish_result_flags_reply_that_is_not_json():
    request = VLMRequest(
        messages=[{"role": "user", "content": "hi"}], json_schema={"type": "object"}
    )
    bad = finish_result(request, "I think it is a cat.<|im_end|>")
    assert (
        not bad.ok and bad.text == "I think it is a cat." and "not the JSON asked for" in bad.error
    )
    good = finish_result(request, '```json\n{"label": "cat"}\n```<|im_end|>')
    assert good.ok and good.data == {"label": "cat"}
