"""The roles of the four-level grid and what each one's assignment must hold.

小区党支部（网格长） → 红色小管家 → 楼栋党员 → 业主代表, plus the community admin and the
organisers of activities (team leaders).
"""

from __future__ import annotations

ADMIN = "admin"
GRID_LEADER = "grid_leader"
STEWARD = "steward"
BUILDING_MEMBER = "building_member"
OWNER_REP = "owner_rep"
#: A team leader or activity organiser (微活动): belongs to no grid.
ORGANISER = "organiser"

#: Every role, top of the hierarchy first, with the label people see.
ROLE_LABELS: dict[str, str] = {
    ADMIN: "社区管理员",
    GRID_LEADER: "小区党支部（网格长）",
    STEWARD: "红色小管家",
    BUILDING_MEMBER: "楼栋党员",
    OWNER_REP: "业主代表",
    ORGANISER: "活动组织者（队长）",
}
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

#: Roles whose account belongs to one grid.
GRID_ROLES: frozenset[str] = frozenset({GRID_LEADER, STEWARD, BUILDING_MEMBER, OWNER_REP})
#: Roles whose account looks after a set of buildings (all inside its grid).
BUILDING_ROLES: frozenset[str] = frozenset({BUILDING_MEMBER, OWNER_REP})
#: Roles that belong to no grid and look after no buildings.
UNGRIDDED_ROLES: frozenset[str] = frozenset({ADMIN, ORGANISER})
#: Roles that organise activities, check volunteers in and confirm their hours.
ORGANISING_ROLES: tuple[str, ...] = (ADMIN, STEWARD, ORGANISER)
#: Roles that see every building of their grid.
WHOLE_GRID_ROLES: frozenset[str] = frozenset({GRID_LEADER, STEWARD})
