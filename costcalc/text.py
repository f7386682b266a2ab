"""Text from price tables, file names and user input never reaches a terminal with its control characters.

Tables are validated (control characters are refused), but library users build tables in code and file names
can hold anything, so the faces escape on the way out as well: `\\x1b` is printed as the four characters
`\\x1b`, never as an escape sequence. (`safe_rich` does the same for rich tables; this module imports no rich.)
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters that can rewrite a terminal (escape sequences, carriage return, bidi overrides); tab and
newline are plain text."""


def _visible(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character spelled out (`\\x1b`, `\\u202e`); tab and newline stay."""
    return CONTROL_CHARACTERS.sub(lambda found: _visible(found.group()), text) if text else text


def one_line(text: str) -> str:
    """`printable`, and a newline (from a file name, say) spelled `\\n`: an error message is one line."""
    return printable(text).replace("\n", "\\n")


def json_safe(text: str) -> str:
    """JSON text with the control characters `json.dumps` leaves raw (DEL, C1, bidi) written as `\\uXXXX`."""
    return CONTROL_CHARACTERS.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
