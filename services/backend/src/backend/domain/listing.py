"""How a task list is filtered, sorted and paged: keyset cursors that survive inserts."""

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The one order of priorities: the list's sort, its cursors and the SQL rank use it.
PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class Sort(StrEnum):
    due_at = "due_at"
    due_at_desc = "-due_at"
    priority = "priority"
    priority_desc = "-priority"
    created_at = "created_at"
    created_at_desc = "-created_at"
    title_asc = "title"

    @property
    def field(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


class BadCursor(ValueError):
    """The cursor was not made by this API for this sort order."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the sort key and id of the last item served."""

    sort: Sort
    key: Any
    id: str

    def encode(self) -> str:
        raw = json.dumps({"s": self.sort.value, "k": self.key, "i": self.id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: Sort) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            cursor = cls(Sort(data["s"]), data["k"], str(data["i"]))
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise BadCursor("cursor is not valid") from exc
        if cursor.sort is not sort:
            raise BadCursor(f"cursor was made for sort={cursor.sort.value}, not {sort.value}")
        return cursor
