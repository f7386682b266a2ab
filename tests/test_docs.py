"""README.md and docs/*.md are the manual: every command and snippet in them is run, and pasted output must stay true.

Each fenced block is one of: a `$ costcalc …` command with its output (run, output compared), a ```python snippet
(executed; a following "prints `…`" is compared), a shell command that .ci/run proves (README's three), a record
of a benchmark run (its script must exist), a YAML example (must parse), or a block marked on the line before with
`<!-- not run: why -->`. Anything else fails, so a new page cannot slip in an unchecked example.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from costcalc.cli.app import app
from tests.conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
README_LIMIT_BYTES = 8 * 1024
MOST_MARKERS = 15  # blocks that cannot run offline; keep them rare
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[a-z]*)\n(?P<body>.*?)^(?P=indent)```$", re.S | re.M)
_MARKER = re.compile(r"<!-- not run: (?P<why>[^>]+) -->\n *$")
_BENCHMARK = re.compile(r"^(?:\$ )?(?:[A-Z_]+=\S+ )*python (?P<script>benchmarks/\S+\.py)")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    body: str
    after: str  # the prose that follows, where "prints `…`" is
    not_run: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        marker = _MARKER.search(text, 0, match.start())
        not_run = marker["why"] if marker and marker.end() == match.start() + indent else None
        blocks.append(Block(str(path.relative_to(REPO)), text.count("\n", 0, match.start()) + 1, match["lang"],
                            body, text[match.end():match.end() + 300].lstrip(), not_run))
    return blocks


BLOCKS = [block for page in PAGES for block in _blocks(page)]
README_BLOCKS = _blocks(REPO / "README.md")
CI = (REPO / ".ci" / "run").read_text(encoding="utf-8")
# README's shell commands: install and estimate, the tests, the site. .ci/run runs the last two; the first is the
# second's install plus an estimate whose pasted output is compared below.
README_COMMANDS = [b.body.strip() for b in README_BLOCKS if b.lang == "sh"]
INSTALL_AND_RUN, TEST_COMMAND, SITE_COMMAND = README_COMMANDS


def _kind(block: Block, previous: Block | None) -> str:
    if block.not_run:
        return "not run"
    if block.body.startswith("$ costcalc "):
        return "cli"
    if block.lang == "python":
        return "python"
    if block.lang in ("sh", "bash") and block.body.strip() in README_COMMANDS:
        return "proven by ci"
    if block.lang == "yaml":
        return "yaml"
    if block.lang == "" and _BENCHMARK.match(block.body):
        return "benchmark record"
    if block.lang == "" and previous is not None and previous.body.strip() == INSTALL_AND_RUN:
        return "readme output"
    return "unchecked"


KINDS = {block.id: _kind(block, previous) for page in PAGES
         for previous, block in zip([None, *_blocks(page)], _blocks(page), strict=False)}


def _of_kind(kind: str) -> list[Block]:
    return [block for block in BLOCKS if KINDS[block.id] == kind]


def _same_lines(actual: str, expected: str) -> bool:
    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.strip().splitlines()]
    return lines(actual) == lines(expected)


def _run_cli(command: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, shlex.split(command.removeprefix("costcalc ")))
    return result.exit_code, result.stdout.replace(f"{REPO}/", "")


def test_every_block_is_checked_or_marked() -> None:
    unchecked = [f"{b.id} ({b.lang or 'no language'}): {b.body.partition(chr(10))[0]}" for b in _of_kind("unchecked")]
    assert not unchecked, "add a test for these blocks, or mark one `<!-- not run: why -->`:\n" + "\n".join(unchecked)


def test_not_run_markers_stay_rare() -> None:
    marked = _of_kind("not run")
    assert 0 < len(marked) <= MOST_MARKERS, [b.id for b in marked]
    # Every kind of check is used, so a broken classifier cannot pass everything as "not run".
    assert {"cli", "python", "proven by ci", "yaml", "benchmark record", "readme output"} <= set(KINDS.values())


@pytest.mark.parametrize("block", _of_kind("cli"), ids=lambda b: b.id)
def test_pasted_output_is_what_the_command_prints(block: Block) -> None:
    command, _, expected = block.body.partition("\n")
    exit_code, actual = _run_cli(command.removeprefix("$ "))
    assert exit_code == (1 if "litellm_planted" in command else 0)  # the planted feed disagrees on purpose
    assert _same_lines(actual, expected)


def test_readme_install_line_prints_its_pasted_output() -> None:
    estimate = "costcalc " + INSTALL_AND_RUN.rpartition("&& costcalc ")[2]
    assert INSTALL_AND_RUN.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && ")
    assert "--model gemini-2.5-flash" in estimate and "--context-audio" in estimate  # a current model, with audio
    (output,) = _of_kind("readme output")
    exit_code, actual = _run_cli(estimate)
    assert exit_code == 0 and _same_lines(actual, output.body)


@pytest.mark.parametrize("block", _of_kind("python"), ids=lambda b: b.id)
def test_python_snippet_runs(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block.body, block.id, "exec"), {"__name__": "__docs__"})
    if block.after.startswith("prints `"):
        assert printed.getvalue().strip() == block.after.removeprefix("prints `").partition("`")[0]


@pytest.mark.parametrize("block", _of_kind("yaml"), ids=lambda b: b.id)
def test_yaml_example_parses(block: Block) -> None:
    assert isinstance(yaml.safe_load(block.body), (dict, list))


def test_benchmark_records_name_real_scripts() -> None:
    for block in _of_kind("benchmark record"):
        match = _BENCHMARK.match(block.body)
        assert match and (REPO / match["script"]).is_file(), block.id


def test_ci_runs_exactly_the_readme_commands() -> None:
    ci_lines = [line.strip() for line in CI.splitlines()]
    assert TEST_COMMAND == "pip install '.[test]' && python -m pytest -q"
    assert TEST_COMMAND in ci_lines
    # CI builds the site into its scratch folder, so nothing is left behind; otherwise README's command.
    site = next(line for line in ci_lines if line.startswith("pip install '.[docs]'"))
    assert site.startswith(SITE_COMMAND) and "mkdocs build --strict" in SITE_COMMAND


def test_readme_is_short() -> None:
    assert (REPO / "README.md").stat().st_size <= README_LIMIT_BYTES


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in _nav_pages(value)]
    assert isinstance(nav, list)
    return [page for item in nav for page in _nav_pages(item)]


def test_every_docs_page_is_in_the_site_nav() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True and config["theme"]["font"] is False  # no web fonts: the site builds offline
    nav = _nav_pages(config["nav"])
    assert sorted(nav) == sorted(p.name for p in (REPO / "docs").glob("*.md")) and len(set(nav)) == len(nav)


def test_readme_links_point_at_pages_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", (REPO / "README.md").read_text(encoding="utf-8"))
    assert len(links) >= 10
    assert [link for link in links if not (REPO / link).is_file()] == []
