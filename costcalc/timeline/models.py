"""What users build in code: the token counts of a workload over time, and the rows of a timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from costcalc.errors import CostcalcError

MAX_TOKENS = 10**10
DEFAULT_KEY = ""


def validation_message(error: ValidationError, where: str) -> str:
    """The first problem pydantic found, as one line naming the field."""
    problem = error.errors()[0]
    field = str(problem["loc"][0]) if problem["loc"] else "value"  # a union's member names mean nothing to users
    got = problem.get("input")
    shown = f" (got {type(got).__name__} {got!r})" if not isinstance(got, dict) else ""
    return f"{where}: {field}: {problem['msg']}{shown}"


class _Checked(BaseModel):
    """Building one with a wrong value raises CostcalcError naming the field, as the rest of the library does."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise CostcalcError(validation_message(error, type(self).__name__)) from None

    @classmethod
    def checked(cls, data: Any, where: str) -> Any:
        """`model_validate` with CostcalcError instead of pydantic's ValidationError."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise CostcalcError(validation_message(error, where)) from None


class TrafficWorkload(_Checked):
    """Token counts for queries whose timeline rows do not give their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context_tokens: StrictInt | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens of every key (one key is one context); None: every row must say."""
    prompt_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens per query."""
    output_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """Output tokens per query, thinking included."""
    context_audio_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """AUDIO tokens of every key's context, on top of the text `context_tokens` (docs/timelines.md)."""
    context_video_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """VIDEO tokens of every key's context, on top of the text `context_tokens`."""
    prompt_audio_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """AUDIO tokens of every query's fresh prompt, on top of `prompt_tokens`."""
    prompt_video_tokens: StrictInt = Field(default=0, ge=0, le=MAX_TOKENS)
    """VIDEO tokens of every query's fresh prompt, on top of `prompt_tokens`."""


class TimelineRow(_Checked):
    """One query of a timeline, as a user builds it in code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: Union[datetime, StrictInt, StrictStr]
    """When the query was sent: an aware datetime, epoch seconds (int, float, Decimal), or text (epoch seconds
    or ISO 8601 with a zone). Kept to the microsecond."""
    key: StrictStr = DEFAULT_KEY
    """Which context the query reuses; each key has its own caches."""
    context_tokens: StrictInt | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens (fixed per key); None: the workload's."""
    prompt_tokens: StrictInt | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens; None: the workload's."""
    output_tokens: StrictInt | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Output tokens; None: the workload's."""

    @field_validator("timestamp", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        """Floats and Decimals keep the digits they were written with (repr), parsed exactly later."""
        if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        return value
