"""A problem found in a script: where it is and what is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentdesk.core.scripts.model import Location


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ScriptFormatError(ValueError):
    """A script (file or document) that cannot be used; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def sorted_problems(problems: Sequence[Problem]) -> list[Problem]:
    """File order, then line and column: how an editor and a reader expect them."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.location.file, p.location.line,
                                         p.location.column, p.message))
