"""Keyset paging: an opaque cursor naming the last row seen (its time and id)."""

import base64
import binascii
import json
from datetime import datetime


class BadCursor(ValueError):
    """The cursor was not made by this service."""


def encode_cursor(at: datetime, row_id: str) -> str:
    raw = json.dumps({"k": at.isoformat(), "i": row_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return datetime.fromisoformat(data["k"]), str(data["i"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadCursor("cursor is not valid") from exc
