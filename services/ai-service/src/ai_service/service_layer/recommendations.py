"""Which open tasks a user should do next: the ranking, with their history when it can be read."""

import logging
from dataclasses import dataclass
from datetime import datetime

from ai_service.domain import profile
from ai_service.domain.ranking import OpenTask, Recommendation, rank
from ai_service.service_layer.activity import history_key
from dapr_common import DaprClient, DaprError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommend:
    """The command: rank `tasks` for `user_id` (None: without history) at `now`."""

    user_id: str | None
    tasks: tuple[OpenTask, ...]
    now: datetime
    timezone: str
    limit: int


@dataclass(frozen=True)
class Recommended:
    items: tuple[Recommendation, ...]
    # False when the activity profile could not be read (ranked without history).
    used_history: bool


async def recommend(dapr: DaprClient, command: Recommend) -> Recommended:
    history, used = None, False
    if command.user_id:
        try:
            stored = await dapr.state.get(history_key(command.user_id))
            history = profile.summarize(stored.value if stored else None, command.timezone)
            used = True
        except DaprError as exc:
            log.warning("ranking without history: the profile is unreadable (%s)", exc)
    ranked = rank(list(command.tasks), command.now, command.limit, history, command.timezone)
    return Recommended(tuple(ranked), used)
