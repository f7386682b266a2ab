"""The fast path: a block of typed records -> a few integer additions per record into per-key cells.

It bills only what it can prove it bills exactly as the reference reading (`records`, `details`) would; every other
record is handed back by position, and the reference reading decides and explains it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from costcalc.usage.counts import CACHED, FIELDS, FRESH, OUTPUT, RESPONSES
from costcalc.usage.details import Split
from costcalc.usage.records import ResponseTokens
from costcalc.usage.structs import PLAIN, Line, Usage, quick_split
from costcalc.usage.times import UTC_TIME, all_utc_times

PriceMemo = tuple[str | None, str, bool | None]
"""(model as logged, UTC day, batch flag): what a record's prices depend on."""
FastPrices = tuple[int, list[int], list[int], bool, tuple[int, ...], bool, bool, int, int, str]
"""What the fast path needs of one `PriceMemo`, by position (a tuple: indexing is the cheapest read):
0 gate: the long-context threshold or the context window, whichever is smaller (a prompt at or below it needs no
  second look); 1 lower-tier cell; 2 upper-tier cell; 3 cached tokens priced; 4 `details.unpriced_slots` (usually
  none); 5 fresh AUDIO priced; 6 cached AUDIO priced; 7 context window; 8 long-context threshold; 9 model id."""

_STAMP = operator.attrgetter("timestamp")
assert (RESPONSES, FRESH, CACHED, OUTPUT) == (0, 1, 2, 3)  # the hot loop writes the slots by number
assert tuple(FIELDS[slot] for slot in range(7, 15)) == tuple(
    f"{name}_tokens" for name in ResponseTokens._fields[3:])  # the same parts in the same order


def bill_typed(records: list[Line], known: Callable[[PriceMemo], FastPrices | None],
               find: Callable[[PriceMemo], FastPrices | None], over_window: dict[str, int]) -> list[int]:
    """Add the typical records into their cells; return the positions of the others, ascending.

    `known` answers from the memo (None when absent or when the reference reading must explain the prices),
    `find` works a memo out; `over_window` counts responses whose prompt is above the model's context window
    (billed as logged; the report notes them)."""
    stamps: list[str | None] = list(map(_STAMP, records))
    try:
        all_utc = all_utc_times(stamps)  # type: ignore[arg-type]
    except TypeError:  # some record has no timestamp (Vertex AI's createTime, a cache, or no time)
        position, timeless = -1, False
        try:  # visit only those records
            while True:
                position = stamps.index(None, position + 1)
                stamps[position] = records[position].create_time
                timeless = timeless or stamps[position] is None
        except ValueError:
            pass
        all_utc = not timeless and all_utc_times(stamps)  # type: ignore[arg-type]
    slow: list[int] = []
    late = slow.append
    position = -1
    # The hot loop: a handful of operations per record (slots 0-3 are RESPONSES, FRESH, CACHED, OUTPUT).
    for record, stamp in zip(records, stamps, strict=True):
        position += 1
        usage = record.usage
        if usage is None or stamp is None or record.name is not None or not (all_utc or UTC_TIME.fullmatch(stamp)):
            late(position)
            continue
        prices = known((record.model_version, stamp[:10], record.batch))
        if prices is None:
            prices = find((record.model_version, stamp[:10], record.batch))
            if prices is None:
                late(position)
                continue
        prompt = usage.prompt
        cached = usage.cached
        if prompt is None or (cached and (cached > prompt or not prices[3])):
            late(position)  # no_counts, cached_above_prompt, no_cached_price: the reference explains
            continue
        # Tier with one compare for a prompt at or below the gate (almost all of them); nothing is added before
        # the record is known to be billable here.
        whole = prompt + usage.tool_use
        cell = prices[2] if whole > prices[0] and whole > prices[8] else prices[1]
        # Plain text (every list absent, or one TEXT entry with the whole count): nothing to check or add.
        details, cache_details, output_details = usage.prompt_details, usage.cache_details, usage.candidates_details
        if not ((details is None or (len(details) == 1 and details[0].tokens == prompt
                                     and details[0].modality == "TEXT"))
                and (cache_details is None or (len(cache_details) == 1 and cache_details[0].tokens == cached
                                               and cache_details[0].modality == "TEXT"))
                and (output_details is None or (len(output_details) == 1 and output_details[0].tokens
                                                == usage.candidates and output_details[0].modality == "TEXT"))
                and usage.tool_use_details is None):
            parts = _usual_parts(usage, prompt, cached)
            if parts is not None:  # fresh AUDIO, cached AUDIO, output AUDIO, output IMAGE (slots 7, 10, 13, 14)
                if (parts[0] and not prices[5]) or (parts[1] and not prices[6]) or (
                        (parts[2] and 9 in prices[4]) or (parts[3] and 10 in prices[4])):
                    late(position)  # no_modality_price: the reference explains
                    continue
                cell[7] += parts[0]
                cell[10] += parts[1]
                if parts[2] or parts[3]:
                    cell[13] += parts[2]
                    cell[14] += parts[3]
            else:
                split = _modal(usage, prices[4])
                if split is None:
                    late(position)  # bad details or an unpriced modality: the reference explains
                    continue
                if split is not PLAIN:  # slots 7-14 are the parts, in ResponseTokens order from its 4th item
                    tokens = split.tokens
                    cell[7] += tokens[3]
                    cell[8] += tokens[4]
                    cell[9] += tokens[5]
                    cell[10] += tokens[6]
                    cell[11] += tokens[7]
                    cell[12] += tokens[8]
                    cell[13] += tokens[9]
                    cell[14] += tokens[10]
        if whole > prices[0] and whole > prices[7]:  # above the context window: billed as logged, and noted
            over_window[prices[9]] = over_window.get(prices[9], 0) + 1
        cell[1] += whole - cached
        cell[0] += 1
        cell[2] += cached
        cell[3] += usage.candidates + usage.thoughts
    return slow


