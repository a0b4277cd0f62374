"""Errors raised at silkscope's boundaries.

Every message names where the problem is (file, row, column) and what was expected, so a user
can fix the input without reading code. Row numbers are 1-based as a spreadsheet shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class SilkscopeError(Exception):
    """Base class of every error silkscope raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(Path(self.file).name)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputError(SilkscopeError):
    """Input data that cannot be used as given; lists every problem found (up to a limit)."""

    max_listed = 20

    def __init__(
        self,
        problems: Problem | str | Iterable[Problem],
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, None if file is None else str(file), row, column)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        shown = [f"  - {p}" for p in self.problems[: self.max_listed]]
        more = len(self.problems) - self.max_listed
        if more > 0:
            shown.append(f"  ... and {more} more")
        head = "1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        text = f"{head} in the input:\n" + "\n".join(shown)
        if self.hint:
            text += f"\nFix: {self.hint}"
        return text


class FrameworkError(SilkscopeError):
    """An index framework (YAML tree) that is malformed or inconsistent."""


class MethodError(SilkscopeError):
    """An unknown method name or an invalid method parameter."""


class WorkspaceError(SilkscopeError):
    """A study folder that is missing, not a workspace, or in an unexpected state."""


class DataUnavailableError(SilkscopeError):
    """A data set the command needs is not present (e.g. ../shared/data is absent)."""
