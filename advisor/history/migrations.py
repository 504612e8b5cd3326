"""Numbered schema migrations for the run-history database: connection -> upgraded schema.

Each migration is a function `mNNN_<what>(db)` registered in order; the names of those
applied are recorded in the `_advisor_migrations` table, so an old database is upgraded in
place by running only the missing ones (the simonw/llm pattern). Never edit a released
migration: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            created_utc TEXT NOT NULL,
            advisor_version TEXT NOT NULL,
            config_hash TEXT,
            input_hash TEXT,
            price_date TEXT,
            baseline_json TEXT NOT NULL,
            plan_json TEXT,
            recommendations_json TEXT NOT NULL,
            warnings_json TEXT NOT NULL
        )
        """
    )


@migration
def m002_status_findings(db: sqlite3.Connection) -> None:
    # A run is written in one transaction, so a killed write leaves no row; `status` lets a
    # future multi-step writer mark a run 'incomplete' explicitly. Findings and the log summary
    # carry the stability verdict and volumes that `runs compare` needs.
    db.execute("ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'complete'")
    db.execute("ALTER TABLE runs ADD COLUMN schema_version TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN log_json TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN findings_json TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN inputs_json TEXT")


@migration
def m003_created_index(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS runs_created_utc ON runs (created_utc)")


@migration
def m004_usage(db: sqlite3.Connection) -> None:
    # Per-model calls, tokens and prices (result schema 1.2): what `runs compare` needs to split
    # a cost change into volume, mix, prices and plan adoption. Runs stored before have NULL.
    db.execute("ALTER TABLE runs ADD COLUMN usage_json TEXT")


@migration
def m005_run_routers(db: sqlite3.Connection) -> None:
    # (m005: main's m004_usage comes first.) The fitted router of a run (advisor export router):
    # plain arrays as an .npz blob (loaded
    # with allow_pickle=False) and its JSON description; only for runs where routing ran.
    db.execute(
        """
        CREATE TABLE run_routers (
            run_id INTEGER PRIMARY KEY REFERENCES runs (id),
            arrays_npz BLOB NOT NULL,
            meta_json TEXT NOT NULL
        )
        """
    )


def applied(db: sqlite3.Connection) -> list[str]:
    db.execute("CREATE TABLE IF NOT EXISTS _advisor_migrations (name TEXT PRIMARY KEY, applied_utc TEXT NOT NULL)")
    return [row[0] for row in db.execute("SELECT name FROM _advisor_migrations ORDER BY name")]


def migrate(db: sqlite3.Connection, *, upto: str | None = None) -> list[str]:
    """Apply the missing migrations in order, each in its own transaction; return those applied.

    `upto` stops after the named migration (used to build the first-schema test fixture).
    """
    done = set(applied(db))
    ran = []
    for fn in MIGRATIONS:
        if fn.__name__ not in done:
            # BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh
            # database do not both try to run the same migration.
            db.execute("BEGIN IMMEDIATE")
            try:
                if fn.__name__ in set(applied(db)):
                    db.execute("ROLLBACK")
                    continue
                fn(db)
                db.execute(
                    "INSERT INTO _advisor_migrations (name, applied_utc) VALUES (?, ?)",
                    (fn.__name__, datetime.now(UTC).isoformat(timespec="seconds")),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            ran.append(fn.__name__)
        if upto is not None and fn.__name__ == upto:
            break
    return ran
