"""Public answers travel compressed in the encoding the browser prefers; private ones never do.

Each body is decompressed here with the codec's own library (gzip, brotli, zstd) and compared
with the same answer fetched uncompressed.
"""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import brotli
import pytest
from backports import zstd
from support.accounts import logged_in

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}
#: What differs between two renderings of a page: its CSP nonces and how long it took.
PER_REQUEST = re.compile(r'nonce(?:=|-)"?[A-Za-z0-9_\-]+|seconds="[0-9.]+"|用时 [0-9.]+ 秒')


@pytest.fixture
def client(app):
    app.config["CLOCK"] = lambda: datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return app.test_client()


def _same_page(text: str) -> str:
    """The page without what differs from one request to the next."""
    return PER_REQUEST.sub("…", text)


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "zstd"),  # Chromium 123+
        ("gzip, deflate, br", "br"),  # Safari, older phones
        ("gzip", "gzip"),
        ("gzip;q=0.5, br;q=1.0", "br"),
        ("identity", None),
        ("", None),
    ],
)
def test_json_comes_in_the_best_encoding_the_browser_accepts(client, accept, encoding):
    plain = client.get("/api/stations")
    answer = client.get("/api/stations", headers={"Accept-Encoding": accept})
    assert answer.status_code == 200
    assert answer.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in answer.headers["Vary"]
    body = answer.get_data()
    assert (DECODE[encoding](body) if encoding else body) == plain.get_data()


def test_the_planner_page_arrives_in_a_fraction_of_its_bytes(client):
    plain = client.get("/planner").get_data(as_text=True)
    answer = client.get("/planner", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert int(answer.headers["Content-Length"]) == len(answer.get_data())
    page = gzip.decompress(answer.get_data()).decode("utf-8")
    assert _same_page(page) == _same_page(plain)
    assert len(answer.get_data()) * 4 < len(plain.encode("utf-8"))


@pytest.mark.parametrize(("accept", "encoding"), [("gzip, deflate, br, zstd", "zstd"),
                                               ("gzip, deflate, br", "br")])
def test_a_served_script_is_compressed_and_revalidates(client, accept, encoding):
    path = "/vendor/leaflet/leaflet.js"
    first = client.get(path, headers={"Accept-Encoding": accept})
    assert first.headers["Content-Encoding"] == encoding
    script = DECODE[encoding](first.get_data())
    assert script == client.get(path).get_data()
    assert b"Leaflet" in script[:400]
    etag = first.headers["ETag"]
    assert etag.endswith(f':{encoding}"')  # distinct from the uncompressed file's tag
    again = client.get(path, headers={"Accept-Encoding": accept, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_browser_offering_only_gzip_gets_files_whole(client):
    """Flask-Compress streams no gzip: such a browser gets the file as it is, still correct."""
    answer = client.get("/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in answer.headers
    assert answer.get_data() == client.get("/vendor/leaflet/leaflet.js").get_data()


@pytest.mark.parametrize("path", ["/grid/JN-01", "/planner", "/api/stations"])
def test_a_logged_in_callers_answers_are_never_compressed(grid_app_factory, path):
    client = logged_in(grid_app_factory(), "leader1")
    answer = client.get(path, headers={"Accept-Encoding": "gzip, br, zstd"})
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_error_page_is_not_compressed(client):
    answer = client.get("/no-such-page", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 404
    assert "Content-Encoding" not in answer.headers
    assert "页面不存在" in answer.get_data(as_text=True)


def test_chromium_on_a_phone_gets_the_home_page_and_leaflet_compressed(live_server, offline_page):
    session = offline_page(375, 667)
    page = session.page
    encodings: dict[str, str | None] = {}
    page.on("response", lambda r: encodings.__setitem__(
        r.url.removeprefix(live_server), r.all_headers().get("content-encoding")))
    page.goto(f"{live_server}/", wait_until="networkidle")
    assert page.locator(".leaflet-container").count() == 1  # the map ran from the scripts
    assert encodings["/"] == "zstd"
    assert encodings["/vendor/leaflet/leaflet.js"] == "zstd"
    assert session.errors == [] and session.blocked == []
