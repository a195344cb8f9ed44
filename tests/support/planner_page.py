"""The planner page's parts as a browser fetches them: its map script and its data layers."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any


def _attribute(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, f"no {pattern} on the page"
    return unescape(found.group(1))


def map_script(client: Any, page_url: str) -> str:
    """The map script ``/planner/map.js`` that the page at ``page_url`` loads."""
    html = client.get(page_url).get_data(as_text=True)
    answer = client.get(_attribute(html, r'<script src="([^"]*/planner/map\.js[^"]*)"'))
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    return answer.get_data(as_text=True)


def layer_data(client: Any, page_url: str) -> dict[str, Any]:
    """The data layers (``/planner/layers.json``) that the page at ``page_url`` draws."""
    html = client.get(page_url).get_data(as_text=True)
    answer = client.get(_attribute(html, r'data-layers-url="([^"]+)"'))
    assert answer.status_code == 200
    return json.loads(answer.get_data())


def synthetic_district(blocks: int, folder: Any) -> dict[str, int]:
    """The benchmarks' ``blocks`` × ``blocks`` synthetic community (6 buildings a block, a
    grid every 4 × 4 blocks) written to ``folder``; its layers' feature counts."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_scale import generate

    return generate(blocks, Path(folder))
