"""Per-user preferences in the Dapr state store (kept until changed: no TTL, a digest must
not stop because nobody touched the settings for a month), and the daily digest job they
drive."""

from backend.db.models import User
from backend.domain.preferences import Preferences
from backend.domain.reminders import digest_job_name, digest_schedule
from backend.service_layer.errors import JobsUnavailable
from backend.service_layer.job_policy import JOB_FAILURE_POLICY
from dapr_common import DaprClient, DaprError


def key(user: User) -> str:
    return f"prefs-{user.id}"


def defaults(user: User) -> Preferences:
    """What a user who never saved preferences has: the choices made at registration."""
    return Preferences(timezone=user.timezone, channels=user.channels)  # type: ignore[arg-type]


async def stored_preferences(dapr: DaprClient, user: User) -> Preferences | None:
    """What the user saved, or None if they never did; an unreachable store raises DaprError
    (never read as "nothing saved")."""
    item = await dapr.state.get(key(user))
    return None if item is None else Preferences.model_validate(item.value)


async def get_preferences(dapr: DaprClient, user: User) -> Preferences:
    return await stored_preferences(dapr, user) or defaults(user)


async def preferences_or_defaults(dapr: DaprClient, user: User) -> Preferences:
    """The user's preferences, or their defaults while the state store is unreachable: for
    work that must go on regardless (a reminder is better sent to the default channels)."""
    try:
        return await get_preferences(dapr, user)
    except DaprError:
        return defaults(user)


async def put_preferences(dapr: DaprClient, user: User, prefs: Preferences) -> Preferences:
    """Keep the digest job in step first: if the scheduler refuses, nothing is saved."""
    name = digest_job_name(user.id)
    try:
        if prefs.digest_enabled:
            await dapr.jobs.schedule(
                name,
                schedule=digest_schedule(prefs.digest_time, prefs.timezone),
                data={"userId": user.id},
                overwrite=True,
                failure_policy=JOB_FAILURE_POLICY,
            )
        else:
            await dapr.jobs.delete(name)
    except DaprError as exc:
        raise JobsUnavailable(str(exc)) from exc
    # ttlInSeconds -1: kept for good, and a TTL an older release set on the key is removed
    # (Redis PERSIST; with no ttlInSeconds at all Dapr would leave that TTL in place).
    await dapr.state.save(key(user), prefs.model_dump(), metadata={"ttlInSeconds": "-1"})
    return prefs
