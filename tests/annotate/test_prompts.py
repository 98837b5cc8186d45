"""The bundled QA synthesis prompt asks for the kinds of question the `scenes` benchmark scores."""

from __future__ import annotations

from ouro_toolkit.annotate.prompts import load_prompts


def test_the_qa_prompt_names_every_scored_kind_and_its_answer_form():
    prompts = load_prompts()
    text = " ".join(prompts.qa_synthesis.lower().split())
    for phrase in (
        "what colour is",  # colour
        "how many",  # count
        "what does the sign say",  # sign text
        "to the left of",
        "above an object",
        "what is inside",
    ):
        assert phrase in text, phrase
    assert "a single word or an object's name" in text
    # The five aspects of the paper stay, and the text change has its own cache version.
    assert "object details, spatial relationships, style, scene context, interactions" in text
    assert prompts.version != "ouro-v1"
