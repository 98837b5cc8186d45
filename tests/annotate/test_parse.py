from ouro_toolkit.annotate.annotator import parse_description, parse_qa


def test_structured_description_and_fallback_to_text():
    assert parse_description('```json\n{"label": "dog", "description": "A brown dog."}\n```') == (
        "dog",
        "A brown dog.",
    )
    assert parse_description("A brown dog\x00 on grass.") == ("", "A brown dog on grass.")


def test_qa_from_json_caps_at_five_and_tags_aspects():
    items = ",".join(
        f'{{"question": "q{i}?", "answer": "a{i}", "aspect": "Style"}}' for i in range(7)
    )
    pairs = parse_qa('{"qa": [' + items + ', {"question": "", "answer": "x"}]}')
    assert len(pairs) == 5 and pairs[0] == {"question": "q0?", "answer": "a0", "aspect": "style"}


def test_qa_from_plain_text_and_garbage():
    pairs = parse_qa("Q: What colour is the car? A: Red. Q: Where is it? A: On the road.")
    assert [(p["question"], p["answer"]) for p in pairs] == [
        ("What colour is the car?", "Red."),
        ("Where is it?", "On the road."),
    ]
    assert parse_qa("no pairs here") == []
