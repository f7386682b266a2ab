"""What users build in code: the token counts of a workload over time, and the rows of a timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TOKENS = 10**10
DEFAULT_KEY = ""


class TrafficWorkload(BaseModel):
    """Token counts for queries whose timeline rows do not give their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens of every key (one key is one context); None: every row must say."""
    prompt_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens per query."""
    output_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    """Output tokens per query, thinking included."""


class TimelineRow(BaseModel):
    """One query of a timeline, as a user builds it in code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: Union[datetime, int, str]
    """When the query was sent: an aware datetime, epoch seconds (int, float, Decimal), or text (epoch seconds
    or ISO 8601 with a zone). Kept to the microsecond."""
    key: str = DEFAULT_KEY
    """Which context the query reuses; each key has its own caches."""
    context_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens (fixed per key); None: the workload's."""
    prompt_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens; None: the workload's."""
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Output tokens; None: the workload's."""

    @field_validator("timestamp", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        """Floats and Decimals keep the digits they were written with (repr), parsed exactly later."""
        if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        return value
