"""Message texts: every type renders from its template, names the user, shows times in the
user's timezone, and escapes what users wrote in the HTML email."""

from datetime import UTC, datetime

import pytest

from notification_service.domain.templates import TYPES, render

DUE = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_renders_all_three_parts(kind: str) -> None:
    message = render(kind, name="Ada", title="T", message="M", task_title="Pay rent", due_at=DUE)
    assert message.title and message.text and message.html.startswith("<p>Hi Ada,</p>")


def test_reminder_shows_the_due_time_in_the_users_timezone() -> None:
    message = render("reminder", name="Ada", timezone="Asia/Tokyo", task_title="Call", due_at=DUE)
    assert message.title == "Reminder: Call"
    assert message.text == '"Call" is due Fri 27 Nov 22:30 (Asia/Tokyo).'


def test_an_unknown_timezone_falls_back_to_utc() -> None:
    message = render("reminder", name="Ada", timezone="Mars/Base", task_title="x", due_at=DUE)
    assert "13:30 (UTC)" in message.text


def test_html_escapes_user_text_but_plain_text_keeps_it() -> None:
    message = render("reminder", name="<b>Ada</b>", task_title="a < b & c", due_at=DUE)
    assert "&lt;b&gt;Ada&lt;/b&gt;" in message.html and "a &lt; b &amp; c" in message.html
    assert "<b>" not in message.html.replace("<p>", "")
    assert message.title == "Reminder: a < b & c"


def test_digest_lists_each_task_and_counts_them() -> None:
    tasks = [{"title": "one", "due_at": DUE}, {"title": "two", "due_at": DUE.isoformat()}]
    message = render("digest", name="Ada", timezone="Europe/Paris", tasks=tasks)
    assert message.title == "Today: 2 tasks due or overdue"
    assert message.text.splitlines() == [
        "- one (due Fri 27 Nov 14:30 (Europe/Paris))",
        "- two (due Fri 27 Nov 14:30 (Europe/Paris))",
    ]
    assert message.html.count("<li>") == 2
    assert render("digest", name="A", tasks=tasks[:1]).title == "Today: 1 task due or overdue"


def test_task_completed_names_the_task_when_known() -> None:
    early = render("task_completed", name="Ada", task_title="Taxes", due_at=DUE, completed_at=DUE)
    assert early.text.startswith('You completed "Taxes", on time.')
    unknown = render("task_completed", name="Ada")
    assert unknown.text.startswith("You completed a task.")


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError):
        render("spam", name="Ada")
