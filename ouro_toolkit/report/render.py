"""The page itself: a Jinja2 template (autoescaping on) with its stylesheet and script inline.

Row texts never pass through the template as markup: they travel as one gzip-compressed JSON
blob (base64, so no byte of it can close a tag) and the page's script puts them into the
document with `textContent`, which shows a `<script>` label as text. Everything else the
template writes (summary, settings, experiment tables) is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ouro_toolkit import __version__
from ouro_toolkit.pipeline.inspect import DEPTH_COLOURS

TEMPLATE = "report.html.j2"
ASSETS = ("report.css", "report.js")


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ouro_toolkit.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: f"{100 * v:.1f}"
    return env


def asset(name: str) -> Markup:
    """Our own stylesheet or script, inlined as is (it holds no row text)."""
    text = (resources.files("ouro_toolkit.report") / "templates" / name).read_text("utf-8")
    return Markup(text)


def packed(value: Any) -> str:
    """JSON, gzip-compressed, base64: row text is 4-6x smaller and cannot end a <script>."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def render_page(**context: Any) -> str:
    env = environment()
    meta = {"pageSize": context["page_size"], "colours": list(DEPTH_COLOURS)}
    return env.get_template(TEMPLATE).render(
        css=asset("report.css"),
        js=asset("report.js"),
        rows_blob=packed(context.pop("records")),
        # base64 strings only: nothing in them to escape, and a script's text is never unescaped
        thumbs=Markup(json.dumps(context.pop("thumbs"), separators=(",", ":"))),
        meta=meta,
        version=__version__,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **context,
    )
