"""``geo-app import roster``: the households 台账 (Excel or CSV) into the store.

Reading (:func:`read_roster`) checks every row and collects every problem with its sheet and
row, as the spreadsheet shows them; nothing is written while any problem is left. Columns are
found by their header (common variants accepted, :data:`HEADERS`); a title row above the
header is skipped. Each row is one person; rows with the same 楼栋, 单元 and 房号 are one
household, whose id is ``<building id>-<unit>-<room>`` (as in the sample roster). Cells
merged down a column in Excel (a 楼栋 over its rows) count for every row they cover; a merge
across columns of data is refused with the sheet and cell range (:func:`read_roster`).

Applying (:func:`apply_roster`) runs in the caller's write transaction, so it commits whole or
not at all: a household already in the store is updated (its members matched by name, members
no longer listed removed), a new one added, and one audit entry records the import.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
from openpyxl.worksheet.cell_range import CellRange
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from geo_app.imports.errors import ImportInputError
from geo_app.imports.reading import read_csv_text
from geo_app.imports.xlsx_merges import fill_merged, merged_ranges
from geo_app.store import audit
from geo_app.store.models import Household, Resident
from geo_app.store.people import ATTENTION_TAGS
from layers.quoting import quoted

T = TypeVar("T")

#: Column key → (the template's header, accepted variants), in the template's order.
HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "building": ("楼栋", ("楼栋号", "楼号", "楼栋编号", "楼栋名称", "栋", "楼宇")),
    "unit": ("单元", ("单元号",)),
    "room": ("房号", ("门牌号", "房间号", "室号", "户号", "房屋")),
    "name": ("姓名", ("名字", "居民姓名")),
    "relation": ("与户主关系", ("户主关系", "关系", "与户主的关系")),
    "gender": ("性别", ()),
    "birth_year": ("出生年份", ("出生年", "出生年月", "出生日期", "生日")),
    "phone": ("电话", ("联系电话", "手机", "手机号", "手机号码", "联系方式")),
    "party_member": ("党员", ("是否党员", "政治面貌")),
    "tags": ("关爱标签", ("标签", "关爱对象", "特殊人群", "人员类别")),
}
REQUIRED = ("building", "unit", "room", "name")
HEADER_ROWS_SEARCHED = 5
MAX_NAME = 32
MAX_ROOM = 16
MAX_RELATION = 16
EARLIEST_BIRTH_YEAR = 1900
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_GENDERS = {"男": "男", "女": "女", "m": "男", "f": "女", "male": "男", "female": "女"}
_PARTY_YES = {"是", "党员", "中共党员", "预备党员", "中共预备党员", "y", "yes", "true", "1", "√"}
_PARTY_NO = {"否", "不是", "群众", "团员", "共青团员", "n", "no", "false", "0", "×"}
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class RosterProblem:
    """One problem of one row: where (file, sheet, row, column) and why."""

    file: str
    row: int | None
    reason: str
    column: str | None = None
    sheet: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"工作表 {self.sheet}")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列 {self.column}")
        return f"{' '.join(where)}：{self.reason}"


@dataclass
class Person:
    """A person as the roster gives them."""

    name: str
    relation: str
    gender: str
    birth_year: int
    phone: str | None
    party_member: bool


@dataclass
class RosterHousehold:
    """A household of the roster: where it lives, its members and tags, its first row."""

    id: str
    building_id: str
    unit: int
    room: str
    row: int
    sheet: str
    members: list[Person] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class Roster:
    """A checked roster: households by id, and every problem found."""

    file: str
    rows: int = 0
    households: dict[str, RosterHousehold] = field(default_factory=dict)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(len(h.members) for h in self.households.values())


@dataclass
class RosterOutcome:
    """How many households an apply added, updated or found unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


# --- reading the sheet -------------------------------------------------------------------


def _key(text: Any) -> str:
    return re.sub(r"[\s*（）()：:]", "", str(text or "")).lower()


_HEADER_KEYS = {
    _key(variant): column
    for column, (header, variants) in HEADERS.items()
    for variant in (header, *variants)
}


