"""One reading of a libyaml error: where the problem is, and where its construct began.

libyaml reports an unclosed quote, bracket or block where it gave up (often the end of
the file) and, separately, where the construct it was reading began: the line an
author must fix. Both positions go into the message, the problem's into the location.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True, slots=True)
class YamlErrorPlace:
    line: int  # 1-based, where the problem was found
    column: int
    message: str  # "YAML syntax error: ..." naming the construct's start when known


def describe_yaml_error(exc: yaml.YAMLError) -> YamlErrorPlace:
    """The location and message for a YAML error, both positions 1-based."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlErrorPlace(1, 1, f"YAML error: {exc}")
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    mark = problem_mark or context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or str(exc)
    message = f"YAML syntax error: {problem}"
    if exc.context and context_mark is not None and exc.problem:
        same_place = (problem_mark is not None and problem_mark.line == context_mark.line
                      and problem_mark.column == context_mark.column)
        if not same_place:
            # "while scanning a quoted scalar" reads as a construct that began somewhere;
            # other contexts ("first occurrence") name a place.
            link = "that began at" if exc.context.startswith("while ") else "at"
            message += (f" ({exc.context} {link} line {context_mark.line + 1},"
                        f" column {context_mark.column + 1})")
        else:
            message += f" ({exc.context})"
    return YamlErrorPlace(line, column, message)
