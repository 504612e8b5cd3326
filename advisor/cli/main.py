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
    ("shadow", "shadow"),
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


def _usage_line(exc: click.UsageError) -> str:
    """click's own three-line usage block folded into the promised single line: the command, the
    option or argument and what was wrong with it (click's message names both), and the fix."""
    command = exc.ctx.command_path if exc.ctx is not None else "advisor"
    if isinstance(exc, click.MissingParameter):
        fix = "give it"
    elif isinstance(exc, click.BadParameter):
        fix = "give a value of the kind named"
    elif isinstance(exc, click.NoSuchOption):
        fix = "use an option the command has" if not exc.possibilities else "use the option suggested"
    else:
        fix = "correct the command line"
    message = exc.format_message().strip()
    end = "" if message.endswith((".", "?", "!")) else "."
    return f"{command}: {message}{end} Fix: {fix}; `{command} --help` lists what it takes."


class AdvisorGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.UsageError as exc:
            _one_line(_usage_line(exc))
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


_TERMINATED: list[int] = []  # the signal that asked this process to stop, once it has


def _exit_on_sigterm(signum, frame) -> None:
    # A clean exit, so that context managers run: temporary sample files (raw query text)
    # are removed and half-written outputs are never renamed into place.
    _TERMINATED.append(signum)
    raise SystemExit(128 + signum)


def main() -> None:
    import signal

    from advisor.core.tempdirs import remove_own_sample_folders

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        cli(prog_name="advisor")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        remove_own_sample_folders()
        if _TERMINATED:  # exit 143 even where the SystemExit landed in code that swallowed it
            raise SystemExit(128 + _TERMINATED[0])


if __name__ == "__main__":
    main()
