"""Audio and video in a timeline: the same mix for every query, added to its text counts (docs/timelines.md,
"Audio and video")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from costcalc.cost.modal import mix_line, parts_of
from costcalc.errors import CostcalcError
from costcalc.timeline.traffic import Timeline


def with_mix_totals(timeline: Timeline) -> tuple[Timeline, tuple[int, int, int, int], int]:
    """The timeline with every modality in its counts (what tiers, windows, minimums and storage see), the mix,
    and the text tokens of the one context size a context mix needs (docs/timelines.md, "Audio and video")."""
    mix = (timeline.context_audio_tokens, timeline.context_video_tokens, timeline.prompt_audio_tokens,
           timeline.prompt_video_tokens)
    if not any(mix):
        return timeline, mix, 0
    sizes = np.unique(timeline.key_context)
    if (mix[0] or mix[1]) and sizes.size > 1:
        raise CostcalcError(f"audio or video in the context needs one context size for every key, and the timeline "
                            f"has {sizes.size:,} ({int(sizes[0]):,} to {int(sizes[-1]):,} text tokens); run each "
                            "size on its own (one file per size), or drop --context-audio/--context-video")
    totals = replace(timeline, key_context=timeline.key_context + mix[0] + mix[1],
                     prompt_tokens=timeline.prompt_tokens + mix[2] + mix[3], context_audio_tokens=0,
                     context_video_tokens=0, prompt_audio_tokens=0, prompt_video_tokens=0)
    return totals, mix, int(sizes[0])


def mix_note(context_text: int, mix: tuple[int, int, int, int]) -> str:
    context = mix_line("context", parts_of(context_text, mix[0], mix[1])) if mix[0] or mix[1] else "context text"
    prompt = "prompt text"
    if mix[2] or mix[3]:
        prompt = f"prompt text + {mix_line('', parts_of(0, mix[2], mix[3])).strip()}"
    return f"{context}; {prompt}"
