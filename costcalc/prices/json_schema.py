"""The JSON Schema of a price table file, generated from the models in `costcalc.prices.schema`.

Field docstrings become descriptions, so an editor that reads the schema (the `yaml-language-server: $schema=`
comment on the first line of a table) completes field names and shows what each one means. A price is a quoted
decimal string (or a whole number): costcalc refuses bare YAML floats, and so does the schema. Dates are strings in
`YYYY-MM-DD` form, as a YAML editor sees them. costcalc's own checks (`costcalc pricing validate`) go further:
periods in order, cached at most input, and the rest of the invariants.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_core import core_schema

SCHEMA_FILE_NAME = "price-table.schema.json"
"""The generated schema as shipped next to the bundled tables in `pricing/`."""
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
"""A price as written in the tables: digits, optionally a point and more digits (no sign, no exponent)."""


def price_table_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one price table file."""
    import pydantic
    from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

    from costcalc.prices.schema import PriceFile

    class _Generator(GenerateJsonSchema):
        def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
            return {"anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "integer", "minimum": 0}],
                    "examples": ["1.25"]}

    body = pydantic.TypeAdapter(PriceFile).json_schema(schema_generator=_Generator)
    head = {"$schema": DIALECT, "title": "costcalc price table",
            "description": body.pop("description", None) or "One YAML price table: the models of one platform."}
    return {**head, **{key: value for key, value in body.items() if key != "title"}}


def schema_text() -> str:
    """The schema as `costcalc pricing schema` prints it and `pricing/price-table.schema.json` holds it."""
    return json.dumps(price_table_schema(), indent=2, ensure_ascii=False) + "\n"
