"""Charts (matplotlib, the `plot` extra): total cost against TTL, and cost against the number of queries.

Amounts become floats only here, to be drawn; every number printed stays exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from costcalc.errors import CostcalcError
from costcalc.units import format_duration, format_usd

if TYPE_CHECKING:
    from costcalc.cost.results import Estimate
    from costcalc.timeline.results import Simulation

FORMATS = (".png", ".svg")


def check_plot_target(path: Path) -> None:
    """Refuse a bad target before any work is done."""
    if path.suffix.lower() not in FORMATS:
        raise CostcalcError(f"--plot {path}: the chart is drawn as PNG or SVG; end the file name in .png or .svg")
    if not path.parent.exists():
        raise CostcalcError(f"--plot {path}: folder {path.parent} does not exist")
    if path.exists() and not path.is_file():
        raise CostcalcError(f"--plot {path}: not a regular file (a folder, pipe or device); give a new file name or "
                            "an existing .png/.svg file to replace")
    _pyplot()


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise CostcalcError("charts need matplotlib: pip install 'costcalc[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def _save(figure: Any, path: Path) -> None:
    try:
        figure.savefig(path, dpi=110, bbox_inches="tight", metadata={"Date": None} if path.suffix == ".svg" else None)
    except OSError as error:
        raise CostcalcError(f"--plot {path}: cannot write the chart ({error.strerror or error})") from None


def plot_simulation(answer: Simulation, path: Path) -> None:
    """Total cost against TTL for explicit:TTL and refresh:TTL; none, optimal and implicit as flat lines."""
    check_plot_target(path)
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(8, 4.8))
    families = {"explicit": ("explicit:TTL (fixed lifetime)", "o-", "#1f77b4"),
                "refresh": ("refresh:TTL (each use extends it)", "s-", "#ff7f0e")}
    ticks: dict[float, str] = {}
    for family, (label, style, color) in families.items():
        rows = [row for row in answer.strategies if row.strategy.startswith(f"{family}:")
                and row.strategy != "refresh:auto" and row.total is not None and row.ttl_seconds is not None]
        if rows:
            xs = [float(row.ttl_seconds) / 60 for row in rows]  # type: ignore[arg-type]
            axes.plot(xs, [float(row.total) for row in rows], style, label=label, color=color)  # type: ignore[arg-type]
            ticks.update({float(row.ttl_seconds) / 60: row.strategy.split(":")[1] for row in rows})  # type: ignore[arg-type]
    auto = answer.find("refresh:auto")
    if auto is not None and auto.total is not None and auto.ttl_seconds is not None:
        axes.plot([float(auto.ttl_seconds) / 60], [float(auto.total)], "*", markersize=14, color="#d62728",
                  label=f"refresh:auto (g* = {format_duration(int(auto.ttl_seconds))})")
    for name, style, color in (("none", "--", "#7f7f7f"), ("implicit", ":", "#9467bd"), ("optimal", "-.", "#2ca02c")):
        row = answer.find(name)
        if row is not None and row.total is not None:
            what = f"implicit at {float(answer.hit_rate) * 100:g}% hits" if name == "implicit" else name
            axes.axhline(float(row.total), linestyle=style, color=color, label=f"{what}: {format_usd(row.total)}")
    axes.set_xscale("log")
    if ticks:
        axes.set_xticks(list(ticks), list(ticks.values()))
        axes.minorticks_off()
    axes.set_xlabel("Cache lifetime (TTL), log scale")
    axes.set_ylabel("Total cost of the timeline (USD)")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(pyplot.FuncFormatter(lambda value, _: f"${value:,.2f}"))
    axes.set_title(f"{answer.source.model}: {answer.queries:,} queries, {answer.keys:,} "
                   f"key{'s' if answer.keys != 1 else ''}, prices from {answer.source.price_effective}")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small", loc="best")
    _save(figure, path)
    pyplot.close(figure)


def plot_estimate(answer: Estimate, path: Path) -> None:
    """Cost against the number of queries without a cache and with one explicit cache, break-even marked."""
    check_plot_target(path)
    pyplot = _pyplot()
    plain, cache = answer.no_cache, answer.explicit_cache
    queries = answer.workload.queries
    break_even = answer.break_even.queries if answer.break_even else None
    last = max(queries, 2 * break_even if break_even else 10, 10)
    xs = list(range(0, last + 1))
    figure, axes = pyplot.subplots(figsize=(8, 4.8))
    axes.plot(xs, [float(plain.per_query) * n for n in xs], color="#7f7f7f", label="no cache")
    if cache is not None:
        fixed = cache.creation + cache.storage
        per_query = (cache.total - fixed) / queries
        axes.plot(xs, [float(fixed) + float(per_query) * n for n in xs], color="#1f77b4",
                  label=f"explicit cache ({format_duration(cache.storage_seconds)} lifetime): creation + storage + "
                  "cached reads")
        if break_even is not None and break_even <= last:
            axes.axvline(break_even, linestyle="--", color="#d62728")
            axes.annotate(f"break-even: {break_even:,} queries", (break_even, 0), xycoords=("data", "axes fraction"),
                          textcoords="offset points", xytext=(6, 8), color="#d62728")
    axes.set_xlabel("Queries that reuse the context within one cache lifetime")
    axes.set_ylabel("Total cost (USD)")
    axes.set_xlim(0, last)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(pyplot.FuncFormatter(lambda value, _: f"${value:,.2f}"))
    work = answer.workload
    axes.set_title(f"{answer.source.model}: {work.context_tokens:,} context + {work.prompt_tokens:,} prompt tokens, "
                   f"{work.output_tokens:,} output per query", fontsize="medium")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left")
    _save(figure, path)
    pyplot.close(figure)
