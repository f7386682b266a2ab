"""What every costcalc command shares: option types, table loading, one-line errors, JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar, cast

import typer

from costcalc.cost.results import to_jsonable
from costcalc.errors import CostcalcError
from costcalc.text import json_safe, one_line
from costcalc.units import parse_date

if TYPE_CHECKING:
    from costcalc.prices.tables import PriceTables

STALE_AFTER_DAYS = 90
PLATFORMS = ("gemini-api", "vertex-ai")

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="Model id or alias, e.g. gemini-2.5-pro.")]
ContextOpt = Annotated[Optional[str], typer.Option("--context", "-c", help="Reused context tokens: 1M, 128k, 1_000.")]
PromptOpt = Annotated[Optional[str], typer.Option("--prompt", "-p",
                                                  help="Fresh prompt tokens per query. \\[default: 0]")]
TtlOpt = Annotated[Optional[str], typer.Option("--ttl", help="Cache lifetime: 90s, 30m, 1h, 1.5h, 2d. \\[default: 1h]")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="Prices in force on this date. \\[default: today]")]
BatchOpt = Annotated[bool, typer.Option("--batch", help="Use Batch-mode prices.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
PlatformOpt = Annotated[str, typer.Option("--platform", help="gemini-api or vertex-ai.")]
# Paths are taken as text and made Paths here: click's path type stats the name and crashes on a NUL byte.
PricingOpt = Annotated[Optional[list[str]], typer.Option(
    "--pricing", metavar="PATH", help="Extra price table file or folder; its models override or extend the bundled "
    "ones. Repeatable; COSTCALC_PRICING adds more (separated by ':').")]
ContextCharsOpt = Annotated[Optional[str], typer.Option("--context-chars", help="Context characters (Vertex 1.0/1.5).")]
PromptCharsOpt = Annotated[Optional[str], typer.Option("--prompt-chars", help="Fresh prompt characters per query.")]
OutputCharsOpt = Annotated[Optional[str], typer.Option("--output-chars", help="Output characters per query.")]
RatioOpt = Annotated[Optional[str], typer.Option("--chars-per-token", help="Your measured characters per token.")]

_MIX_HELP = ("{what}: tokens (19.2k) or a duration (10m, 90s, 1h30m; m is minutes, M million) at {rate} tokens/s; "
             "added to {base}.")
ContextAudioOpt = Annotated[Optional[str], typer.Option("--context-audio", help=_MIX_HELP.format(
    what="Audio in the reused context", rate=32, base="--context"))]
ContextVideoOpt = Annotated[Optional[str], typer.Option("--context-video", help=_MIX_HELP.format(
    what="Video in the reused context", rate=263, base="--context"))]
PromptAudioOpt = Annotated[Optional[str], typer.Option("--prompt-audio", help=_MIX_HELP.format(
    what="Audio in each query's fresh prompt", rate=32, base="--prompt"))]
PromptVideoOpt = Annotated[Optional[str], typer.Option("--prompt-video", help=_MIX_HELP.format(
    what="Video in each query's fresh prompt", rate=263, base="--prompt"))]


@dataclass(frozen=True)
class GivenMix:
    """The audio and video the user gave: tokens, and the durations some were computed from."""

    tokens: tuple[int, int, int, int]
    """Context audio, context video, prompt audio, prompt video."""
    seconds: dict[str, dict[str, int]]
    """{"context": {"AUDIO": 600}}: the durations given, by part and modality, for the working."""


def parse_mix(context_audio: str | None, context_video: str | None, prompt_audio: str | None,
              prompt_video: str | None) -> GivenMix:
    """--context-audio and friends: token counts, or durations at Google's documented tokens per second."""
    from costcalc.prices.modality import AUDIO_TOKENS_PER_SECOND, VIDEO_TOKENS_PER_SECOND
    from costcalc.units import parse_tokens_or_duration

    tokens = []
    seconds: dict[str, dict[str, int]] = {"context": {}, "prompt": {}}
    for text, part, modality, rate in ((context_audio, "context", "AUDIO", AUDIO_TOKENS_PER_SECOND),
                                       (context_video, "context", "VIDEO", VIDEO_TOKENS_PER_SECOND),
                                       (prompt_audio, "prompt", "AUDIO", AUDIO_TOKENS_PER_SECOND),
                                       (prompt_video, "prompt", "VIDEO", VIDEO_TOKENS_PER_SECOND)):
        if text is None:
            tokens.append(0)
            continue
        count, given = parse_tokens_or_duration(text, f"--{part}-{modality.lower()}", rate)
        tokens.append(count)
        if given is not None:
            seconds[part][modality] = given
    return GivenMix((tokens[0], tokens[1], tokens[2], tokens[3]), seconds)


F = TypeVar("F", bound=Callable[..., None])


def user_errors(command: F) -> F:
    """A CostcalcError becomes one line on stderr and its exit code, under any runner."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except CostcalcError as error:
            sys.stderr.write(f"costcalc: error: {one_line(str(error))}\n")
            raise typer.Exit(error.exit_code) from None
        except OSError as error:  # before click's own handler, which exits 1 on a closed pipe
            from costcalc.cli.output import output_failed, stop_writing

            if not output_failed(error):
                raise
            raise typer.Exit(stop_writing(error)) from None

    return cast(F, run)


def load(pricing: list[str] | None) -> PriceTables:
    """Bundled tables, then COSTCALC_PRICING's files, then --pricing's: later files override by model id."""
    from costcalc.prices.tables import load_tables

    extra = [Path(part) for part in os.environ.get("COSTCALC_PRICING", "").split(os.pathsep) if part.strip()]
    return load_tables([*extra, *(given_path(part, "--pricing") for part in pricing or [])])


def given_path(text: str, option: str) -> Path:
    """A path the user typed; an empty one is refused, since Path("") would quietly mean the current folder."""
    if not text.strip():
        raise CostcalcError(f"{option} is empty; give the path of a file (or, for tables, a folder)")
    return Path(text)


def as_of(text: str | None) -> date:
    """--as-of, or today; a future date gets a note, because the tables only know the prices announced so far."""
    if text is None:
        return date.today()
    when = parse_date(text, "--as-of")
    if when > date.today():
        sys.stderr.write(f"costcalc: note: --as-of {when} is in the future: these are the prices the tables know "
                         "of today, and prices may change by then\n")
    return when


def check_format(text: str) -> str:
    if text not in ("table", "json"):
        raise CostcalcError(f"--format must be table or json, got {text!r}")
    return text


def check_platform(text: str) -> str:
    if text not in PLATFORMS:
        raise CostcalcError(f"--platform must be gemini-api or vertex-ai, got {text!r}")
    return text


def print_json(data: Any) -> None:
    sys.stdout.write(json_safe(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False)) + "\n")


def warn_if_stale(tables: PriceTables, today: date) -> None:
    """Prices go stale quietly; say so when the newest check in the loaded tables is over 90 days old."""
    newest = tables.newest_check()
    if newest is not None and (today - newest).days > STALE_AFTER_DAYS:
        sys.stderr.write(f"costcalc: warning: the newest price check in the loaded tables is from {newest} "
                         f"({(today - newest).days} days ago); prices may be stale "
                         "(docs/price-tables.md: Updating prices)\n")
