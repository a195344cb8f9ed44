"""Stored XSS through layer text, tried in Chromium on every map page, under the CSP.

A copy of the bundled sample gets a script payload in every text field of every layer (ids and
references too, consistently, so the layers still validate). Every interactive feature of every
map page is hovered and clicked (DOM events on each Leaflet element, and Leaflet's own events
on every feature layer, clustered markers included). No dialog may open, no payload may become
markup, and the page must report no Content-Security-Policy violation at all: a violation would
mean either our own scripts are blocked (a broken page) or injected markup tried to run.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from support.apps import make_test_config
from support.browser import served

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR
from geo_app.store import get_store
from geo_app.store.accounts import create_account
from layers.schema import SCHEMAS

#: Payloads for text fields; the ones for ids carry no ``/`` (ids appear in URL paths).
ID_PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "'<b onmouseover=alert(3)>",
)
TEXT_PAYLOADS = (
    *ID_PAYLOADS,
    "</script><script>alert(4)</script>",
    "<a href=javascript:alert(5)>x</a>",
    "<iframe srcdoc='<script>parent.alert(6)</script>'></iframe>",
)
ADMIN_PASSWORD = "Kite-Lantern-Harbour-42"

#: Counts every tooltip/popup opened and every violation, installed before any page script.
INIT_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

#: Hover and click every interactive element and every feature layer of the page's map.
EXERCISE = """
async (mapName) => {
  const map = window[mapName];
  const seen = {dom: 0, layers: 0, tooltips: new Set(), popups: new Set()};
  const collect = () => {
    const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent);
    texts('.leaflet-tooltip').forEach((t) => seen.tooltips.add(t));
    texts('.leaflet-popup-content').forEach((p) => seen.popups.add(p));
  };
  const fire = (el, type) => {
    const box = el.getBoundingClientRect();
    const opts = {bubbles: true, cancelable: true, view: window,
                  clientX: box.x + box.width / 2, clientY: box.y + box.height / 2};
    el.dispatchEvent(new MouseEvent(type, opts));
  };
  for (const el of document.querySelectorAll('.leaflet-interactive')) {
    for (const type of ['mouseover', 'mousemove', 'mousedown', 'mouseup', 'click']) fire(el, type);
    collect();
    fire(el, 'mouseout');
    seen.dom += 1;
  }
  const layers = [];
  const walk = (layer) => {
    if (layer.getLayers) layer.getLayers().forEach(walk);
    if (layer.feature || layer instanceof L.Marker) layers.push(layer);
  };
  map.eachLayer(walk);
  for (const layer of layers) {
    const latlng = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
    for (const type of ['mouseover', 'click']) {
      layer.fire(type, {latlng, layer, target: layer, originalEvent: new MouseEvent(type)}, true);
      collect();
    }
    layer.fire('mouseout', {latlng, layer, target: layer}, true);
    map.closePopup();
    seen.layers += 1;
  }
  return {dom: seen.dom, layers: seen.layers,
          tooltips: [...seen.tooltips], popups: [...seen.popups]};
}
"""


def _payload(value: str, choices: tuple[str, ...]) -> str:
    return choices[zlib.crc32(value.encode()) % len(choices)]


def write_payload_layers(directory: Path) -> Path:
    """The bundled sample with a payload appended to every free-text, id and reference value."""
    shutil.copytree(BUNDLED_DATA_DIR, directory)
    for schema in SCHEMAS:
        path = directory / f"{schema.name}.geojson"
        if not path.exists():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        for feature in doc["features"]:
            props = feature["properties"]
            for spec in schema.fields:
                value = props.get(spec.name)
                if spec.kind != "str" or spec.choices or not isinstance(value, str):
                    continue
                is_key = spec.name == "id" or spec.ref is not None
                props[spec.name] = value + _payload(value, ID_PAYLOADS if is_key else TEXT_PAYLOADS)
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xss")
    data = write_payload_layers(tmp / "layers")
    app = create_app(make_test_config(tmp, DATA_DIR=str(data)))
    with app.app_context():
        from geo_app.state.community import get_community

        grid_id = str(get_community().grids["id"].iloc[0])
        with get_store().write() as db:
            create_account(
                db, username="admin", password=ADMIN_PASSWORD, role="admin",
                building_grids={}, known_grids={}, actor="test",
            )
    with served(app) as base:
        yield base, grid_id


def test_the_payload_layers_carry_a_payload_in_every_text_field(tmp_path):
    data = write_payload_layers(tmp_path / "layers")
    grids = json.loads((data / "grids.geojson").read_text(encoding="utf-8"))
    props = grids["features"][0]["properties"]
    for name in ("id", "name", "parent", "leader"):
        assert any(p in props[name] for p in TEXT_PAYLOADS), name


def _login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("path", ["/", "/map", "/planner", "/grid/{grid}"])
def test_layer_text_never_runs_as_script_on_any_map(offline_page, payload_server, path):
    base, grid_id = payload_server
    result = offline_page(width=1280, height=900)
    page = result.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.add_init_script(INIT_SCRIPT)
    if "{grid}" in path:
        _login(page, base)
    page.goto(base + path.replace("{grid}", quote(grid_id, safe="")))
    map_name = page.locator("[data-map-name]").first.get_attribute("data-map-name")
    page.wait_for_function(f"() => window['{map_name}'] !== undefined")
    if page.locator("[data-layers-state]").count():  # the planner draws its big layers later
        page.wait_for_selector("[data-layers-state=ready]", timeout=20_000)
    if path == "/":  # the building search lists layer names too
        page.fill("[data-testid=search-input]", "风格城市")
        page.wait_for_selector("[data-testid=place]", timeout=10_000)
        shown_places = page.locator("[data-testid=search-results]").inner_text()
        assert "onerror=alert(1)" in shown_places or "alert(3)" in shown_places
        page.locator("[data-testid=place]").first.click()
        page.wait_for_selector("[data-testid=result]", timeout=10_000)
    seen = page.evaluate(EXERCISE, map_name)
    page.wait_for_timeout(300)

    assert dialogs == []
    assert page.evaluate("window.__csp") == []
    assert not [c for c in console if "Content Security Policy" in c]
    assert result.errors == []
    # The payloads reached the page as text: seen in tooltips, never turned into elements.
    assert seen["dom"] > 0
    assert seen["layers"] > 0
    shown = " ".join(seen["tooltips"] + seen["popups"])
    assert "onerror=alert(1)" in shown or "onload=alert(2)" in shown or "alert(3)" in shown
    injected = page.evaluate(
        "document.querySelectorAll('img[src=\"x\"], svg[onload], [onmouseover], iframe, "
        "a[href^=\"javascript\"]').length"
    )
    assert injected == 0
    assert result.blocked == []


def test_the_csp_blocks_a_script_that_slips_through(offline_page, live_server):
    """Belt and braces: markup injected into the page cannot run its handler under the CSP."""
    result = offline_page()
    page = result.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(INIT_SCRIPT)
    page.goto(f"{live_server}/map")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=\"x\" onerror=\"alert(1)\">')"
    )
    page.wait_for_timeout(500)
    assert dialogs == []
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
