"""Reading a YAML price file that may be hostile: alias-expansion cap, depth guard, safe_load only.

Also maps a data path such as ``("models", 2, "periods", 0, "input_mtok")`` back to its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from costcalc.errors import PricingFileError

MAX_EXPANDED_NODES = 100_000
"""A real table has a few thousand nodes; aliases that multiply past this are an attack or a mistake."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _mark_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def compose(path: Path, text: str) -> yaml.Node | None:
    """The node tree (with line marks), refusing alias bombs before anything is expanded."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PricingFileError(f"{path}:{_mark_line(error)}: YAML syntax error: {problem}") from None
    except RecursionError:
        raise PricingFileError(f"{path}:1: YAML is nested too deeply to be a price table") from None
    if root is not None:
        expanded = _expanded_size(root)
        if expanded > MAX_EXPANDED_NODES:
            raise PricingFileError(
                f"{path}:1: YAML anchors/aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; "
                "write the values out instead of aliasing them"
            )
    return root


def _expanded_size(root: yaml.Node) -> int:
    """Number of nodes after every alias is expanded, computed without expanding (memoised, iterative)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        # A cycle (recursive alias) leaves a child unsized: treat it as unbounded.
        total = 1 + sum(sizes.get(id(child), MAX_EXPANDED_NODES + 1) for child in children)
        sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load(path: Path, text: str) -> Any:
    """`yaml.safe_load`, with its errors turned into file:line messages."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PricingFileError(f"{path}:{_mark_line(error)}: cannot load YAML: {problem}") from None
    except RecursionError:
        raise PricingFileError(f"{path}:1: YAML is nested too deeply to be a price table") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise PricingFileError(f"{path}:1: cannot load YAML: {error}") from None


def line_of(root: yaml.Node | None, path: tuple[Any, ...]) -> int:
    """Line (1-based) of the deepest node along `path`; for a mapping key, the key's line."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 1
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line
