"""A file that does not parse is an error in chipcheck's words, at the parser's line and
column, with what to do: never the parser's own wording (SPEC 1 and 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write

# (file name, text, line:column, words). The words are ours; the positions libyaml's
# and the json module's.
CASES = [
    ('indent.yaml', 'order_id: A\n  date: 2026-01-01\n', '2:7',
     "a ': ' inside a value would start a mapping"),
    ('colon.yaml', 'order_id: A\ndate 2026\nbuyer: x\n', '3:1',
     "a key needs ':' after it: write `key: value` (the key started at line 2, column 1)"),
    ('list.yaml', 'lines: [1, 2\nx: 1\n', '2:2',
     "and end it with ']' (the [list] opened at line 1, column 8)"),
    ('map.yaml', 'b: {a: 1\nc: 2\n', '2:2',
     'this {mapping} is not closed'),
    ('at.yaml', 'a: @x\n', '1:4',
     'nothing can start with this character'),
    ('tab.yaml', 'a:\n\t- 1\n', '2:1',
     'indent with spaces'),
    ('quote.yaml', 'a: "abc\n', '2:1',
     'close the quote (the quoted text opened at line 1, column 4)'),
    ('escape.yaml', 'a: "a\\qb"\n', '1:6',
     'an unknown backslash escape in double-quoted text'),
    ('dash.yaml', 'a: - 1\n', '1:4',
     "a '- ' list cannot start on the line of its key"),
    ('item.yaml', 'a:\n  - 1\n  b: 2\n', '3:3',
     "a line inside a list does not start with '- '"),
    ('empty-item.yaml', 'a: [1,, 2]\n', '1:7',
     'a value is missing here'),
    ('key.json', '{a: 1}', '1:2',
     'a key must be text in double quotes'),
    # a trailing comma: CPython 3.13 words it anew and places it a column earlier
    ('comma.json', '{"a": 1,}', None,
     "no ',' may come before '}'"),
    ('delimiter.json', '{"a": 1 "b": 2}', '1:9',
     "a ',' is missing between two items"),
    ('control.json', '{"a": "x\ty"}', '1:9',
     'a tab or line break inside a string'),
    ('extra.json', '{"a": 1} x', '1:10',
     'text after the end of the JSON value: one order per file'),
    ('open.json', '{"a": "x', '1:7',
     'a string is not closed'),
]  # fmt: skip

# The parsers' own phrases, none of which may reach a user.
LIBRARY_WORDS = (
    "not allowed in this context", "could not find expected", "did not find expected",
    "cannot start any token", "end of stream", "while scanning", "while parsing", "Expecting",
    "Extra data", "Unterminated", "Invalid control", "Illegal trailing",
)  # fmt: skip


@pytest.mark.parametrize(("name", "text", "where", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_syntax_error_is_worded_by_chipcheck(
    cli: Any, tmp_path: Path, name: str, text: str, where: str | None, words: str
) -> None:
    path = write(tmp_path, name, text)
    run = cli("check", path, "--format", "json")
    assert run.code == 2, run.err  # an order in error
    (order,) = run.report["orders"]
    assert order["verdict"] == "error"
    (error,) = order["errors"]
    if where is not None:
        assert f"{error['line']}:{error['column']}" == where
    assert words in error["message"], error["message"]
    assert not any(phrase in error["message"] for phrase in LIBRARY_WORDS), error["message"]
