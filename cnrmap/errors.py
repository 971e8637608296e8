"""The one error type for data problems: what is wrong, where, and what to do — in French."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is and what is wrong with it."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", ligne {self.row}"
        if self.column:
            where += f", colonne « {self.column} »"
        return f"{where} : {self.message}"


class DataError(Exception):
    """A data file or download cannot be used as it is.

    ``str(error)`` is a French message fit for the user; ``problems`` lists every problem found
    (all at once, not only the first), and ``hint`` says what to do.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None, hint: str | None = None):
        self.message = message
        self.problems = list(problems or [])
        self.hint = hint
        super().__init__(self.render())

    def render(self, limit: int = 50) -> str:
        lines = [self.message]
        lines += [f"- {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"- … et {len(self.problems) - limit} autre(s) problème(s)")
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)
