"""A view's photo: only from the device that sent it, checked, stripped of EXIF (GPS included),
re-encoded, and shown only to the grid's staff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from support.accounts import logged_in
from support.governance import IN_JN01, governance_app
from support.photos import GPS_IFD, photo_with_gps

from geo_app.governance.photos import PhotoError, clean_photo


@pytest.fixture
def app(tmp_path):
    return governance_app(tmp_path)


def _send(client) -> str:
    body = {"lon": IN_JN01[0], "lat": IN_JN01[1], "category": "roads",
            "text": "路面坑洼积水，附照片"}
    return client.post("/api/views", json=body).get_json()["code"]


def _upload(client, code: str, data: bytes, filename="p.jpg"):
    return client.post(f"/api/views/{code}/photo",
                       data={"photo": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _stored(app) -> list[Path]:
    return sorted(Path(app.config["VIEW_PHOTO_DIR"]).glob("*.jpg"))


def test_the_fixture_photo_really_carries_gps():
    exif = Image.open(io.BytesIO(photo_with_gps())).getexif()
    assert exif.get_ifd(GPS_IFD)[2] == (31.0, 57.0, 30.0)


def test_exif_and_gps_are_removed_and_the_photo_is_turned_upright(app):
    phone = app.test_client()
    code = _send(phone)
    original = photo_with_gps(orientation=6)  # "rotate 90° clockwise to view"
    response = _upload(phone, code, original)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"code": code, "has_photo": True}
    [path] = _stored(app)
    data = path.read_bytes()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {} and stored.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in data and b"TestCam" not in data
    assert stored.size == (48, 64)  # turned upright by its orientation, then the tag dropped
    # the status page says there is a photo, but never serves it
    status = app.test_client().get(f"/api/views/{code}").get_json()
    assert status["has_photo"] is True and path.name not in str(status)


def test_the_photo_is_served_only_to_the_grids_staff(app):
    phone = app.test_client()
    code = _send(phone)
    _upload(phone, code, photo_with_gps())
    view_id = logged_in(app, "leader1").get("/api/my/views").get_json()["views"][0]["id"]
    url = f"/staff/views/{view_id}/photo"
    for username in ("leader1", "steward1", "admin"):
        served = logged_in(app, username).get(url)
        served.close()
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "no-store" in served.headers["Cache-Control"]
    assert logged_in(app, "leader2").get(url).status_code == 404
    assert logged_in(app, "member1").get(url).status_code == 403
    assert app.test_client().get(url).status_code in (302, 401)


@pytest.mark.parametrize(
    ("data", "filename", "status", "words"),
    [
        (b"GIF89a" + b"\0" * 100, "p.gif", 400, "无法识别"),
        (b"not an image at all", "p.jpg", 400, "无法识别"),
        (b"", "p.jpg", 400, "为空"),
    ],
)
def test_wrong_files_are_refused(app, data, filename, status, words):
    phone = app.test_client()
    code = _send(phone)
    response = _upload(phone, code, data, filename)
    assert response.status_code == status
    assert response.get_json()["parameter"] == "photo" and words in response.get_json()["error"]
    assert _stored(app) == []


def test_a_type_not_allowed_is_refused(tmp_path):
    app = governance_app(tmp_path, VIEW_PHOTO_TYPES=["JPEG"])
    phone = app.test_client()
    response = _upload(phone, _send(phone), photo_with_gps(kind="PNG"), "p.png")
    assert response.status_code == 400 and "PNG" in response.get_json()["error"]


def test_too_large_or_too_many_pixels_is_refused(tmp_path):
    app = governance_app(tmp_path, VIEW_PHOTO_MAX_BYTES=500, VIEW_PHOTO_MAX_PIXELS=1000)
    phone = app.test_client()
    code = _send(phone)
    big = _upload(phone, code, photo_with_gps() + b"\0" * 1000)
    assert big.status_code == 413 and big.get_json()["parameter"] == "photo"
    assert big.get_json()["error"] == "照片太大：超过 500 字节 的上限，请换一张小一些的照片"
    app.config["VIEW_PHOTO_MAX_BYTES"] = 2048
    bigger = _upload(phone, code, photo_with_gps() + b"\0" * 10_000)
    assert bigger.get_json()["error"] == "照片太大：超过 2 KB 的上限，请换一张小一些的照片"
    app.config["VIEW_PHOTO_MAX_BYTES"] = 10**6
    many = _upload(phone, code, photo_with_gps())  # 64 × 48 = 3072 pixels
    assert many.status_code == 400 and "像素" in many.get_json()["error"]
    assert _stored(app) == []


def test_only_the_sending_device_may_add_one_photo(app):
    phone = app.test_client()
    code = _send(phone)
    stranger = app.test_client()
    assert _upload(stranger, code, photo_with_gps()).status_code == 404
    assert _upload(phone, code, photo_with_gps()).status_code == 200
    second = _upload(phone, code, photo_with_gps())
    assert second.status_code == 409
    assert len(_stored(app)) == 1  # the refused upload left no file behind


def test_a_photo_over_the_default_limit_names_the_limit_not_a_size_it_never_read():
    """The upload is read one byte past the limit: a 30 MB photo said "5.0 MB，最大 5 MB"."""
    with pytest.raises(PhotoError, match=r"^照片太大：超过 5 MB 的上限"):
        clean_photo(b"\xff" * (5 * 1048576 + 1), allowed_types=("JPEG",), max_bytes=5 * 1048576,
                    max_pixels=10**8, max_side=4096)
