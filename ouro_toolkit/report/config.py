"""`ReportConfig`: the knobs of a report page, each default in one place."""

from __future__ import annotations

from dataclasses import dataclass

from ouro_toolkit.errors import ConfigError


@dataclass(frozen=True)
class ReportConfig:
    # Longest side of a row's thumbnail (px). Boxes are drawn in the image's own pixels over
    # it, so they stay exact at any size. 160 px JPEG at quality 65 is ~3 KB for a photo:
    # ~4 KB a row in the page once base64-encoded, the bulk of a 10,000-row page.
    thumb_side: int = 160
    jpeg_quality: int = 65
    page_size: int = 20  # rows drawn at once; the rest wait behind the pager
    # Rows per side of an experiment's M0-vs-M1 table (each is a test scene and its questions).
    compare_scenes: int = 40

    def __post_init__(self) -> None:
        if not 16 <= self.thumb_side <= 2048:
            raise ConfigError(f"--thumb-size {self.thumb_side}: give 16 to 2048 pixels")
        if not 1 <= self.jpeg_quality <= 95:
            raise ConfigError(f"JPEG quality {self.jpeg_quality}: give 1 to 95")
        if self.page_size < 1:
            raise ConfigError(f"--page-size {self.page_size}: give at least 1 row a page")
