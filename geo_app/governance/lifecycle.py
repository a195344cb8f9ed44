"""The life of a view: 采集 → 审核 → 立案 → 派遣 → 处置 → 反馈 → 结案, and its side exits.

A step names the state it leads to (``to``). 审核 (moderation) has two outcomes: ``published``
(shown on the public map) or ``hidden`` (kept off it, with a reason). Side exits from before
立案: 不予受理 (``rejected``, with a reason) and 重复 (``duplicate``, linked to the original);
转办 (``transferred``) hands the view to another grid, where it waits for that grid's review
again (its visibility kept). After 反馈 the check either closes the view (``closed``) or sends it
back to 处置 (``in_progress``). ``closed``, ``rejected`` and ``duplicate`` are final.

Who may take a step: 审核, 立案, 不予受理, 重复, 转办 and 结案 are the grid leader's (and the
admin's) decisions; 派遣, 处置 and 反馈 may also be done by a 红色小管家.
"""

from __future__ import annotations

from geo_app.store.roles import ADMIN, GRID_LEADER, STEWARD

#: Every state with its label, in lifecycle order.
STATES: dict[str, str] = {
    "submitted": "采集（待审核）",
    "published": "审核通过（公开）",
    "hidden": "审核通过（不公开）",
    "accepted": "立案",
    "assigned": "派遣",
    "in_progress": "处置中",
    "answered": "已反馈",
    "closed": "结案",
    "rejected": "不予受理",
    "duplicate": "重复（已合并）",
}
#: The step ``transferred`` (转办) is not a state: the view moves to another grid.
TRANSFER = "transferred"
#: Every step a caller may ask for (``to``), with its label.
STEPS: dict[str, str] = {
    "published": "审核：公开",
    "hidden": "审核：不公开",
    "accepted": "立案",
    "assigned": "派遣",
    "in_progress": "开始处置",
    "answered": "反馈",
    "closed": "结案",
    "rejected": "不予受理",
    "duplicate": "标为重复",
    TRANSFER: "转办",
}
#: State → the steps allowed from it.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("published", "hidden", "rejected", "duplicate", TRANSFER),
    "published": ("hidden", "accepted", "rejected", "duplicate", TRANSFER),
    "hidden": ("published", "accepted", "rejected", "duplicate", TRANSFER),
    "accepted": ("assigned", "rejected", TRANSFER),
    "assigned": ("assigned", "in_progress"),
    "in_progress": ("answered",),
    "answered": ("closed", "in_progress"),
    "closed": (),
    "rejected": (),
    "duplicate": (),
}
FINAL_STATES = frozenset(s for s, steps in TRANSITIONS.items() if not steps)
#: Not yet answered: these count against the due date and are "open" for duplicates.
UNANSWERED_STATES = frozenset(
    {"submitted", "published", "hidden", "accepted", "assigned", "in_progress"}
)
#: Steps only the grid leader (or admin) may take; the others a steward may take too.
LEADER_STEPS = frozenset(
    {"published", "hidden", "accepted", "closed", "rejected", "duplicate", TRANSFER}
)
STAFF_ROLES: tuple[str, ...] = (ADMIN, GRID_LEADER, STEWARD)
#: Steps whose note is shown to the resident (the answer, the reasons, the hand-over).
PUBLIC_NOTE_STEPS = frozenset(
    {"hidden", "answered", "closed", "rejected", "duplicate", TRANSFER}
)
#: Steps that need a note, and what it is.
NOTE_REQUIRED: dict[str, str] = {
    "hidden": "不公开的原因",
    "rejected": "不予受理的原因",
    "answered": "给居民的答复",
}


def roles_for(step: str) -> tuple[str, ...]:
    """The roles that may take ``step``."""
    return (ADMIN, GRID_LEADER) if step in LEADER_STEPS else STAFF_ROLES


def is_allowed(state: str, step: str) -> bool:
    """Whether ``step`` may be taken from ``state``."""
    return step in TRANSITIONS.get(state, ())


def state_after(state: str, step: str, *, public: bool) -> str:
    """The state a view is in after ``step`` (转办: back to review in the new grid)."""
    if step != TRANSFER:
        return step
    if state == "submitted":  # not reviewed yet: the new grid reviews it
        return "submitted"
    return "published" if public else "hidden"  # reviewed: its visibility is kept
