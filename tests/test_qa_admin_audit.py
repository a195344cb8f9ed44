"""QA pass (admin): every change in the audit log reads as a Chinese sentence.

The layer editor's saves and the volunteering entries (sign-ups, check-ins, points, goods)
showed as raw codes ("layer.update stations/S-1", "checkin activity:58"). The tiny community
of support.grid_community: station S-1 风格城市党群服务站 in grid JN-01.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from support.layer_editor import layer_editor_client

from geo_app.store.audit_text import Names, what_happened
from geo_app.store.models import AuditEntry

NAMES = Names(people={}, stations={"PS-01": "风格城市党群服务站"}, buildings={}, grids={})


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (AuditEntry(action="checkin", target="activity:58", note="陆昌子 签到",
                    after={"card": "JN00089", "method": "card"}),
         "签到（活动 58，志愿者 JN00089）"),  # the volunteer's full name is not repeated
        (AuditEntry(action="signup.confirmed", target="activity:61", note="已报名",
                    after={"card": "JN00111", "status": "confirmed"}),
         "已报名（活动 61，志愿者 JN00111）"),
        (AuditEntry(action="activity.create", target="activity:61", note="发布文体活动",
                    after={"title": "写春联", "kind": "culture"}),
         "发布文体活动（活动 61「写春联」）"),
        (AuditEntry(action="goods.redeemed", target="station:PS-01/tissue", note="纸巾 兑换 1包",
                    before={"count": 40}, after={"count": 39}),
         "纸巾 兑换 1包（风格城市党群服务站）"),
        (AuditEntry(action="team.create", target="team:10", note="成立队伍",
                    after={"name": "舞蹈一队", "kind": "dance"}),
         "成立队伍（队伍 10「舞蹈一队」）"),
        (AuditEntry(action="points.redeem", target="volunteer:JN00019",
                    note="兑换物品 -10：兑换纸巾 1包（redemption:22）",
                    before={"balance": 20}, after={"balance": 10}),
         "兑换物品 -10：兑换纸巾 1包（redemption:22）（志愿者 JN00019）"),
    ],
    ids=lambda value: getattr(value, "action", ""),
)
def test_entries_told_by_their_note_read_as_chinese(entry, expected):
    assert what_happened(entry, NAMES) == expected


def test_an_entry_without_sentence_or_note_still_shows_what_it_is():
    entry = AuditEntry(action="something.new", target="thing:1", note="")
    assert what_happened(entry, NAMES) == "something.new thing:1"


@pytest.fixture
def editor(grid_app_factory, tmp_path):
    return layer_editor_client(grid_app_factory, tmp_path)


def _rows(client, query: str) -> list[tuple[str, str]]:
    """(action, 内容) of each row of the audit page."""
    html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    return [(action, unescape(re.sub(r"<[^>]+>", "", what)).strip())
            for action, what in re.findall(
                r'<tr data-action="([^"]+)">(?:\s*<td[^>]*>.*?</td>){2}\s*<td[^>]*>(.*?)</td>',
                html, re.S)]


def test_layer_edits_are_chinese_sentences_under_their_own_kind(editor):
    headers = {"X-CSRFToken": editor.token}
    moved = editor.post("/admin/api/layers/stations/S-1", headers=headers, json={
        "properties": {"contact": "0551-12345678"}, "lon": 117.2611, "lat": 31.9616})
    assert moved.status_code == 200, moved.get_json()
    created = editor.post("/admin/api/layers/stations", headers=headers, json={
        "properties": {"name": "和园东门歇歇角", "kind": "rest_post", "contact": "0551-3",
                       "items": {"umbrella": 3}}, "lon": 117.263, "lat": 31.9612})
    assert created.status_code == 201, created.get_json()
    kept = moved.get_json()["kept"]
    # the version has no RP-01, whose 3 umbrellas are written off with the restore
    restored = editor.post(f"/admin/layers/history/{kept}/restore",
                           data={"csrf_token": editor.token, "stock": "write_off"})
    assert restored.status_code == 302
    rows = _rows(editor, "kind=layer")
    assert rows == [
        ("layer.restore", f"把服务站点图层恢复为历史版本 {kept}（3 → 2 个要素）"),
        ("layer.create", "新增服务站点 和园东门歇歇角（RP-01）"),
        ("layer.update", "修改服务站点 风格城市党群服务站（S-1）：联系电话、位置"),
    ]
    csv_text = editor.get("/admin/audit.csv?kind=layer").get_data(as_text=True)
    assert "修改服务站点 风格城市党群服务站（S-1）：联系电话、位置" in csv_text
    assert ",图层编辑," in csv_text
