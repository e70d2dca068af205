"""The six-step loop as a table: which action moves which status, and which roles may take it.

reported (上报) → opened (立案) → dispatched (派遣) → handled (处置) → feedback (反馈) →
closed (结案归档). Besides the main line: ``reject`` closes a report that is not a case
(不予立案), ``return`` sends handled work back to be done again (退回重办), and ``escalate``
moves an incident up the levels grid → village → town → county without changing its status.

Pure: no database, no HTTP. ``gis_api.features.incidents.service`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from boundaries.errors import Conflict, InvalidInput, PermissionDenied

STATUSES: tuple[str, ...] = ("reported", "opened", "dispatched", "handled", "feedback", "closed")
STATUS_NAMES = {
    "reported": "上报",
    "opened": "立案",
    "dispatched": "派遣",
    "handled": "处置",
    "feedback": "反馈",
    "closed": "结案归档",
}
OPEN_STATUSES = STATUSES[:-1]
LEVELS: tuple[str, ...] = ("grid", "village", "town", "county")
LEVEL_NAMES = {"grid": "网格", "village": "村社区", "town": "乡镇街道", "county": "区县"}
SEVERITIES: tuple[str, ...] = ("general", "major", "urgent")
SEVERITY_NAMES = {"general": "一般", "major": "重大", "urgent": "紧急"}
SOURCES: tuple[str, ...] = ("grid_worker", "public", "video", "hotline", "superior")
SOURCE_NAMES = {
    "grid_worker": "网格员上报",
    "public": "群众上报",
    "video": "视频发现",
    "hotline": "12345热线",
    "superior": "上级交办",
}

COMMAND = frozenset({"admin", "dispatcher"})
"""Command-centre staff: open, dispatch, return, close, reject, escalate."""
HANDLERS = frozenset({"admin", "dispatcher", "service"})
"""Whoever does the work: the centre, or a handling unit's system through a ``service`` key."""
REPORTERS = frozenset({"admin", "dispatcher", "service"})
"""Who may report: the centre, and systems (12345 hotline, video analysis, grid-worker apps)."""
READERS = frozenset({"admin", "planner", "dispatcher", "viewer", "service"})
"""Who may read incidents (reporters' names and phones only with the ``personal`` permission)."""


@dataclass(frozen=True)
class Action:
    """One kind of step: from which statuses, to which status, by which roles."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    """The status after the step; None keeps the status (escalate)."""
    roles: frozenset[str]
    commands: bool
    """Whether only a centre at (or above) the incident's level may take it."""
    timestamp: str | None
    """The incident column that records when the step was taken."""


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("open", "立案", ("reported",), "opened", COMMAND, True, "opened_at"),
        Action("reject", "不予立案", ("reported",), "closed", COMMAND, True, "closed_at"),
        Action("dispatch", "派遣", ("opened",), "dispatched", COMMAND, True, "dispatched_at"),
        Action("handle", "处置", ("dispatched",), "handled", HANDLERS, False, "handled_at"),
        Action("feedback", "反馈", ("handled",), "feedback", HANDLERS, False, "feedback_at"),
        Action("return", "退回重办", ("handled", "feedback"), "dispatched", COMMAND, True, None),
        Action("close", "结案归档", ("feedback",), "closed", COMMAND, True, "closed_at"),
        Action(
            "escalate",
            "上报上级",
            ("reported", "opened", "dispatched"),
            None,
            COMMAND,
            False,
            None,
        ),
    )
}


def allowed_actions(status: str) -> list[str]:
    """The actions that may follow ``status``, in the table's order."""
    if status not in STATUSES:
        raise ValueError(f'`status` was "{status}" but is expected to be one of {STATUSES}')
    return [name for name, action in ACTIONS.items() if status in action.sources]


def initial_level(severity: str) -> str:
    """Where a new report is handled: major and urgent go straight to the county."""
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity was {severity!r} but is expected to be one of {SEVERITIES}")
    return "county" if severity in ("major", "urgent") else "grid"


def jurisdiction_level(jurisdiction: str) -> int:
    """The level a key acts at, as an index of :data:`LEVELS` (4: above every county).

    A jurisdiction is an area-code prefix: "" (everything) is above the counties, up to 6
    digits a county centre, up to 9 a town centre, up to 12 a village centre.
    """
    if not jurisdiction:
        return len(LEVELS)
    if len(jurisdiction) <= 6:
        return LEVELS.index("county")
    if len(jurisdiction) <= 9:
        return LEVELS.index("town")
    return LEVELS.index("village")


@dataclass(frozen=True)
class Step:
    """The outcome of a checked step: the new status and level."""

    action: Action
    status: str
    level: str


def plan_step(
    *,
    action: str,
    status: str,
    level: str,
    role: str,
    jurisdiction: str,
    to_level: str | None = None,
) -> Step:
    """Check one step against the table and return its outcome.

    Raises:
        InvalidInput: For an unknown action or escalation target.
        PermissionDenied: When the role may not take the action, or a centre below the
            incident's level tries a command step.
        Conflict: When the action does not follow the current status (the message and the
            details list the allowed actions), or an escalation cannot go higher.

    """
    if action not in ACTIONS:
        raise InvalidInput(f"action was {action!r} but is expected to be one of {list(ACTIONS)}")
    step = ACTIONS[action]
    if role not in step.roles:
        raise PermissionDenied(
            f"a key with role '{role}' may not {action} an incident; roles that may: "
            f"{', '.join(sorted(step.roles))}"
        )
    allowed = allowed_actions(status)
    if status not in step.sources:
        raise Conflict(
            f"'{action}' is not allowed on an incident that is '{status}' "
            f"({STATUS_NAMES[status]}); allowed now: "
            f"{', '.join(allowed) or 'none (it is closed and archived)'}",
            details={"status": status, "action": action, "allowed": allowed},
        )
    acting = jurisdiction_level(jurisdiction)
    if step.commands and acting < LEVELS.index(level):
        raise PermissionDenied(
            f"the incident is handled at {level} level ({LEVEL_NAMES[level]}); a key of a "
            f"{LEVELS[acting]} centre may not {action} it"
        )
    new_level = level
    if action == "escalate":
        new_level = _escalation_target(level, to_level, allowed)
    elif to_level is not None:
        raise InvalidInput("`to_level` is only used with action 'escalate'")
    return Step(action=step, status=step.target or status, level=new_level)


def _escalation_target(level: str, to_level: str | None, allowed: list[str]) -> str:
    here = LEVELS.index(level)
    if here == len(LEVELS) - 1:
        raise Conflict(
            "the incident is already handled by the county centre; there is no higher level",
            details={"level": level, "allowed": [a for a in allowed if a != "escalate"]},
        )
    if to_level is None:
        return LEVELS[here + 1]
    if to_level not in LEVELS:
        raise InvalidInput(f"to_level was {to_level!r} but is expected to be one of {LEVELS}")
    if LEVELS.index(to_level) <= here:
        raise InvalidInput(
            f"to_level {to_level!r} is not above the incident's level {level!r}; "
            f"escalation goes grid → village → town → county"
        )
    return to_level
