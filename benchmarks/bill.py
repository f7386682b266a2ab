"""`costcalc bill` on a 1,000,000-record log against the standard library's json.loads and genai-prices.

Builds a log of responses as the Gemini API returns them (several models, about 10% of prompts over 200K, a
third with cached tokens, thinking and tool-use tokens, some batch) and some cachedContents records, then prints:
  - `costcalc bill FILE --format json` wall time, end to end as a subprocess (median of --runs);
  - the time `json.loads` takes just to parse every line of the same file (median of --runs);
  - `genai_prices.calc_price` called per record on a sample (records per second), and its total for the
    sample next to costcalc's (responses only: genai-prices has no cache creation or storage).
  - the same for a multimodal log (30% of 2.5 Flash / 2.5 Pro records with AUDIO prompt details, their cached
    part in cacheTokensDetails, candidatesTokensDetails, and a few image outputs), and its time / the text log's.
Goals: bill <= 0.5x the json.loads time; bill throughput >= 25x genai-prices'; the multimodal log within 1.2x the
time the text log took before modality details were read (commit c46a779). Give that commit's source tree with
`--baseline` to time it side by side (interleaved runs, the same Python and dependencies); without it the
multimodal log is compared with today's text log only.
Both logs are billed with a small price table (written beside them) that adds the audio and image-output prices
the pricing page gives, so that neither log's time depends on what the bundled tables price.

    pip install '.[bench]'
    git worktree add --detach /tmp/costcalc-c46a779 c46a779
    python benchmarks/bill.py --records 1000000 --runs 5 --baseline /tmp/costcalc-c46a779
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash")
START = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
DAYS = 28


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


AUDIO_TABLE = """platform: gemini-api
models:
  - id: gemini-2.5-flash
    name: Gemini 2.5 Flash (benchmark)
    context_window_tokens: 1048576
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [https://ai.google.dev/gemini-api/docs/pricing]
        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
        batch_input_mtok: "0.15"
        batch_output_mtok: "1.25"
        batch_cached_mtok: "0.03"
        audio_input_mtok: "1.00"
        audio_cached_mtok: "0.10"
        batch_audio_input_mtok: "0.50"
        batch_audio_cached_mtok: "0.10"
  - id: gemini-2.5-pro
    name: Gemini 2.5 Pro (benchmark)
    context_window_tokens: 1048576
    long_context_threshold: 200000
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [https://ai.google.dev/gemini-api/docs/pricing]
        input_mtok: {lower: "1.25", upper: "2.50"}
        output_mtok: {lower: "10.00", upper: "15.00"}
        cached_mtok: {lower: "0.125", upper: "0.25"}
        storage_mtok_hour: "4.50"
        batch_input_mtok: {lower: "0.625", upper: "1.25"}
        batch_output_mtok: {lower: "5.00", upper: "7.50"}
        batch_cached_mtok: {lower: "0.125", upper: "0.25"}
        audio_input_mtok: {lower: "1.25", upper: "2.50"}
        audio_cached_mtok: {lower: "0.125", upper: "0.25"}
        batch_audio_input_mtok: {lower: "0.625", upper: "1.25"}
        batch_audio_cached_mtok: {lower: "0.125", upper: "0.25"}
  - id: benchmark-image-model
    name: An image-output model (benchmark)
    context_window_tokens: 32768
    caching: none
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [benchmark figures]
        input_mtok: "0.30"
        output_mtok: "2.50"
        batch_input_mtok: "0.15"
        batch_output_mtok: "1.25"
        image_output_mtok: "30.00"
        batch_image_output_mtok: "15.00"
"""


def _modal(rng: random.Random, record: dict[str, object]) -> None:
    """Make a text response multimodal as real traffic is: audio prompts (and their cached part), output details,
    now and then an image output."""
    usage = record["usageMetadata"]
    assert isinstance(usage, dict)
    prompt, output = usage["promptTokenCount"], usage["candidatesTokenCount"]
    if rng.random() < 0.01:
        record["modelVersion"] = "benchmark-image-model"
        usage.pop("cachedContentTokenCount", None)
        usage.pop("cacheTokensDetails", None)
        image = rng.choice((1290, 2580))
        usage["candidatesTokenCount"] = output + image
        usage["candidatesTokensDetails"] = [{"modality": "TEXT", "tokenCount": output},
                                            {"modality": "IMAGE", "tokenCount": image}]
        return
    if record["modelVersion"] in ("gemini-2.5-flash", "gemini-2.5-pro") and rng.random() < 0.6:  # ~30% of all
        audio = rng.randint(prompt // 4, prompt)
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt - audio},
                                        {"modality": "AUDIO", "tokenCount": audio}]
        cached = usage.get("cachedContentTokenCount", 0)
        if cached:
            cached_audio = min(audio, cached)
            usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached - cached_audio},
                                           {"modality": "AUDIO", "tokenCount": cached_audio}]
    if rng.random() < 0.5:
        usage["candidatesTokensDetails"] = [{"modality": "TEXT", "tokenCount": output}]


def make_response(rng: random.Random, multimodal: bool = False) -> dict[str, object]:
    model = rng.choice(MODELS)
    long = model == "gemini-2.5-pro" and rng.random() < 0.4  # 2.5 Pro is a quarter of traffic: ~10% over 200K
    prompt = rng.randint(200_001, 900_000) if long else rng.randint(50, 199_000)
    usage: dict[str, object] = {"promptTokenCount": prompt, "candidatesTokenCount": rng.randint(1, 4000)}
    details = [{"modality": "TEXT", "tokenCount": prompt}]
    if rng.random() < 1 / 3 and model != "gemini-2.0-flash":
        cached = rng.randint(prompt // 2, prompt)
        usage["cachedContentTokenCount"] = cached
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    if model.startswith("gemini-2.5") and rng.random() < 0.5:
        usage["thoughtsTokenCount"] = rng.randint(1, 8000)
    if rng.random() < 0.05:
        usage["toolUsePromptTokenCount"] = rng.randint(1, 2000)
    usage["totalTokenCount"] = sum(v for k, v in usage.items() if k != "cachedContentTokenCount"
                                   and isinstance(v, int))
    usage["promptTokensDetails"] = details
    record: dict[str, object] = {
        "modelVersion": model, "responseId": f"{rng.getrandbits(96):024x}",
        "timestamp": _stamp(START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))), "usageMetadata": usage}
    if rng.random() < 0.1:
        record["batch"] = True
    if multimodal:
        _modal(rng, record)
    return record


def make_cache(rng: random.Random, number: int) -> dict[str, object]:
    created = START + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
    return {"name": f"cachedContents/c{number}", "model": f"models/{rng.choice(MODELS[:2])}",
            "createTime": _stamp(created), "updateTime": _stamp(created),
            "expireTime": _stamp(created + dt.timedelta(minutes=rng.choice((5, 60, 300)))),
            "usageMetadata": {"totalTokenCount": rng.randint(4096, 400_000)}}


def build_log(path: Path, records: int, seed: int = 9, multimodal: bool = False) -> list[dict[str, object]]:
    rng = random.Random(seed)
    sample: list[dict[str, object]] = []
    with path.open("w") as out:
        for number in range(records):
            record = make_cache(rng, number) if number % 1000 == 999 else make_response(rng, multimodal)
            if len(sample) < 20_000 and "usageMetadata" in record and "name" not in record:
                sample.append(record)
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    return sample


def time_bill(path: Path, *options: str, source: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one `costcalc bill` subprocess; CPU time shows what a busy machine adds.
    `source`: run the costcalc of that source tree instead (`python -m costcalc` with it first on the path)."""
    environment, folder = None, None
    if source is not None:
        command = [sys.executable, "-m", "costcalc"]
        # Run from the tree itself: `-m` puts the working folder first on the path, before PYTHONPATH.
        environment, folder = {**os.environ, "PYTHONPATH": str(source)}, str(source)
    else:
        costcalc = shutil.which("costcalc", path=str(Path(sys.executable).parent)) or shutil.which("costcalc")
        if costcalc is None:
            sys.exit("bill benchmark: `costcalc` is not installed; pip install '.[bench]'")
        command = [costcalc]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*command, "bill", str(path), "--format", "json", *options], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False, env=environment, cwd=folder)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bill benchmark: costcalc bill failed: {done.stderr.decode().strip()}")
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def time_stdlib(path: Path) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        for line in handle:
            json.loads(line)
    return time.perf_counter() - start, time.process_time() - cpu


