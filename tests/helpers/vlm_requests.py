"""Real photos as request images, and request builders, for the backend tests."""

from __future__ import annotations

from PIL import Image

from ouro_toolkit.backends.base import SamplingParams, VLMRequest


def photo(name: str, size: tuple[int, int] = (96, 72)) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB").resize(size)


def image_request(
    prompt: str, images: list[Image.Image], max_new_tokens: int = 6, **kwargs
) -> VLMRequest:
    content = [{"type": "image", "image": im} for im in images] + [{"type": "text", "text": prompt}]
    return VLMRequest(
        messages=[{"role": "user", "content": content}],
        sampling=SamplingParams(max_new_tokens=max_new_tokens),
        **kwargs,
    )
