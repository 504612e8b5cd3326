"""The `advisor` command group. Each command lives in its own module under advisor/cli/ and
is attached here; modules import heavy libraries inside the command function so that
`advisor --help` stays instant.

Library errors (AdvisorError) become one line on stderr and exit status 2; set
ADVISOR_DEBUG=1 to see the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from advisor.core.errors import AdvisorError

# (module under advisor.cli, attribute) for each top-level command or group.
COMMANDS = [
    ("analyze", "analyze"),
    ("cost", "cost"),
    ("sample", "sample"),
    ("evaluate", "evaluate"),
    ("cache_cmd", "cache"),
    ("runs", "runs"),
    ("reconcile", "reconcile"),
    ("export", "export"),
    ("bench", "bench"),
    ("train", "train"),
]


class AdvisorGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=AdvisorGroup)
@click.version_option(package_name="advisor")
def cli() -> None:
    """advisor: what to change to cut your LLM bill without losing quality."""


for _module, _attr in COMMANDS:
    try:
        _mod = importlib.import_module(f"{__package__}.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__package__}.{_module}":
            raise
        continue
    cli.add_command(getattr(_mod, _attr))


def main() -> None:
    cli(prog_name="advisor")


if __name__ == "__main__":
    main()
