"""A large, valid, anchor-free price table: the bundled models copied under fresh ids and aliases.

Shared by tests/test_hardening_yaml.py and benchmarks/validate_large.py (issue 6, hole 5).
"""

from __future__ import annotations

import re
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "pricing" / "gemini-api.yaml"


def write_big_table(path: Path, size: int = 4_800_000) -> tuple[int, int]:
    """Write copies of the bundled models until the file has at least `size` bytes; (copies, models)."""
    source = BUNDLED.read_text(encoding="utf-8")
    head, _, models = source.partition("models:\n")
    per_copy = len(re.findall(r"^  - id: ", models, flags=re.M))
    parts, length, copies = [head, "models:\n"], len(head) + len("models:\n"), 0
    while length < size:
        block = re.sub(r"^(  - id: )(\S+)", rf"\g<1>\g<2>-copy{copies}", models, flags=re.M)
        suffix = f"-copy{copies}"
        block = re.sub(r"^(    aliases: \[)([^\]]*)\]",
                       lambda found, end=suffix: found.group(1) + ", ".join(f"{alias.strip()}{end}"
                                                                            for alias in found.group(2).split(","))
                       + "]", block, flags=re.M)
        parts.append(block)
        length += len(block)
        copies += 1
    path.write_text("".join(parts), encoding="utf-8")
    return copies, copies * per_copy
