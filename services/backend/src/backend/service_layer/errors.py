"""What the backend's use cases refuse, for the API to translate (api/errors.py)."""


class UnknownUser(Exception):
    """A valid token for a user the database does not have (a database rebuilt under it)."""


class TaskNotFound(Exception):
    """No such task for this user (another user's task is not found either)."""


class StaleTask(Exception):
    """If-Match named a version that is no longer current."""


class JobsUnavailable(Exception):
    """The scheduler could not be reached to keep a reminder or digest job in step."""


class EmailTaken(Exception):
    """Another account has this email."""


class WrongCredentials(Exception):
    """No account with this email and password (which part was wrong is not told)."""


class TooManyFailedLogins(Exception):
    """The account's failed-login budget is spent; `retry_after` seconds until it refills."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after}s")
        self.retry_after = retry_after


class NotificationNotFound(Exception):
    """No such notification for this user."""
