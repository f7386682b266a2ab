"""Usage logs for cross-checking the billing engines: every corner of docs/usage-billing.md, and random traffic."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any


def run_bill(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """`costcalc bill ARGV` in process: exit code, stdout, stderr (what engines must give alike)."""
    from typer.testing import CliRunner

    from costcalc.cli.app import app

    done = CliRunner().invoke(app, ["bill", *argv], input=stdin)
    return done.exit_code, done.stdout, done.stderr


SMALL_LOG = Path(__file__).resolve().parent / "fixtures" / "usage" / "small.jsonl"
REVIEW_LOG = SMALL_LOG.with_name("review.jsonl")
"""One line per rule added after review (docs/usage-billing.md): every engine must bill it alike."""


def _response(model: str, time: str, prompt: int, cached: int = 0, output: int = 0, **extra: Any) -> str:
    usage = {"promptTokenCount": prompt, "cachedContentTokenCount": cached, "candidatesTokenCount": output}
    return json.dumps({"modelVersion": model, "timestamp": time, "usageMetadata": usage, **extra})


def _cache(name: str, model: str, created: str, expires: str, tokens: int, **extra: Any) -> str:
    return json.dumps({"name": f"cachedContents/{name}", "model": model, "createTime": created, "expireTime": expires,
                       "usageMetadata": {"totalTokenCount": tokens}, **extra})


def corner_lines() -> list[str]:
    """One line per rule an engine could get wrong (gemini-api tables), ending in an unterminated valid line."""
    return [
        "\ufeff" + _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 1000, 100, 10),  # byte-order mark
        "",
        "   \t ",
        json.dumps({"model_version": "gemini-2.5-flash", "create_time": "2026-12-30T23:30:00+05:30",
                    "usage_metadata": {"prompt_token_count": 7000, "cached_content_token_count": 5000,
                                       "candidates_token_count": 11, "thoughts_token_count": 22,
                                       "tool_use_prompt_token_count": 33}}),
        _response("models/Gemini-2.5-Pro", "2026-12-31t23:59:59.999999999z", 199_990, 0, 5, batch=True,
                  usageMetadata={"promptTokenCount": 199_990, "toolUsePromptTokenCount": 11}),  # tool use: cliff
        _response("projects/p/locations/l/publishers/google/models/gemini-2.0-flash-001",
                  "2027-01-01 00:30:00-01:00", 5000, 0, 100),
        _response("gemini-2.5-pro-preview-09-2025", "2026-12-30T10:00:00Z", 10, 0, 1),  # not an alias
        _response("  ", "2026-12-30T10:00:00Z", 10, 0, 1),
        json.dumps({"modelVersion": 5, "model": "gemini-2.5-flash", "timestamp": "2026-12-30T10:00:00Z",
                    "usageMetadata": {"promptTokenCount": 1}}),
        json.dumps({"model": "gemini-2.5-flash", "timestamp": "2026-12-30T10:00:00Z",
                    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": None}}),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 10, 0, 1, batch="yes"),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 10, 0, 1, batch=None),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", -1),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 10**12 + 1),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 10**12, 10**12, 10**12),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 5.0),  # type: ignore[arg-type]
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", "5"),  # type: ignore[arg-type]
        json.dumps({"modelVersion": "gemini-2.5-flash", "usageMetadata": {"promptTokenCount": 1}}),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00", 1),
        _response("gemini-2.5-flash", "2026-02-30T10:00:00Z", 1),
        _response("gemini-2.5-flash", "2026-12-31T23:59:60Z", 1),
        _response("gemini-2.5-flash", "2025-01-01T00:00:00Z", 1),  # before its first price
        _response("gemini-1.0-pro", "2025-01-01T00:00:00Z", 100, 50, 1),  # no cached price
        _response("gemini-1.5-pro", "2025-01-01T00:00:00Z", 100, 0, 1, batch=True),  # no batch price
        json.dumps({"modelVersion": "gemini-2.5-flash", "timestamp": "2026-12-30T10:00:00Z", "usageMetadata": "x"}),
        "[1, 2]",
        "{}",
        "{not json",
        json.dumps({"name": "cachedContents/nosize", "model": "gemini-2.5-flash"}),
        # one cache, three versions: a tie on updateTime (the later line wins), and a bad one that cannot win
        _cache("tie", "gemini-2.5-flash", "2026-12-30T08:00:00Z", "2026-12-30T09:00:00Z", 40_000,
               updateTime="2026-12-30T08:30:00Z"),
        _cache("tie", "gemini-2.5-flash", "2026-12-30T08:00:00Z", "2026-12-30T12:00:00Z", 40_000,
               updateTime="2026-12-30T08:30:00Z"),
        _cache("tie", "gemini-9-ultra", "2026-12-30T08:00:00Z", "2026-12-30T23:00:00Z", 40_000,
               updateTime="2026-12-30T09:30:00Z"),
        _cache("backwards", "gemini-2.5-flash", "2026-12-30T08:00:00Z", "2026-12-30T07:00:00Z", 5000),
        _cache("deleted-first", "gemini-2.5-flash", "2026-12-30T08:00:00Z", "2026-12-30T09:00:00Z", 5000,
               deleteTime="2026-12-30T07:59:59Z"),
        _cache("ages", "gemini-2.5-flash", "2026-01-01T00:00:00Z", "2027-02-01T00:00:00Z", 5000),
        _cache("instant", "gemini-2.5-pro", "2026-12-30T08:00:00.5Z", "2026-12-30T09:00:00Z", 300_000,
               deleteTime="2026-12-30T08:00:00.5Z"),
        _cache("midnight", "gemini-2.5-flash", "2026-12-30T00:00:00Z", "2026-12-31T00:00:00Z", 1_234_567),
        _cache("three-days", "gemini-3.6-flash", "2026-12-30T12:00:00.123456789Z", "2027-01-01T12:00:00Z", 77_777),
        _cache("implicit-only", "gemini-4-argon", "2026-12-30T08:00:00Z", "2026-12-30T09:00:00Z", 5000),
        _cache("no-storage", "gemini-3.5-flash-lite", "2026-12-30T08:00:00Z", "2026-12-30T09:00:00Z", 5000),
        _cache("storage-starts", "gemini-3.6-flash", "2026-08-12T23:00:00Z", "2026-08-13T01:00:00Z", 5000),
        _cache("snake", "gemini-2.5-flash", "2026-12-30T08:00:00Z", "2026-12-30T08:00:00Z", 9,
               usage_metadata={"total_token_count": 9}, expire_time="2026-12-30T08:07:00+00:00"),
        _response("gemini-2.5-flash", "2026-12-30T10:00:00Z", 2, 1, 3),  # last line, valid, no newline
    ]


def write_log(path: Path, lines: list[str], terminated: bool = False) -> Path:
    path.write_text("\n".join(lines) + ("\n" if terminated else ""), encoding="utf-8")
    return path


_MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "models/gemini-2.5-flash-lite", "gemini-3.6-flash", "gemini-4-argon",
           "gemini-2.0-flash-001", "gemini-9-ultra")


def _time(rng: random.Random) -> str:
    day = rng.choice(("2026-12-30", "2026-12-31", "2027-01-01", "2025-03-01"))
    zone = rng.choice(("Z", "Z", "+01:00", "-08:00"))
    fraction = rng.choice(("", ".5", ".123456789"))
    return f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}{fraction}{zone}"


def random_lines(seed: int, count: int) -> list[str]:
    """Mixed traffic: responses around the 200K cliff, batch, caches with versions; a few bad lines."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.75:
            prompt = rng.choice((rng.randrange(1, 5000), rng.randrange(190_000, 210_000)))
            cached = rng.choice((0, 0, rng.randrange(0, prompt + 1)))
            lines.append(_response(rng.choice(_MODELS), _time(rng), prompt, cached, rng.randrange(0, 3000),
                                   **({"batch": True} if rng.random() < 0.2 else {})))
        elif roll < 0.95:
            later = f"2027-01-0{rng.randrange(1, 4)}T{rng.randrange(24):02d}:00:00Z"
            expires = _time(rng) if rng.random() < 0.5 else later
            extra = {"updateTime": _time(rng)} if rng.random() < 0.5 else {}
            lines.append(_cache(f"c{rng.randrange(40)}", rng.choice(_MODELS[:4]), _time(rng), expires,
                                rng.randrange(4096, 300_000), **extra))
        else:
            lines.append(rng.choice(("{oops", "[]", _response("gemini-2.5-flash", _time(rng), 5, 9, 1))))
    return lines


def vertex_lines() -> list[str]:
    """Vertex AI: per-character periods cannot be billed from tokens; caches live at least 60 s."""
    return [
        _response("gemini-1.0-pro", "2024-07-01T10:00:00Z", 1000, 0, 10),
        _response("gemini-1.5-flash-002", "2024-12-01T10:00:00Z", 150_000, 100_000, 10),
        _response("gemini-2.0-flash", "2025-03-01T10:00:00Z", 1000, 0, 10),
        _cache("short", "gemini-1.5-flash", "2024-12-01T23:59:30Z", "2024-12-01T23:59:40Z", 40_000),
        _cache("chars", "gemini-1.5-pro", "2024-06-01T10:00:00Z", "2024-06-01T11:00:00Z", 40_000),
    ]
