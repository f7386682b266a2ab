"""Fuzzing in the normal suite, so that the next hole is found by us (issue 6).

Mutated price tables go to the loader and to `pricing validate`; random option values go to every command.
Each case must end, within seconds, in success or a one-line `file:line: message` / `costcalc: error: …`,
never a traceback or a hang. The cases run in one child process (tests/fuzz_worker.py) with a per-case
alarm, and the parent kills it when an answer does not come: a hang fails the test instead of the suite.
"""

from __future__ import annotations

import base64
import json
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO

# Hundreds of generated cases in a child process: .ci/run runs them in its second step, not the default run.
pytestmark = pytest.mark.slow

ANSWER_SECONDS = 30.0


class Worker:
    """The fuzz child process; restarted after a hang so later cases still run."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.folder = ""
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fuzz_worker"], cwd=REPO, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.folder = json.loads(self._line())["ready"]

    def _line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], ANSWER_SECONDS)
        if not ready:
            self.stop()
            self.start()
            raise AssertionError(f"the fuzz worker gave no answer in {ANSWER_SECONDS} s: a hang")
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            self.start()
            raise AssertionError("the fuzz worker died (a crash below Python, or memory)")
        return line

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._line())
        assert "hang" not in answer, (request, answer)
        assert "crash" not in answer, answer["crash"]
        return answer

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    running = Worker()
    yield running
    running.stop()


# ---- price tables

def _base(name: str, models: int) -> str:
    """The head of a bundled table with its first few models: big enough to be real, small enough to be fast."""
    text = (REPO / "pricing" / name).read_text(encoding="utf-8")
    starts = [match.start() for match in re.finditer(r"^  - id: ", text, flags=re.M)]
    return text[: starts[models]] if len(starts) > models else text


def _line(text: str, key: str) -> int:
    """Index of the first line that sets `key`, for the hand-picked examples."""
    return next(index for index, line in enumerate(text.splitlines()) if line.strip().startswith(key))


BASES = [_base("gemini-api.yaml", 4), _base("vertex-ai.yaml", 3)]
NASTY = ["1e999999", '"1e999999"', "-1", '"-1.25"', "9" * 5000, "&a [*a]", "*nope", "[", "{", "}", "'",
         "!!python/object/apply:os.system [ls]", "!!binary aGk=", "!!set {a}", "null", "[]", "{}", "~", ".inf",
         '"\\e[31mred"', '"\\x9b"', '"\\u202e"', "<<: *a", "2024-13-45", '"NaN"', "0x1F", "1:30", "yes", '"1_000"',
         "0.1", "1.25", "10", "2025-01-01", "2099-01-01", '"explicit"', '"implicit"', "[a, b]", "{lower: '1'}",
         "{lower: '2', upper: '1'}", "\t", "&x", "? [a]", "--- \n", "|\n  text", ">-\n  folded"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=20))

OPERATIONS = st.one_of(
    st.tuples(st.just("delete"), st.integers(min_value=0)),
    st.tuples(st.just("duplicate"), st.integers(min_value=0)),
    st.tuples(st.just("value"), st.integers(min_value=0), VALUES),
    st.tuples(st.just("alias"), st.integers(min_value=0), st.integers(min_value=0)),
    st.tuples(st.just("nest"), st.integers(min_value=0), st.integers(min_value=1, max_value=200)),
    st.tuples(st.just("bytes"), st.integers(min_value=0), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.integers(min_value=0)),
    st.tuples(st.just("indent"), st.integers(min_value=0), st.integers(min_value=-4, max_value=4)),
)


def _mutate(text: str, operations: list[tuple[Any, ...]]) -> bytes:
    lines = text.splitlines()
    data: bytes | None = None
    for operation in operations:
        kind, where = operation[0], operation[1] % max(len(lines), 1)
        if kind == "delete" and lines:
            del lines[where]
        elif kind == "duplicate" and lines:
            lines.insert(where, lines[where])  # the same key twice, or the same list item
        elif kind == "value" and lines:
            key, colon, _ = lines[where].partition(": ")
            lines[where] = f"{key}{colon or ': '}{operation[2]}"
        elif kind == "alias" and lines:
            other = operation[2] % len(lines)
            key, colon, value = lines[where].partition(": ")
            lines[where] = f"{key}{colon}&x {value}" if colon else lines[where]
            key, colon, _ = lines[other].partition(": ")
            lines[other] = f"{key}{colon}*x" if colon else lines[other]
        elif kind == "nest" and lines:
            key, colon, _ = lines[where].partition(": ")
            lines[where] = f"{key}{colon or ': '}{'[' * operation[2]}1{']' * operation[2]}"
        elif kind == "indent" and lines:
            shift = operation[2]
            lines[where] = " " * shift + lines[where] if shift > 0 else lines[where][-shift:]
        elif kind == "truncate":
            joined = "\n".join(lines)
            lines = joined[: operation[1] % (len(joined) + 1)].splitlines()
        elif kind == "bytes":
            raw = "\n".join(lines).encode()
            at = operation[1] % (len(raw) + 1)
            data = raw[:at] + operation[2] + raw[at:]
            lines = data.decode("utf-8", errors="replace").splitlines()
    text_bytes = ("\n".join(lines) + "\n").encode()
    return data if data is not None and operations[-1][0] == "bytes" else text_bytes


def _one_line_at(path: str, message: str) -> bool:
    return "\n" not in message and re.match(rf"^{re.escape(path)}:\d+: \S", message) is not None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), operations=st.lists(OPERATIONS, min_size=1, max_size=3))
# The first example is the hang (a recursive alias); the others an escape sequence and deep nesting.
@example(base=BASES[0], operations=[("value", _line(BASES[0], "context_window_tokens:"), "&a [*a]")])
@example(base=BASES[0], operations=[("value", _line(BASES[0], "name:"), '"\\e[2J"')])
@example(base=BASES[1], operations=[("nest", _line(BASES[1], "input_mtok:"), 200),
                                    ("duplicate", _line(BASES[1], "output_mtok:"))])
def test_mutated_tables_end_in_success_or_file_line_message(worker: Worker, base: str,
                                                            operations: list[tuple[Any, ...]]) -> None:
    answer = worker.ask({"kind": "table", "data": base64.b64encode(_mutate(base, operations)).decode()})
    path, loaded, validate = answer["path"], answer["load"], answer["validate"]
    assert loaded == "ok" or _one_line_at(path, loaded), loaded
    code, out, err = validate["code"], validate["out"], validate["err"]
    if code == 0:
        assert out.startswith("ok: 1 file(s)") and err == "" and loaded == "ok"
    else:
        assert code == 1, (code, out, err)
        problems = out.splitlines()
        assert problems and all(_one_line_at(path, line) for line in problems), out
        assert err == f"costcalc: {len(problems)} problem(s) in 1 file(s)\n"
        assert loaded != "ok" and loaded.startswith(problems[0])  # the loader reports the first problem


# ---- command-line options

COMMANDS = {
    "estimate": ["-m", "-c", "-p", "-o", "-n", "--ttl", "--as-of", "--platform", "--context-chars", "--prompt-chars",
                 "--output-chars", "--chars-per-token", "--hit-rate", "--format", "--pricing"],
    "breakeven": ["-m", "-c", "-p", "--ttl", "--as-of", "--platform", "--context-chars", "--prompt-chars",
                  "--chars-per-token", "--format", "--pricing"],
    "models": ["--as-of", "--platform", "--format", "--pricing"],
    "prices": ["--as-of", "--platform", "--format", "--pricing"],
    "pricing check": ["--against", "--as-of", "--platform", "--format"],
    # --plot is left out: it writes a file wherever a random string points.
    "simulate": ["-m", "-c", "-p", "-o", "--timeline", "--rate", "--for", "--arrivals", "--seed", "--profile",
                 "--strategies", "--ttls", "--hit-rate", "--as-of", "--platform", "--format", "--pricing"],
    "recommend": ["-m", "-c", "-p", "-o", "--timeline", "--rate", "--for", "--arrivals", "--seed", "--profile",
                  "--strategies", "--ttls", "--hit-rate", "--as-of", "--platform", "--format", "--pricing"],
}
GOOD = {"-m": "gemini-2.5-pro", "-c": "300k", "--against": "tests/fixtures/peers/litellm_clean.json",
        "--rate": "20/h", "--for": "1d"}
OPTION_VALUES = st.one_of(
    st.sampled_from(["", " ", "-1", "0", "1", "1M", "1.5M", "1e9", "1_000", "1__0", "nan", "inf", "-inf", "٣", "1h",
                     "1.5h", "0s", "90", "2026-01-15", "20260115", "2026-02-30", "9999-12-31", "0001-01-01", "40%",
                     "101%", "0.4", "json", "table", "vertex-ai", "gemini-api", "gemini-1.5-pro",
                     "models/GEMINI-2.5-PRO",
                     "9" * 130, "\x00", "\x1b[31m", "--", "-m", "--help", "{fifo}", "{folder}", "/dev/null",
                     "/dev/zero", "pricing/gemini-api.yaml", "tests/fixtures/peers/genai_prices_clean.json",
                     "examples/bursty.csv", "1000/h", "1e9/s", "0/h", "30d", "10y", "office", "9-17", "optimal",
                     "explicit:1h", "refresh:auto", "5m,1h", "csv"]),
    st.text(max_size=15))


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = command.split()
    if command == "prices":
        argv.append(draw(st.one_of(st.just("gemini-2.5-pro"), OPTION_VALUES)))
    for option in draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=5)):
        argv += [option, draw(OPTION_VALUES)]
    for option, value in GOOD.items():  # keep most cases past the first check, into the code behind it
        if option in COMMANDS[command] and option not in argv and draw(st.booleans()):
            argv += [option, value]
    return argv


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_random_options_end_in_an_answer_or_one_error_line(worker: Worker, argv: list[str]) -> None:
    argv = [part.replace("{fifo}", f"{worker.folder}/fifo.yaml").replace("{folder}", f"{worker.folder}/folder.yaml")
            for part in argv]
    result = worker.ask({"kind": "cli", "argv": argv})["cli"]
    code, out, err = result["code"], result["out"], result["err"]
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in out + err and "internal error" not in err, (argv, err)
    notes = [line for line in err.splitlines() if line.startswith(("costcalc: note:", "costcalc: warning:"))]
    problems = [line for line in err.splitlines() if line not in notes]
    if code == 0:
        assert problems == [] or "--help" in argv, (argv, err)
    elif argv[:2] == ["pricing", "check"] and code == 1 and not problems:
        assert out  # disagreements with the peer feed are a report on stdout, not an error
    else:
        assert len(problems) == 1 and problems[0].startswith("costcalc: error: "), (argv, err)
