"""Every text a user reads comes from `templates/<type>.jinja`: the title, the in-app text and
the HTML email, with the user's name and times in the user's timezone."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

TYPES = ("welcome", "reminder", "digest", "task_completed", "custom")


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@pass_context
def _local(context: Context, value: datetime | str | None) -> str:
    """A time as the user reads it: `Fri 27 Nov 14:30 (Europe/Paris)`."""
    if value is None:
        return "(no due date)"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    tz = zone(context.get("timezone"))
    return f"{moment.astimezone(tz):%a %d %b %H:%M} ({tz.key})"


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("notification_service", "templates"),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
    )
    env.filters["local"] = _local
    return env


_PLAIN = _environment(html=False)
_HTML = _environment(html=True)

DEFAULTS: dict[str, Any] = {
    "task_title": None,
    "due_at": None,
    "completed_at": None,
    "tasks": [],
    "title": "",
    "message": "",
}


def render(kind: str, *, name: str, timezone: str = "UTC", **data: Any) -> Message:
    """The three parts of a `kind` message (one of TYPES)."""
    if kind not in TYPES:
        raise ValueError(f"no template for {kind!r}")
    context = {**DEFAULTS, **data, "name": name, "timezone": timezone}
    source = f"{kind}.jinja"
    return Message(
        title=_PLAIN.get_template(source).render(context, part="title").strip(),
        text=_PLAIN.get_template(source).render(context, part="text").strip(),
        html=_HTML.get_template(source).render(context, part="html").strip(),
    )
