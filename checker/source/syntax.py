"""The YAML and JSON parsers' complaints in chipcheck's words, each with what to do.

libyaml and the json module word a syntax error for their authors ("mapping values
are not allowed in this context", "Expecting ',' delimiter"); a compliance officer
reads these. Each known complaint is reworded here, and one this table does not know
is still reported, quoted and attributed, never dropped. Positions stay the parsers'.
"""

from __future__ import annotations

_YAML = {
    "mapping values are not allowed in this context": (
        "a ': ' inside a value would start a mapping: quote the value, or put the key on "
        "a line of its own"
    ),
    "could not find expected ':'": "a key needs ':' after it: write `key: value`",
    "did not find expected key": (
        "this line is not a `key: value` of the mapping it is indented under: check its indentation"
    ),
    "did not find expected ',' or ']'": (
        "this [list] is not closed: separate its items with ',' and end it with ']'"
    ),
    "did not find expected ',' or '}'": (
        "this {mapping} is not closed: separate its entries with ',' and end it with '}'"
    ),
    "found character that cannot start any token": (
        "nothing can start with this character (a tab, '@', '`' or '%'): indent with "
        "spaces, and quote text that starts so"
    ),
    "found unexpected end of stream": "the file ends inside a quoted text: close the quote",
    "found unknown escape character": (
        "an unknown backslash escape in double-quoted text: use single quotes, or write "
        "\\\\ for a backslash"
    ),
    "block sequence entries are not allowed in this context": (
        "a '- ' list cannot start on the line of its key: put each '- ' item on a line of its own"
    ),
    "did not find expected '-' indicator": (
        "a line inside a list does not start with '- ': check its indentation"
    ),
    "did not find expected node content": "a value is missing here",
    "found a tab character that violates indentation": "a tab indents this line: use spaces",
    "found a tab character where an indentation space is expected": (
        "a tab indents this line: use spaces"
    ),
}

# Where the construct the complaint is about began, when libyaml says.
_STARTED = {
    "while parsing a flow sequence": "the [list] opened",
    "while parsing a flow mapping": "the {mapping} opened",
    "while scanning a quoted scalar": "the quoted text opened",
    "while parsing a quoted scalar": "the quoted text opened",
    "while scanning a simple key": "the key started",
    "while parsing a block collection": "the list started",
    "while parsing a block mapping": "the mapping started",
}

_JSON = {
    "Expecting property name enclosed in double quotes": (
        "a key must be text in double quotes (and no ',' may come before '}')"
    ),
    "Illegal trailing comma before end of object": "no ',' may come before '}'",  # 3.13
    "Illegal trailing comma before end of array": "no ',' may come before ']'",  # 3.13
    "Expecting ',' delimiter": "a ',' is missing between two items",
    "Expecting ':' delimiter": "a ':' is missing after a key",
    "Expecting value": "a value is missing here (or a ',' before ']')",
    "Invalid control character at": ("a tab or line break inside a string: write it as \\t or \\n"),
    "Extra data": "text after the end of the JSON value: one order per file",
    "Unterminated string starting at": "a string is not closed: end it with '\"'",
    "Invalid \\escape": "an unknown backslash escape in a string: write \\\\ for a backslash",
    "Invalid \\uXXXX escape": "a \\u escape needs four hexadecimal digits",
}


def yaml_message(problem: str | None, context: str | None, started: tuple[int, int] | None) -> str:
    """A libyaml error as chipcheck says it; `started` is the 1-based line and column
    where the `context` construct began, if libyaml gives one."""
    said = problem or context or "the file cannot be read as YAML"
    message = f"YAML syntax error: {_YAML.get(said) or f'libyaml says: {said}'}"
    if problem and context in _STARTED and started:
        message += f" ({_STARTED[context]} at line {started[0]}, column {started[1]})"
    return message


def json_message(msg: str) -> str:
    """A json module error as chipcheck says it."""
    return f"invalid JSON: {_JSON.get(msg) or f'the JSON parser says: {msg}'}"
