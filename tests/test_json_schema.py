"""`costcalc pricing schema`: the JSON Schema shipped as pricing/price-table.schema.json, checked by a standard
validator (jsonschema) against the bundled tables and against tables costcalc refuses."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from costcalc.cli.app import app
from costcalc.prices.json_schema import SCHEMA_FILE_NAME, price_table_schema, schema_text

jsonschema = pytest.importorskip("jsonschema")

PRICING = Path(__file__).resolve().parent.parent / "pricing"
TABLES = sorted(PRICING.glob("*.yaml"))


def _as_an_editor_sees_it(path: Path) -> Any:
    """yaml.safe_load turns `2024-05-14` into a date; YAML editors (and JSON) see the string."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")),
                                 default=lambda value: value.isoformat() if isinstance(value, date) else value))


def _errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(price_table_schema(),
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(data)]


def test_the_shipped_schema_is_the_commands_output() -> None:
    result = CliRunner().invoke(app, ["pricing", "schema"])
    assert result.exit_code == 0
    shipped = (PRICING / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert result.stdout == shipped == schema_text(), (
        "pricing/price-table.schema.json is stale: run `costcalc pricing schema > pricing/price-table.schema.json`")


def test_the_schema_is_valid_draft_2020_12_with_descriptions() -> None:
    schema = price_table_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    period = schema["$defs"]["PricePeriod"]
    assert period["additionalProperties"] is False
    assert period["properties"]["checked"]["description"].startswith("Day a maintainer")
    # every field of every level says what it means
    for name, definition in schema["$defs"].items():
        for field, spec in definition["properties"].items():
            assert spec.get("description"), (name, field)


@pytest.mark.parametrize("path", TABLES, ids=[p.name for p in TABLES])
def test_bundled_tables_validate(path: Path) -> None:
    assert TABLES and _errors(_as_an_editor_sees_it(path)) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda m: m["periods"][0].update(input_mtok=1.25), "is not valid under any of the given schemas"),  # bare float
    (lambda m: m["periods"][0].update(input_mtok="1,25"), "is not valid under any of the given schemas"),
    (lambda m: m.update(context_windw=1), "Additional properties are not allowed ('context_windw'"),
    (lambda m: m["periods"][0].pop("effective"), "'effective' is a required property"),
    (lambda m: m["periods"][0].update(effective="2024-13-01"), "is not a 'date'"),
    (lambda m: m.update(caching="sometimes"), "is not one of ['explicit', 'implicit', 'none']"),
])
def test_what_costcalc_refuses_the_schema_refuses(change: Any, expected: str) -> None:
    data = _as_an_editor_sees_it(PRICING / "gemini-api.yaml")
    change(data["models"][0])
    errors = _errors(data)
    assert len(errors) == 1 and expected in errors[0], errors
