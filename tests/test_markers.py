"""The default test run leaves Spark out (pyproject: -m 'not spark'); .ci/run runs it in its own step. A test that
starts Spark without the marker would silently put a JVM start back into the default run, so find them by source."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

_STARTS_SPARK = re.compile(r"SparkSession|bill_spark\(|'--engine', 'spark'")  # as ast.unparse writes it


def _is_spark_mark(decorator: ast.expr) -> bool:
    return ast.unparse(decorator).startswith("pytest.mark.spark")


def test_every_test_that_starts_spark_is_marked() -> None:
    unmarked, marked = [], 0
    for path in sorted((REPO / "tests").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marked = any(isinstance(node, ast.Assign) and "pytest.mark.spark" in ast.unparse(node)
                            for node in tree.body)
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            uses_spark = "spark" in (arg.arg for arg in node.args.args) or _STARTS_SPARK.search(ast.unparse(node))
            if uses_spark and path.name != "test_markers.py":
                if module_marked or any(_is_spark_mark(d) for d in node.decorator_list):
                    marked += 1
                else:
                    unmarked.append(f"{path.name}::{node.name}")
    assert unmarked == [], "mark these @pytest.mark.spark"
    assert marked >= 5  # the Spark tests of test_warehouse_spark, _errors and _modalities are found at all
