"""Run history: AnalysisResult -> a row in SQLite under ADVISOR_HOME; run id -> StoredRun.

One run is written in a single transaction, so a process killed mid-write leaves either the
whole run or nothing. The database runs in WAL mode with a busy timeout so that concurrent
`advisor analyze` processes queue instead of failing or corrupting it. The schema evolves
only through the numbered migrations in advisor/history/migrations.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.core.errors import InputError
from advisor.core.paths import advisor_home
from advisor.history.migrations import migrate
from advisor.result.schema import without_examples
from advisor.result.view import as_result_dict, get_path, recommendations

if TYPE_CHECKING:
    from advisor.history.router_store import RunRouter

DB_NAME = "runs.db"
BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> Path:
    return advisor_home() / DB_NAME


def open_store(path: str | os.PathLike | None = None) -> sqlite3.Connection:
    """Open (creating and upgrading as needed) the run database."""
    db_path = Path(path) if path is not None else default_db_path()
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a run is one transaction.
        db = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise InputError.at(
            str(db_path),
            expected="an advisor run database (SQLite)",
            found=f"'{exc}'",
            fix="Move the file away (advisor starts a new history) or set ADVISOR_HOME elsewhere.",
        ) from exc
    db.row_factory = sqlite3.Row
    return db


@dataclass(frozen=True)
class RunSummary:
    id: int
    created_utc: str
    advisor_version: str
    price_date: str | None
    status: str
    calls_per_month: float | None
    total_cost_per_month_usd: float | None
    api_cost_per_conversation_usd: float | None
    total_cost_per_conversation_usd: float | None
    n_recommendations: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class StoredRun:
    id: int
    created_utc: str
    status: str
    result: dict[str, Any]  # the stored parts in the AnalysisResult.to_dict() layout


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=False)


def save_run(result: Any, *, path: str | os.PathLike | None = None, created_utc: str | None = None) -> int:
    """Store one analysis result; return its run id."""
    data = as_result_dict(result)
    created = created_utc or datetime.now(UTC).isoformat(timespec="seconds")
    from advisor import __version__

    row = {
        "created_utc": created,
        "advisor_version": str(data.get("advisor_version") or __version__),
        "config_hash": data.get("config_hash"),
        "input_hash": data.get("input_hash"),
        "price_date": data.get("price_date") or get_path(data, "baseline", "price_date"),
        "baseline_json": _dumps(data.get("baseline") or {}),
        "plan_json": _dumps(data.get("plan")),
        "recommendations_json": _dumps(recommendations(data)),
        "warnings_json": _dumps(list(data.get("warnings") or [])),
        "status": "complete",
        "schema_version": None if data.get("schema_version") is None else str(data.get("schema_version")),
        "log_json": _dumps(data.get("log")),
        # Query examples (--show-examples) are for the reports of this run only: never stored.
        "findings_json": _dumps(without_examples(data.get("findings"), False)),
        "inputs_json": _dumps(data.get("inputs")),
        "usage_json": _dumps(data.get("usage")),
    }
    from advisor.history.router_store import save_router_state

    db = open_store(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(
                f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )
            assert cursor.lastrowid is not None  # set by every successful INSERT
            save_router_state(db, cursor.lastrowid, result)  # the fitted router, when routing ran
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        run_id = cursor.lastrowid
        assert run_id is not None  # set by every successful INSERT
        return run_id
    finally:
        db.close()


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _result_from_row(row: sqlite3.Row) -> dict[str, Any]:
    keys = row.keys()
    return {
        "schema_version": row["schema_version"] if "schema_version" in keys else None,
        "advisor_version": row["advisor_version"],
        "config_hash": row["config_hash"],
        "input_hash": row["input_hash"],
        "price_date": row["price_date"],
        "log": _loads(row["log_json"]) if "log_json" in keys else None,
        "inputs": _loads(row["inputs_json"]) if "inputs_json" in keys else None,
        "baseline": _loads(row["baseline_json"]),
        "findings": _loads(row["findings_json"]) if "findings_json" in keys else None,
        "plan": _loads(row["plan_json"]),
        "recommendations": _loads(row["recommendations_json"]),
        "warnings": _loads(row["warnings_json"]),
        "usage": _loads(row["usage_json"]) if "usage_json" in keys else None,
        "run": {"id": row["id"], "created_utc": row["created_utc"]},
    }


def load_run(run_id: int | str | None = None, *, path: str | os.PathLike | None = None) -> StoredRun:
    """A stored run by id; None means the latest complete run."""
    db = open_store(path)
    try:
        if run_id is None:
            row = db.execute("SELECT * FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                raise InputError(
                    f"{db_path_of(path)}: no stored runs yet. Run `advisor analyze LOGS` first (without --no-store)."
                )
        else:
            try:
                wanted = int(run_id)
                if not 1 <= wanted < 2**63:
                    raise ValueError(run_id)
            except (TypeError, ValueError):
                raise InputError.at(
                    "run id",
                    expected="a run number from `advisor runs list`",
                    found=repr(run_id),
                    fix="Pass the number shown in the ID column.",
                ) from None
            row = db.execute("SELECT * FROM runs WHERE id = ?", (wanted,)).fetchone()
            if row is None:
                raise InputError.at(
                    str(db_path_of(path)),
                    expected=f"a stored run {wanted}",
                    found="no such run",
                    fix="List the stored runs with `advisor runs list`.",
                )
        return StoredRun(
            id=row["id"], created_utc=row["created_utc"], status=row["status"], result=_result_from_row(row)
        )
    finally:
        db.close()


def load_run_router(run_id: int, *, path: str | os.PathLike | None = None) -> RunRouter:
    """The fitted router stored with run `run_id` (advisor export router)."""
    from advisor.history.router_store import load_router_state

    db = open_store(path)
    try:
        return load_router_state(db, int(run_id))
    finally:
        db.close()


def db_path_of(path: str | os.PathLike | None) -> Path:
    return Path(path) if path is not None else default_db_path()


def list_runs(*, path: str | os.PathLike | None = None) -> list[RunSummary]:
    """All stored runs, oldest first."""
    db = open_store(path)
    try:
        rows = db.execute(
            "SELECT id, created_utc, advisor_version, price_date, status, baseline_json, "
            "recommendations_json FROM runs ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    summaries = []
    for row in rows:
        baseline = _loads(row["baseline_json"]) or {}
        summaries.append(
            RunSummary(
                id=row["id"],
                created_utc=row["created_utc"],
                advisor_version=row["advisor_version"],
                price_date=row["price_date"],
                status=row["status"],
                calls_per_month=baseline.get("calls_per_month"),
                total_cost_per_month_usd=baseline.get("total_cost_per_month_usd"),
                api_cost_per_conversation_usd=baseline.get("api_cost_per_conversation_usd"),
                total_cost_per_conversation_usd=baseline.get("total_cost_per_conversation_usd"),
                n_recommendations=len(_loads(row["recommendations_json"]) or []),
            )
        )
    return summaries
