"""Errors raised by advisor.

The tree::

    AdvisorError                      root: the CLI catches this once and prints one line
     ├── InputError (+ ValueError)    bad log file, mapping, config or price override
     │    └── ConfigError             a setting with the wrong type or range
     └── InfeasiblePlanError          the optimizer cannot meet a constraint; names it

Messages say where (file, row or line, column), what was expected, what was found, and
what to do. Recoverable problems are not errors: they are warnings collected on results.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Root of every error advisor raises on purpose."""


class InputError(AdvisorError, ValueError):
    """A log, mapping, config or price file that advisor cannot use as given."""

    @classmethod
    def at(
        cls,
        file: str,
        *,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        expected: str,
        found: str,
        fix: str,
    ) -> InputError:
        """Build the one-line message: where, what was expected, what was found, what to do."""
        where = [str(file)]
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        return cls(f"{', '.join(where)}: expected {expected}, found {found}. {fix}")


class ConfigError(InputError):
    """A setting with the wrong type or range.

    Fixed shape: "The 'x' setting must be … Got … instead."
    """

    @classmethod
    def setting(cls, name: str, must_be: str, got: object, source: str | None = None) -> ConfigError:
        where = f"{source}: " if source else ""
        return cls(f"{where}The '{name}' setting must be {must_be}. Got {got!r} instead.")


class InfeasiblePlanError(AdvisorError):
    """No plan meets the constraints; the message names the binding constraint and the gap."""

    def __init__(self, message: str, *, constraint: str = "", best_value: float | None = None):
        super().__init__(message)
        self.constraint = constraint
        self.best_value = best_value
