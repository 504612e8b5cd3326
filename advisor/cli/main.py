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
    ("route", "route"),
    ("bench", "bench"),
    ("train", "train"),
]


def _one_line(message: str) -> None:
    click.echo("Error: " + " ".join(str(message).split()), err=True)
    sys.exit(2)


def _os_error_line(exc: OSError) -> str:
    """An operating-system refusal (a folder where a file was expected, a full disk, no
    permission) as the one-line shape: the path, what happened, what to do."""
    where = exc.filename if exc.filename is not None else "a file advisor was given"
    reason = exc.strerror or type(exc).__name__
    return f"{where}: {reason}. Check the path (and that its folder exists and is writable), then retry."


class AdvisorGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.UsageError as exc:
            # click's own three-line usage block, folded into the promised single line.
            command = exc.ctx.command_path if exc.ctx is not None else "advisor"
            _one_line(f"{exc.format_message()} See `{command} --help`.")
        except AdvisorError as exc:
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            _one_line(str(exc))
        except OSError as exc:
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            _one_line(_os_error_line(exc))


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


def _exit_on_sigterm(signum, frame) -> None:
    # A clean exit, so that context managers run: temporary sample files (raw query text)
    # are removed and half-written outputs are never renamed into place.
    raise SystemExit(128 + signum)


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    cli(prog_name="advisor")


if __name__ == "__main__":
    main()
