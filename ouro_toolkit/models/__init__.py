"""Model helpers: the tiny random Qwen2-VL used by tests and smoke runs."""

from ouro_toolkit.models.tiny import REAL_MODEL_IDS, make_tiny_qwen2vl

__all__ = ["REAL_MODEL_IDS", "make_tiny_qwen2vl"]