def _usual_parts(usage: Usage, prompt: int, cached: int) -> tuple[int, int, int, int] | None:
    """(fresh AUDIO, cached AUDIO, output AUDIO, output IMAGE) of the usual multimodal record, None for any other
    shape (`quick_split` decides). The usual shapes, with every sum and per-modality bound of the rules checked:
    prompt details absent, [TEXT] or [TEXT, AUDIO]; cache details absent (then nothing cached when there is
    AUDIO), [TEXT] or [TEXT, AUDIO]; candidates details absent or TEXT, AUDIO and IMAGE entries; no tool-use
    details. For them the reference rules (`details.split_modalities`) give exactly these parts."""
    if usage.tool_use_details is not None:
        return None
    audio = cached_audio = 0
    details = usage.prompt_details
    if details is not None:
        if len(details) == 2:
            text_entry, audio_entry = details
            audio = audio_entry.tokens
            if not (text_entry.tokens + audio == prompt and text_entry.modality == "TEXT"
                    and audio_entry.modality == "AUDIO"):
                return None
        elif len(details) != 1 or details[0].tokens != prompt or details[0].modality != "TEXT":
            return None
    details = usage.cache_details
    if details is None:
        if cached and audio:
            return None  # no_cache_details
    elif len(details) == 2:
        text_entry, audio_entry = details
        cached_audio = audio_entry.tokens
        if not (text_entry.tokens + cached_audio == cached and text_entry.modality == "TEXT"
                and audio_entry.modality == "AUDIO" and text_entry.tokens <= prompt - audio and cached_audio <= audio):
            return None
    elif len(details) != 1 or details[0].tokens != cached or details[0].modality != "TEXT" or cached > prompt - audio:
        return None
    output_audio = output_image = 0
    details = usage.candidates_details
    if details is not None:
        listed = 0
        for entry in details:
            listed += entry.tokens
            if entry.modality == "AUDIO":
                output_audio += entry.tokens
            elif entry.modality == "IMAGE":
                output_image += entry.tokens
            elif entry.modality != "TEXT":
                return None
        if listed != usage.candidates:
            return None
    return audio - cached_audio, cached_audio, output_audio, output_image


def _modal(usage: Usage, slots: tuple[int, ...]) -> Split | None:
    """The split of a record with modality details, or None when the reference reading must explain it."""
    split = quick_split(usage)
    if split is None or (slots and split is not PLAIN and not _priced(split, slots)):
        return None
    return split


def _priced(split: Split, slots: tuple[int, ...]) -> bool:
    """No tokens where a price is missing (`details.unpriced_slots`: items of `details.flat(split)`)."""
    tokens = split.tokens
    return not any(tokens[slot] if slot < 11 else split[slot - 10] for slot in slots)
