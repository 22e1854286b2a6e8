"""Message templates render as str.format would, with chipcheck's value formatting.

The oracle is the standard library's own format-string parser (string.Formatter), so
the precompiled patterns in checker.lang.templates are checked against an independent
reading of the same text, including literal braces.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from checker.lang.templates import format_value, parse

NAMES = ("a", "b", "units")
VALUES = st.one_of(
    st.integers(-(10**9), 10**9),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.booleans(),
    st.text(max_size=8),
)


class _Oracle(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        return format(value, format_spec) if format_spec else format_value(value)


@st.composite
def templates(draw: st.DrawFn) -> str:
    pieces = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            text = draw(st.text(alphabet="ab {}:,.-\n", max_size=6))
            pieces.append(text.replace("{", "{{").replace("}", "}}"))
        else:
            name = draw(st.sampled_from(NAMES))
            spec = draw(st.sampled_from(("", ":,")))
            pieces.append(f"{{{name}{spec}}}")
    return "".join(pieces)


@given(templates(), st.fixed_dictionaries(dict.fromkeys(NAMES, VALUES)), st.data())
def test_render_matches_the_standard_library_reading(
    text: str, values: dict[str, Any], data: st.DataObject
) -> None:
    for name in NAMES:  # ':,' applies to numbers only
        if not isinstance(values[name], int | float) or isinstance(values[name], bool):
            text = text.replace(f"{{{name}:,}}", f"{{{name}}}")
    expected = _Oracle().format(text, **values)
    template = parse(text)
    assert template.render(values) == expected
    bound = data.draw(st.sets(st.sampled_from(NAMES)))
    assert template.bind({n: values[n] for n in bound}).render(values) == expected
