"""Random multimodal traffic for the engine tests: detail lists of every shape the reading rules name, on a model
with 2.5 Flash's prices (`MODEL`) and a Live-like two-tier model (`TIERED`), and Vertex AI caches with audio."""

from __future__ import annotations

import json
import random
from typing import Any

MODEL = "test-2.5-flash"
TIERED = """
  - id: test-live
    name: Live-like prices (image and video input apart, no batch), audio and image output, two tiers
    caching: explicit
    long_context_threshold: 5000
    periods:
      - effective: 2026-01-01
        checked: 2026-02-01
        sources: [test table]
        input_mtok: {lower: "0.50", upper: "1.00"}
        audio_input_mtok: {lower: "3.00", upper: "6.00"}
        image_input_mtok: {lower: "0.70", upper: "1.40"}
        video_input_mtok: {lower: "0.90", upper: "1.80"}
        cached_mtok: {lower: "0.05", upper: "0.10"}
        output_mtok: {lower: "2.00", upper: "4.00"}
        audio_output_mtok: {lower: "12.00", upper: "24.00"}
        image_output_mtok: {lower: "30.00", upper: "60.00"}
        storage_mtok_hour: "1.00"
"""


def _detail_list(rng: Any, total: int, snake: bool, names: list[str]) -> Any:
    """A detail list adding up to `total` (mostly), sometimes malformed in one of the ways the rules name."""
    cuts = sorted(rng.randint(0, total) for _ in range(rng.randint(0, 3)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    key = "token_count" if snake else "tokenCount"
    entries: list[Any] = [{"modality": rng.choice(names), key: part} for part in parts]
    for entry in entries:
        if entry[key] == 0 and rng.random() < 0.5:
            del entry[key]  # protobuf JSON omits zeros
    odd = rng.random()
    if odd < 0.01:
        entries.append({"modality": "MODALITY_UNSPECIFIED", key: 1})
    elif odd < 0.02:
        entries[0][key] = rng.choice([-1, 1.5, "7", None, 10**13])
    elif odd < 0.03:
        entries.append(rng.choice([3, "AUDIO", [], {"tokenCount": 1}]))
    elif odd < 0.05:
        entries[0][key] = entries[0].get(key, 0) + 1  # does not add up
    elif odd < 0.06:
        entries[0] = {"modality": entries[0]["modality"], "token_count": entries[0].get(key, 0)}
    elif odd < 0.07:
        return rng.choice([None, {"modality": "TEXT"}, "TEXT", 5])
    elif odd < 0.08:  # still adds up, if read wrongly: a negative entry paid back, a snake count beside a null one
        if rng.random() < 0.5:
            entries[0][key] = entries[0].get(key, 0) + 1
            entries.append({"modality": "TEXT", key: -1})
        else:
            entries.append({"modality": "AUDIO", "tokenCount": None, "token_count": 1})
    return entries


def multimodal_lines(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        prompt = rng.choice([0, 50, 1000, 4000, 6000, 20000])
        cached = rng.choice([0, 0, prompt // 2, prompt])
        candidates, tool = rng.choice([0, 10, 1290]), rng.choice([0, 0, 64])
        usage: dict[str, Any] = {"promptTokenCount": prompt, "cachedContentTokenCount": cached,
                                 "candidatesTokenCount": candidates, "toolUsePromptTokenCount": tool,
                                 "thoughtsTokenCount": rng.choice([0, 7])}
        snake = rng.random() < 0.15
        for (camel, snake_name), total in zip(
                [("promptTokensDetails", "prompt_tokens_details"), ("cacheTokensDetails", "cache_tokens_details"),
                 ("candidatesTokensDetails", "candidates_tokens_details"),
                 ("toolUsePromptTokensDetails", "tool_use_prompt_tokens_details")],
                [prompt, cached, candidates, tool], strict=True):
            if rng.random() < 0.7:
                names = ["TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT"]
                if camel == "candidatesTokensDetails":
                    names = ["TEXT"] * 8 + ["AUDIO", "IMAGE", "VIDEO"]
                usage[snake_name if snake else camel] = _detail_list(rng, total, snake, names)
        if "cacheTokensDetails" in usage and "promptTokensDetails" in usage and rng.random() < 0.9:
            # Cached tokens drawn from the prompt's modalities, as the API reports them.
            prompt_list = usage["promptTokensDetails"]
            if isinstance(prompt_list, list) and all(isinstance(e, dict) for e in prompt_list):
                left, drawn = cached, []
                for entry in prompt_list:
                    part = min(left, entry.get("tokenCount", 0) if type(entry.get("tokenCount", 0)) is int else 0)
                    drawn.append({"modality": entry.get("modality"), "tokenCount": max(part, 0)})
                    left -= max(part, 0)
                usage["cacheTokensDetails"] = drawn
        record = {"modelVersion": rng.choice([MODEL, "test-live"]), "usageMetadata": usage,
                  "timestamp": f"2026-03-02T{index % 24:02d}:00:00Z", "batch": rng.random() < 0.1}
        lines.append(json.dumps(record))
    for index in range(count // 10):
        audio = rng.choice([None, 0, 10, 600, 2000, -1, 1.5, "60"])
        usage = {"totalTokenCount": rng.choice([1000, 40000])}
        if audio is not None:
            usage["audio_duration_seconds" if rng.random() < 0.2 else "audioDurationSeconds"] = audio
        lines.append(json.dumps({"name": f"projects/p/locations/l/cachedContents/r{index}",
                                 "model": rng.choice([MODEL, "test-live"]), "createTime": "2026-03-02T10:00:00Z",
                                 "expireTime": "2026-03-02T11:00:00Z", "usageMetadata": usage}))
    return lines

