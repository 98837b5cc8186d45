"""Run a real proposal pool over real photos, printing worker PIDs, for the shutdown tests.

    python -m tests.pipeline.pool_script ROWS

Per-crop proposals on full-size photos keep each worker busy for seconds, so a signal sent
after the PIDs are printed finds them mid-image.
"""

from __future__ import annotations

import io
import sys

from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.proposal_pool import ProposalPool
from tests.helpers.images import photo


def rows(count: int):
    for i in range(count):
        buffer = io.BytesIO()
        photo(("coffee", "astronaut", "rocket")[i % 3]).save(buffer, format="PNG")
        yield {"id": f"r{i}", "image": {"bytes": buffer.getvalue(), "path": None}}


def main() -> None:
    settings = TreeRecipe(("grouping", "ocr"), decompose=DecomposeConfig(proposal_mode="per-crop"))
    pool = ProposalPool(settings, workers=2)
    try:
        with pool:
            pool.wait_ready()
            print("workers", *pool.worker_pids(), flush=True)
            for prepared in pool.imap(rows(int(sys.argv[1]))):
                print("row", prepared.source_row["id"], flush=True)
    except KeyboardInterrupt:
        # The workers it ended with: a replacement started while closing would show here.
        print("interrupted", *pool.worker_pids(), flush=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
