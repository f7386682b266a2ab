"""Timelines from a rate: `--rate 20/h --for 30d`, Poisson or evenly spaced, with an hour-of-day profile.

The rate is the average over whole days; a profile only moves queries between hours (docs/timelines.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation

import numpy as np

from costcalc.errors import CostcalcError
from costcalc.timeline.timestamps import MICROS
from costcalc.timeline.traffic import Timeline, TokenDefaults, build_timeline, with_mix

MAX_GENERATED = 20_000_000
HOUR_US = 3600 * MICROS
START_US = 1_767_225_600 * MICROS
"""Generated timelines start at 2026-01-01T00:00:00Z, so hour-of-day profiles read in UTC."""
_RATE_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
PROFILES = {"flat": "0-24", "office": "9-17"}


def parse_rate(text: str) -> Decimal:
    """`20/h`, `0.5/min`, `1000/d` -> queries per hour."""
    match = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*/\s*([A-Za-z]+)\s*", text)
    if match and match.group(2) != match.group(2).lower():
        # M means million in counts: /M is not read as per minute.
        raise CostcalcError(f"--rate {text!r}: time units are lower-case (s, min, h, d); write "
                            f"{match.group(1)}/{match.group(2).lower()}")
    if not match or match.group(2) not in _RATE_UNITS:
        raise CostcalcError(f"--rate {text!r} is not a rate; write it like 20/h, 0.5/min or 1000/d")
    try:
        count = Decimal(match.group(1).replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise CostcalcError(f"--rate {text!r} is not a rate; write it like 20/h") from None
    per_hour = count * 3600 / _RATE_UNITS[match.group(2)]
    if per_hour <= 0:
        raise CostcalcError(f"--rate must be above 0, got {text!r}")
    return per_hour


def parse_profile(text: str | None) -> list[float]:
    """24 hourly weights (UTC) from `office`, `9-17` (those hours only) or 24 comma-separated weights."""
    raw = PROFILES.get((text or "flat").strip().lower(), (text or "").strip())
    hours = re.fullmatch(r"(\d{1,2})-(\d{1,2})", raw)
    if hours:
        start, end = int(hours.group(1)), int(hours.group(2))
        if not 0 <= start < end <= 24:
            raise CostcalcError(f"--profile {text!r}: hours must be like 9-17 (start before end, 0 to 24)")
        weights = [1.0 if start <= hour < end else 0.0 for hour in range(24)]
    else:
        parts = raw.split(",")
        try:
            weights = [float(part) for part in parts]
        except ValueError:
            weights = []
        if len(weights) != 24 or any(not weight >= 0 or weight == float("inf") for weight in weights):
            raise CostcalcError(f"--profile {text!r}: give office, flat, hours like 9-17, or 24 comma-separated "
                                "weights (one per hour from 00:00 UTC, 0 or more)")
    if sum(weights) == 0:
        raise CostcalcError(f"--profile {text!r} has no active hour")
    mean = sum(weights) / 24
    return [weight / mean for weight in weights]


def generate_timeline(rate_per_hour: Decimal | str, duration_seconds: int | str, workload: TokenDefaults, *,
                      arrivals: str = "poisson", seed: int | None = None, profile: str | None = None) -> Timeline:
    """One key's queries over `duration_seconds` (or `"30d"`) at `rate_per_hour` (or `"20/h"`), reproducible
    for a given seed."""
    from costcalc.checks import check_count
    from costcalc.timeline.traffic import check_defaults

    if isinstance(rate_per_hour, str):
        rate_per_hour = parse_rate(rate_per_hour)
    if isinstance(rate_per_hour, int) and not isinstance(rate_per_hour, bool):
        rate_per_hour = Decimal(rate_per_hour)
    if not isinstance(rate_per_hour, Decimal) or not rate_per_hour.is_finite() or rate_per_hour <= 0:
        raise CostcalcError(f"rate_per_hour must be a Decimal or int above 0, or text like \"20/h\", got "
                            f"{rate_per_hour!r}")
    if isinstance(duration_seconds, str):
        from costcalc.units import parse_duration

        duration_seconds = parse_duration(duration_seconds, "--for (how long the generated traffic lasts)")
    from costcalc.units import MAX_TTL_SECONDS

    # Ten years at most, as --for allows: an hourly bucket array is built over the whole span.
    if check_count("duration_seconds (how long the generated traffic lasts)", duration_seconds, MAX_TTL_SECONDS) < 1:
        raise CostcalcError("duration_seconds (how long the generated traffic lasts) must be at least 1 second")
    check_defaults(workload)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128):
        raise CostcalcError(f"--seed must be a whole number from 0 to 2**128 - 1, got {seed!r}")
    if arrivals not in ("poisson", "even"):
        raise CostcalcError(f"--arrivals must be poisson or even, got {arrivals!r}")
    if workload.context_tokens is None:
        raise CostcalcError("give --context: a generated timeline has one key, and it needs a context size")
    weights = np.array(parse_profile(profile))
    expected = float(rate_per_hour) * duration_seconds / 3600
    if expected > MAX_GENERATED:
        raise CostcalcError(f"--rate x --for asks for about {expected:,.0f} queries; at most {MAX_GENERATED:,} can be "
                            "generated, so lower one of them")
    duration_us = duration_seconds * MICROS
    bucket_start = np.arange(0, duration_us, HOUR_US, dtype=np.int64)
    bucket_length = np.minimum(HOUR_US, duration_us - bucket_start)
    intensity = float(rate_per_hour) * weights[(bucket_start // HOUR_US) % 24] * bucket_length / HOUR_US
    if arrivals == "poisson":
        rng = np.random.default_rng(seed)
        per_bucket = rng.poisson(intensity)
        offsets = rng.random(int(per_bucket.sum())) * np.repeat(bucket_length, per_bucket)
        times = np.repeat(bucket_start, per_bucket) + offsets.astype(np.int64)
    else:
        # Query k arrives when the expected count reaches k: the inverse of the cumulative intensity.
        cumulative = np.r_[0.0, np.cumsum(intensity)]
        edges = np.r_[bucket_start, duration_us].astype(np.float64)
        marks = np.arange(0.0, cumulative[-1])
        times = np.interp(marks, cumulative, edges).astype(np.int64)
    if times.size == 0:
        raise CostcalcError("the rate and duration give no query at all; raise --rate or --for")
    times = np.sort(times) + START_US
    count = int(times.size)
    built = build_timeline(times, None, np.full(count, workload.context_tokens, dtype=np.int64),
                          np.full(count, workload.prompt_tokens, dtype=np.int64),
                          np.full(count, workload.output_tokens, dtype=np.int64),
                          f"{arrivals} arrivals at {rate_per_hour.normalize():f}/h for {duration_seconds:,} s"
                          + (f" (profile {profile})" if profile else "")
                          + (f", seed {seed}" if seed is not None and arrivals == "poisson" else ""))
    return with_mix(replace(built, dated=False), workload)