def genai_prices(sample: list[dict[str, object]]) -> tuple[float, Decimal]:
    from genai_prices import Usage, calc_price

    total = Decimal(0)
    start = time.perf_counter()
    for record in sample:
        usage = record["usageMetadata"]
        assert isinstance(usage, dict)
        prompt = usage["promptTokenCount"] + usage.get("toolUsePromptTokenCount", 0)
        output = usage["candidatesTokenCount"] + usage.get("thoughtsTokenCount", 0)
        when = dt.datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
        price = calc_price(Usage(input_tokens=prompt, cache_read_tokens=usage.get("cachedContentTokenCount", 0),
                                 output_tokens=output), str(record["modelVersion"]), provider_id="google",
                           genai_request_timestamp=when)
        total += price.total_price
    return len(sample) / (time.perf_counter() - start), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (median)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="source tree of the commit the multimodal goal is measured against (c46a779)")
    args = parser.parse_args()
    if args.baseline is not None:
        args.baseline = args.baseline.resolve()
    if args.baseline is not None and not (args.baseline / "costcalc" / "__main__.py").is_file():
        sys.exit(f"bill benchmark: {args.baseline} is not a costcalc source tree (git worktree add --detach DIR "
                 "c46a779)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "usage.jsonl"
        sample = build_log(path, args.records)
        size = path.stat().st_size
        modal_path = Path(folder) / "multimodal.jsonl"
        build_log(modal_path, args.records, multimodal=True)
        table = Path(folder) / "audio-prices.yaml"
        table.write_text(AUDIO_TABLE)
        priced = ("--pricing", str(table))
        time_bill(path)  # warm the OS file cache and costcalc's validated-table cache
        time_bill(modal_path, *priced)
        if args.baseline is not None:
            time_bill(path, *priced, source=args.baseline)
        bill_times, parse_times, text_times, modal_times, baseline_times = [], [], [], [], []
        for _ in range(max(args.runs, 1)):
            bill_times.append(time_bill(path))
            parse_times.append(time_stdlib(path))
            text_times.append(time_bill(path, *priced))  # interleaved: a busy moment hits all alike
            modal_times.append(time_bill(modal_path, *priced))
            if args.baseline is not None:
                baseline_times.append(time_bill(path, *priced, source=args.baseline))
        bill, parse = statistics.median(t[0] for t in bill_times), statistics.median(t[0] for t in parse_times)
        bill_cpu = statistics.median(t[1] for t in bill_times)
        parse_cpu = statistics.median(t[1] for t in parse_times)
        text_wall, text_cpu = (statistics.median(t[i] for t in text_times) for i in (0, 1))
        modal_wall, modal_cpu = (statistics.median(t[i] for t in modal_times) for i in (0, 1))
        peer = None
        import importlib.util

        if importlib.util.find_spec("genai_prices") is not None:
            rate, _ = genai_prices(sample)
            from costcalc.usage.api import bill as bill_records

            standard = [r for r in sample if not r.get("batch")]  # genai-prices has no batch prices
            ours = bill_records(standard).total
            _, peer_standard = genai_prices(standard)
            peer = rate, len(standard), ours, peer_standard
    print(f"log: {args.records:,} records, {size / 1e6:.0f} MB")
    print(f"costcalc bill (subprocess)   median {bill:7.2f} s wall, {bill_cpu:5.2f} s CPU "
          f"({args.records / bill:,.0f} records/s)")
    print(f"json.loads every line        median {parse:7.2f} s wall, {parse_cpu:5.2f} s CPU")
    print(f"ratio bill / json.loads = {bill / parse:.2f} wall, {bill_cpu / parse_cpu:.2f} CPU (goal <= 0.50)")
    print(f"text log, audio table         median {text_wall:7.2f} s wall, {text_cpu:5.2f} s CPU "
          f"({args.records / text_wall:,.0f} records/s)")
    print(f"multimodal log, audio table   median {modal_wall:7.2f} s wall, {modal_cpu:5.2f} s CPU "
          f"({args.records / modal_wall:,.0f} records/s)")
    if baseline_times:
        base_wall, base_cpu = (statistics.median(t[i] for t in baseline_times) for i in (0, 1))
        print(f"text log, baseline {args.baseline.name:11.11s} median {base_wall:7.2f} s wall, {base_cpu:5.2f} s CPU "
              f"({args.records / base_wall:,.0f} records/s)")
        print(f"ratio multimodal / baseline text = {modal_wall / base_wall:.2f} wall, {modal_cpu / base_cpu:.2f} CPU "
              "(goal <= 1.20)")
    print(f"ratio multimodal / today's text = {modal_wall / text_wall:.2f} wall, {modal_cpu / text_cpu:.2f} CPU")
    if peer is None:
        print("genai-prices comparison skipped: genai_prices is not installed (pip install '.[bench]')")
        return
    rate, standard_count, ours, peer_standard = peer
    print(f"genai_prices.calc_price      {rate:,.0f} records/s on a {len(sample):,}-record sample")
    print(f"throughput costcalc / genai-prices = {args.records / bill / rate:.1f}x (goal >= 25x)")
    print(f"same {standard_count:,} standard-price responses: costcalc ${ours} · genai-prices ${peer_standard}")


if __name__ == "__main__":
    main()