def _header_map(row: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        column = _HEADER_KEYS.get(_key(cell))
        if column is not None and column not in found:
            found[column] = index
    return found


def _sheets(path: Path) -> Iterator[tuple[str | None, list[list[Any]], list[CellRange]]]:
    """(sheet name or ``None`` for a CSV, rows as lists of cell values, merged ranges).

    An .xlsx is read in openpyxl's read-only mode (rows streamed, values only), which does not
    expose merges: they come from :func:`~geo_app.imports.xlsx_merges.merged_ranges` (why, and
    what each mode costs in memory, is told there).
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".csv", ".txt") and not path.is_file():
        msg = f"{path}：文件不存在"
        raise ImportInputError(msg, parameter="FILE")
    if suffix in (".xlsx", ".xlsm"):
        from zipfile import BadZipFile

        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except BadZipFile as exc:  # an .xlsx is a zip archive; this one is not
            msg = f"{path}：不是有效的 Excel 文件（.xlsx），可能已损坏或只是改了扩展名"
            raise ImportInputError(msg, parameter="FILE") from exc
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            msg = f"{path}：无法读取 Excel 文件（{exc}）"
            raise ImportInputError(msg, parameter="FILE") from exc
        try:
            merges = merged_ranges(path)
            for sheet in workbook.worksheets:
                rows = [list(r) for r in sheet.iter_rows(values_only=True)]
                yield sheet.title, rows, merges.get(sheet.title, [])
        finally:
            workbook.close()
    elif suffix in (".csv", ".txt"):
        text = read_csv_text(path)
        yield None, [list(r) for r in csv.reader(text.splitlines())], []
    else:
        msg = f"{path}：台账应为 .xlsx 或 .csv 文件"
        raise ImportInputError(msg, parameter="FILE")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _BuildingIndex:
    """Buildings by id and by name (spaces ignored); a name two buildings share is ambiguous."""

    def __init__(self, buildings: gpd.GeoDataFrame) -> None:
        self.ids = set(buildings["id"].astype(str))
        self.by_name: dict[str, list[str]] = {}
        for bid, name, compound in zip(
            buildings["id"].astype(str), buildings["name"], buildings["compound"], strict=True
        ):
            for label in {str(name), f"{compound}{name}"}:
                self.by_name.setdefault(_key(label), []).append(bid)

    def find(self, text: str) -> tuple[str | None, str | None]:
        """(building id, problem)."""
        if text in self.ids:
            return text, None
        matches = sorted(set(self.by_name.get(_key(text), [])))
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, f"楼栋 {quoted(text)} 对应多栋楼（{'、'.join(matches)}），请填楼栋编号"
        return None, f"找不到楼栋 {quoted(text)}（应为楼栋编号或名称）"


def _birth_year(value: Any) -> tuple[int | None, str | None]:
    this_year = dt.date.today().year
    if isinstance(value, (dt.date, dt.datetime)):
        year = value.year
    else:
        text = _text(value)
        match = re.fullmatch(
            r"(\d{4})(?:\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?)?\s*月?)?", text
        )
        if not match:
            return None, f"出生年份 {quoted(text)} 应为四位年份，如 1956"
        year = int(match.group(1))
    if not EARLIEST_BIRTH_YEAR <= year <= this_year:
        return None, f"出生年份 {year} 不在 {EARLIEST_BIRTH_YEAR}–{this_year} 之间"
    return year, None


def _phone(value: Any) -> tuple[str | None, str | None]:
    text = re.sub(r"[\s]", "", _text(value))
    if not text:
        return None, None
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text, None
    return None, f"电话 {quoted(text)} 格式不正确（手机 11 位，以 1 开头；座机如 0551-12345678）"


def _party(value: Any) -> tuple[bool, str | None]:
    text = _text(value).lower()
    if not text or text in _PARTY_NO:
        return False, None
    if text in _PARTY_YES:
        return True, None
    return False, f"党员 {quoted(text)} 应为 是/否（或 中共党员/群众）"


def _tags(value: Any) -> tuple[list[str], str | None]:
    tags = [t for t in _TAG_SPLIT.split(_text(value)) if t and t != "无"]
    unknown = [t for t in tags if t not in ATTENTION_TAGS]
    if unknown:
        return [], f"未知关爱标签 {'、'.join(unknown)}（可选：{'、'.join(ATTENTION_TAGS)}）"
    return tags, None


def _find_header(rows: list[list[Any]]) -> tuple[int | None, dict[str, int]]:
    """(index of the header row among the first rows, column key → index), or (None, {}).

    The first row naming every required column; else the first naming as many columns (its
    missing ones are then reported): in a header over two rows, 住址 above 楼栋/单元/房号 and
    the other headers merged down both rows, the second row is the header.
    """
    candidates = [
        (i, m)
        for i, r in enumerate(rows[:HEADER_ROWS_SEARCHED])
        if len(m := _header_map(r)) >= len(REQUIRED)
    ]
    complete = (c for c in candidates if all(k in c[1] for k in REQUIRED))
    return next(complete, candidates[0] if candidates else (None, {}))


def _refused_merge(merge: CellRange, header_row: int, columns: dict[str, int]) -> str | None:
    """Why ``merge`` (sheet rows and columns count from 1) cannot be read as roster data, or
    ``None``: a merge above or beside the data (a title over the header) is fine, and so is
    one down one column (a 楼栋 over its rows), whose value every row it covers takes."""
    if merge.max_row <= header_row:
        return None
    read = [HEADERS[c][0] for c, i in sorted(columns.items(), key=lambda kv: kv[1])
            if merge.min_col <= i + 1 <= merge.max_col]
    if not read:
        return None
    if merge.min_row <= header_row:
        return (f"合并单元格 {merge.coord} 从表头一直合并到下面的数据行（{'、'.join(read)} 列），"
                "请取消合并：表头下的每一行应各自填写")
    if len(read) > 1:
        return (f"合并单元格 {merge.coord} 横跨 {'、'.join(read)} {len(read)} 列：同一行的不同列"
                "合并成一格，无法知道每列各填什么；只有同一列上下几行可以合并（如同一楼栋），"
                "请取消这个合并并分别填写")
    return None


def read_roster(path: Path, *, buildings: gpd.GeoDataFrame) -> Roster:
    """Read and check the roster at ``path`` against the buildings layer; nothing is written.

    A cell merged down one column (a 楼栋 or 单元 over several rows, as rosters kept in Excel
    have them) gives its value to every row it covers; a row whose only content comes from
    such a merge is blank. A merge across two or more of the columns read, or from the header
    into the rows below, is a problem of its own (no value is guessed for it).
    """
    roster = Roster(str(path))
    index = _BuildingIndex(buildings)
    seen_people: dict[tuple[str, str], int] = {}
    heads: dict[str, int] = {}
    found_any = False
    for sheet, rows, merges in _sheets(path):
        top = [list(r) for r in rows[:HEADER_ROWS_SEARCHED]]
        fill_merged(top, merges)  # a header may be merged over two rows
        header_at, columns = _find_header(top)
        if header_at is None:
            continue
        missing = [HEADERS[c][0] for c in REQUIRED if c not in columns]
        if missing:
            roster.problems.append(
                RosterProblem(
                    roster.file, header_at + 1, f"缺少列 {'、'.join(missing)}", sheet=sheet
                )
            )
            continue
        found_any = True
        readable = []
        for merge in merges:
            reason = _refused_merge(merge, header_at + 1, columns)
            if reason is None:
                readable.append(merge)
            else:
                roster.problems.append(RosterProblem(roster.file, merge.min_row, reason,
                                                     sheet=sheet))
        data = rows[header_at + 1 :]
        own = [any(_text(r[i]) for i in columns.values() if i < len(r)) for r in data]
        fill_merged(rows, readable)
        for offset, (row, has_own) in enumerate(zip(data, own, strict=True),
                                                start=header_at + 2):
            if not has_own:  # blank, or only a merge above running on
                continue
            cells = {c: (row[i] if i < len(row) else None) for c, i in columns.items()}
            roster.rows += 1
            _read_row(roster, index, cells, offset, sheet, seen_people, heads)
    if not found_any and not roster.problems:
        wanted = "、".join(HEADERS[c][0] for c in REQUIRED)
        roster.problems.append(
            RosterProblem(roster.file, None, f"没有找到表头（至少需要 {wanted} 列）")
        )
    return roster


def _read_row(
    roster: Roster,
    index: _BuildingIndex,
    cells: dict[str, Any],
    row: int,
    sheet: str | None,
    seen_people: dict[tuple[str, str], int],
    heads: dict[str, int],
) -> None:
    problems: list[RosterProblem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(RosterProblem(roster.file, row, reason, HEADERS[column][0], sheet))

    def parsed(column: str, parse: Callable[[Any], tuple[T, str | None]]) -> T:
        """The cell of ``column`` read by ``parse``; its reason, if any, is a problem."""
        value, reason = parse(cells.get(column))
        if reason:
            problem(column, reason)
        return value

    for column in REQUIRED:
        if _text(cells.get(column)) == "":
            problem(column, "缺少必填内容")
    building_id, unit, room, name = None, None, _text(cells.get("room")), _text(cells.get("name"))
    if _text(cells.get("building")):
        building_id, reason = index.find(_text(cells["building"]))
        if reason:
            problem("building", reason)
    unit_text = _text(cells.get("unit")).removesuffix("单元")
    if unit_text:
        if re.fullmatch(r"\d+", unit_text) and int(unit_text) >= 1:
            unit = int(unit_text)
        else:
            problem("unit", f"单元 {quoted(unit_text)} 应为正整数")
    if len(room) > MAX_ROOM:
        problem("room", f"房号过长（至多 {MAX_ROOM} 个字符）")
    if len(name) > MAX_NAME:
        problem("name", f"姓名过长（至多 {MAX_NAME} 个字符）")
    relation = _text(cells.get("relation")) or "户主"
    if len(relation) > MAX_RELATION:
        problem("relation", f"与户主关系过长（至多 {MAX_RELATION} 个字符）")
    gender = _GENDERS.get(_text(cells.get("gender")).lower())
    if gender is None:
        problem("gender", f"性别 {quoted(_text(cells.get('gender')))} 应为 男 或 女")
    birth_year = parsed("birth_year", _birth_year)
    phone = parsed("phone", _phone)
    party = parsed("party_member", _party)
    tags = parsed("tags", _tags)
    if building_id and unit and room:
        household_id = f"{building_id}-{unit}-{room}"
        if name and (household_id, name) in seen_people:
            problem(
                "name",
                f"{name} 在 {household_id} 中重复（第 {seen_people[household_id, name]} 行）",
            )
        elif name:
            seen_people[household_id, name] = row
        if relation == "户主":
            if household_id in heads:
                problem("room", f"房号重复：{household_id} 已有户主（第 {heads[household_id]} 行）")
            else:
                heads[household_id] = row
    if problems:
        roster.problems.extend(problems)
        return
    if building_id is None or unit is None or gender is None or birth_year is None:
        # each of them is None only together with a problem on this row
        msg = f"{roster.file} 第 {row} 行：楼栋、单元、性别或出生年份没有读到值"
        raise AssertionError(msg)
    household = roster.households.setdefault(
        household_id,
        RosterHousehold(household_id, building_id, unit, room, row, sheet or ""),
    )
    household.members.append(Person(name, relation, gender, birth_year, phone, party))
    household.tags.extend(t for t in tags if t not in household.tags)


# --- writing to the store ----------------------------------------------------------------


def _member_state(resident: Resident | Person) -> dict[str, Any]:
    return {
        "name": resident.name,
        "relation": resident.relation,
        "gender": resident.gender,
        "birth_year": resident.birth_year,
        "phone": resident.phone,
        "party_member": bool(resident.party_member),
    }


def apply_roster(session: Session, roster: Roster, *, actor: str) -> RosterOutcome:
    """Write ``roster`` in ``session``'s transaction (add or update households), audited.

    The caller's transaction makes it all or nothing; a roster with problems is refused.
    """
    if roster.problems:
        msg = f"台账有 {len(roster.problems)} 个问题，未写入"
        raise ImportInputError(msg, parameter="FILE")
    outcome = RosterOutcome()
    ids = list(roster.households)
    existing = (
        {
            h.id: h
            for h in session.scalars(
                select(Household)
                .where(Household.id.in_(ids))
                .options(selectinload(Household.members))
            )
        }
        if ids
        else {}
    )
    added, updated = [], []
    for household_id, incoming in roster.households.items():
        current = existing.get(household_id)
        if current is None:
            session.add(
                Household(
                    id=household_id,
                    building_id=incoming.building_id,
                    unit=incoming.unit,
                    room=incoming.room,
                    tags=list(incoming.tags),
                    members=[Resident(**_member_state(p)) for p in incoming.members],
                )
            )
            added.append(household_id)
            continue
        if _update(session, current, incoming):
            updated.append(household_id)
        else:
            outcome.unchanged += 1
    outcome.added, outcome.updated = len(added), len(updated)
    session.flush()
    audit.record(
        session, actor=actor, action="roster.import", target=f"roster:{Path(roster.file).name}",
        after={
            "rows": roster.rows,
            "added": added,
            "updated": updated,
            "unchanged": outcome.unchanged,
            "residents": roster.people,
        },
        note=f"导入住户台账 {Path(roster.file).name}",
    )
    return outcome


def _update(session: Session, current: Household, incoming: RosterHousehold) -> bool:
    """Bring ``current`` to the roster's state; whether anything changed."""
    changed = False
    if list(current.tags or []) != incoming.tags:
        current.tags = list(incoming.tags)
        changed = True
    by_name = {r.name: r for r in current.members}
    listed = set()
    for person in incoming.members:
        listed.add(person.name)
        state = _member_state(person)
        resident = by_name.get(person.name)
        if resident is None:
            current.members.append(Resident(**state))
            changed = True
        elif _member_state(resident) != state:
            for key, value in state.items():
                setattr(resident, key, value)
            changed = True
    for resident in list(current.members):
        if resident.name not in listed:
            current.members.remove(resident)
            session.delete(resident)
            changed = True
    return changed
