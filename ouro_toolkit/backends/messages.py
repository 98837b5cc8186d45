"""Helpers on protocol messages shared by the backends and the cache.

Protocol messages (see base.py) carry `{"type": "text", "text": ...}` and
`{"type": "image", "image": PIL.Image}` parts, or a plain string as content.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PIL import Image

from ouro_toolkit.backends.json_output import json_instruction

if TYPE_CHECKING:
    from ouro_toolkit.backends.base import VLMRequest

# Chat-template control tokens such as <|im_end|>, <|endoftext|>, <|image_pad|>. `transformers
# serve` leaves them in replies; an embedded decode may leave added tokens behind.
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]+\|>")


def strip_special_tokens(text: str) -> str:
    return _SPECIAL_TOKEN.sub("", text).strip()


def iter_parts(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            yield from content


def map_image_parts(
    messages: list[dict[str, Any]], replace: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    """A copy of `messages` with every image part replaced by `replace(part)`; the one walk over
    message parts (cache keys, OpenAI payloads and chat templates all go through it)."""
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            parts = [replace(p) if p.get("type") == "image" else p for p in content]
            message = {**message, "content": parts}
        out.append(message)
    return out


def images_in(messages: list[dict[str, Any]]) -> list[Image.Image]:
    """The images of a conversation, in the order the chat template places them."""
    return [part["image"] for part in iter_parts(messages) if part.get("type") == "image"]


def with_json_instruction(
    messages: list[dict[str, Any]], schema: dict[str, Any]
) -> list[dict[str, Any]]:
    """A copy of `messages` whose last user turn carries the JSON instruction.

    It joins that turn's first text part, which callers keep constant across requests, so a
    server's prefix cache shares it too; a turn without text gets it as a last part.
    """
    out = [dict(m) for m in messages]
    instruction = json_instruction(schema)
    for message in reversed(out):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = content + instruction
            return out
        parts = list(content or [])
        first_text = next((i for i, p in enumerate(parts) if p.get("type") == "text"), None)
        if first_text is None:
            parts.append({"type": "text", "text": instruction.strip()})
        else:
            part = parts[first_text]
            parts[first_text] = {**part, "text": part["text"].rstrip() + instruction}
        message["content"] = parts
        return out
    return out + [{"role": "user", "content": instruction.strip()}]


def request_messages(request: VLMRequest) -> list[dict[str, Any]]:
    """The messages a backend sends for `request`: its own, plus the JSON instruction when it
    asks for JSON. Every backend, and whatever trains or measures against them, goes through this."""
    if request.json_schema is None:
        return request.messages
    return with_json_instruction(request.messages, request.json_schema)


def chat_prompt(processor: Any, messages: list[dict[str, Any]]) -> str:
    """The prompt text a Hugging Face processor's chat template makes of `messages`, images as
    placeholders (the processor expands them from the images passed beside it)."""
    return processor.apply_chat_template(
        map_image_parts(messages, lambda _: {"type": "image"}),
        add_generation_prompt=True,
        tokenize=False,
    )


def image_digest(image: Image.Image) -> str:
    """Content hash of an image's pixels (mode and size included), independent of its file."""
    h = hashlib.sha256()
    h.update(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def hashable_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`messages` with every image replaced by its content hash (for the cache key)."""
    return map_image_parts(
        messages, lambda part: {"type": "image", "sha256": image_digest(part["image"])}
    )


def image_data_url(image: Image.Image, fmt: str = "jpeg") -> str:
    """A base64 data URL: JPEG quality 95 by default (fast), PNG when exact pixels matter."""
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    if fmt == "png":
        image.save(buf, format="PNG", compress_level=1)  # fastest zlib level: bytes are cheap
        mime = "image/png"
    else:
        image.save(buf, format="JPEG", quality=95)
        mime = "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_openai_messages(
    messages: list[dict[str, Any]], image_format: str = "jpeg"
) -> list[dict[str, Any]]:
    """Protocol messages -> OpenAI chat messages with images as `image_url` data URLs."""

    def to_url(part: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "image_url",
            "image_url": {"url": image_data_url(part["image"], image_format)},
        }

    return map_image_parts(messages, to_url)
