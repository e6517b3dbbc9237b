"""The bodies of ai-service's invoked method (camelCase on the wire)."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TaskIn(Wire):
    id: str = Field(min_length=1, max_length=36)
    title: str = Field(max_length=200)
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    tags: list[str] = Field(default_factory=list, max_length=20)
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None


class RecommendationRequest(Wire):
    user_id: str | None = Field(default=None, max_length=36)
    tasks: list[TaskIn] = Field(max_length=5000)
    now: AwareDatetime | None = None
    timezone: str = Field(default="UTC", max_length=64)
    limit: int = Field(default=5, ge=1, le=50)


class Item(Wire):
    task_id: str
    title: str
    score: float
    reasons: list[str]


class RecommendationResponse(Wire):
    items: list[Item]
    generated_at: datetime
    # False when the activity profile could not be read (ranked without history).
    used_history: bool
