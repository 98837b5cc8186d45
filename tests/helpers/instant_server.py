"""`InstantOpenAIServer`: a stand-in for a VLM server that answers every chat request at once.

A real `transformers serve` takes seconds per call on CPU and cannot be told to stall or fail one
request on cue; these tests need both, for many small shards. Replies are deterministic
functions of the request, so two builds asking the same things get the same rows. It counts
every request by its messages, can hold the QA request of one image (to kill a worker while
that request is in flight) and can refuse the QA request of another (a shard whose calls keep
failing). Images are told apart by their size: the tests give every source image its own.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from collections import Counter
from typing import Any

from PIL import Image

from tests.helpers.fake_chat_servers import ScriptedChatServer, last_text

QA_MARK = "question-answer pairs"  # in the bundled QA prompt, never in the describe prompt


def messages_key(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload["messages"], sort_keys=True).encode()).hexdigest()


def image_size(payload: dict[str, Any]) -> tuple[int, int] | None:
    for message in payload["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part.get("type") == "image_url":
                data = part["image_url"]["url"].split(",", 1)[1]
                return Image.open(io.BytesIO(base64.b64decode(data))).size
    return None


class InstantOpenAIServer(ScriptedChatServer):
    def __init__(
        self,
        hold_qa_of: tuple[int, int] | None = None,
        refuse_qa_of: tuple[int, int] | None = None,
    ):
        self.asked: Counter[str] = Counter()  # messages key -> requests received
        self.hold_qa_of, self.refuse_qa_of = hold_qa_of, refuse_qa_of
        self.held = threading.Event()  # set when the held request has arrived
        self.release = threading.Event()  # set by the test to let it go
        self.held_key: str | None = None
        self.refused: list[str] = []
        self._count_lock = threading.Lock()
        super().__init__(
            self._reply
        )  # its server's accept queue is deep: four shards connect at once

    def _reply(self, payload: dict[str, Any], n: int) -> tuple[int, Any]:
        key, text = messages_key(payload), last_text(payload)
        is_qa, size = QA_MARK in text, image_size(payload)
        with self._count_lock:
            self.asked[key] += 1
            hold = is_qa and size == self.hold_qa_of and self.held_key is None
            if hold:
                self.held_key = key
        if is_qa and size == self.refuse_qa_of:
            self.refused.append(key)
            return 400, {"error": {"message": "stand-in server refuses this image"}}
        if hold:
            self.held.set()
            self.release.wait(timeout=300)  # the client is killed meanwhile; its socket is gone
        digest = key[:12]
        if is_qa:
            qa = [
                {
                    "question": f"What is shown ({digest})?",
                    "answer": f"thing {digest[:4]}",
                    "aspect": "object details",
                }
            ]
            return 200, json.dumps({"qa": qa})
        return 200, json.dumps(
            {"label": f"part {digest[:4]}", "description": f"A region, {digest}."}
        )
