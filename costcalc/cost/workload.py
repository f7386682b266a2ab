"""Building a workload from what the user typed: tokens, characters, and an explicit ratio between them.

Why characters are never guessed from tokens: docs/billing-rules.md ("Vertex per-character billing").
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, InvalidOperation

from costcalc.cost.results import Workload
from costcalc.errors import CostcalcError
from costcalc.units import check_digits

MAX_CHARS_PER_TOKEN = Decimal(100)
MIN_CHARS_PER_TOKEN = Decimal("0.1")


def parse_ratio(text: str) -> Decimal:
    """`4`, `3.7`: characters per token, as the user measured it for their text."""
    check_digits(text, "--chars-per-token")
    try:
        ratio = Decimal(text.strip())
    except InvalidOperation:
        raise CostcalcError(f"--chars-per-token {text!r} is not a number; write it like 4 or 3.7") from None
    if not ratio.is_finite() or not MIN_CHARS_PER_TOKEN <= ratio <= MAX_CHARS_PER_TOKEN:
        raise CostcalcError(f"--chars-per-token must be between {MIN_CHARS_PER_TOKEN} and {MAX_CHARS_PER_TOKEN} "
                            f"(about 4 for English text), got {text!r}")
    return ratio


def build_workload(*, tokens: tuple[int | None, int | None, int | None],
                   chars: tuple[int | None, int | None, int | None] = (None, None, None),
                   chars_per_token: Decimal | None = None, queries: int = 1, ttl_seconds: int = 3600,
                   mix: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Workload:
    """A workload with token counts (always: they decide tier, minimum and window) and, when given or
    derivable from an explicit ratio, character counts for per-character prices. Nothing is guessed.

    `mix`: (context audio, context video, prompt audio, prompt video) tokens, added to the text counts."""
    names = ("context", "prompt", "output")
    token_counts = list(tokens)
    char_counts = list(chars)
    for index in range(len(names)):
        given_tokens, given_chars = token_counts[index], char_counts[index]
        if chars_per_token is not None:
            if given_chars is None and given_tokens is not None:
                char_counts[index] = int((given_tokens * chars_per_token).to_integral_value(ROUND_HALF_EVEN))
            elif given_tokens is None and given_chars is not None:
                token_counts[index] = int((given_chars / chars_per_token).to_integral_value(ROUND_CEILING))
        if token_counts[index] is None:
            if index == 0 and not (mix[0] or mix[1]):
                raise CostcalcError("give --context in tokens (it decides the long-context tier, the minimum "
                                    "cacheable size and the context window), or --context-chars with --chars-per-token")
            token_counts[index] = 0
    any_chars = any(count is not None for count in char_counts)
    if any_chars:
        for index, name in enumerate(names):
            if char_counts[index] is None:
                if token_counts[index]:
                    raise CostcalcError(f"give --{name}-chars too (or --chars-per-token): {token_counts[index]:,} "
                                        f"{name} tokens have no character count, and costcalc does not guess one")
                char_counts[index] = 0
    context, prompt, output = (count or 0 for count in token_counts)
    chars_given = char_counts if any_chars else [None, None, None]
    return Workload(context, prompt, output, queries, ttl_seconds, context_chars=chars_given[0],
                    prompt_chars=chars_given[1], output_chars=chars_given[2],
                    context_audio_tokens=mix[0], context_video_tokens=mix[1], prompt_audio_tokens=mix[2],
                    prompt_video_tokens=mix[3])
