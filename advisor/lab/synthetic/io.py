"""Writing a generated sample: SampleLog -> a log file (CSV / JSONL / Parquet, optionally
gzipped, by extension) plus its truth (JSON summary and a Parquet sidecar of per-call truth)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from advisor.core import schema as S
from advisor.core.errors import InputError
from advisor.lab.synthetic.generator import SampleLog

LOG_SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".parquet")


def _log_suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(LOG_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    raise InputError.at(
        str(path),
        expected=f"a file name ending in {', '.join(LOG_SUFFIXES)}",
        found=f"'{path.name}'",
        fix="Name the output file with one of those extensions.",
    )


def truth_paths(out: str | Path, truth: str | Path | None = None) -> tuple[Path, Path]:
    """(truth JSON, per-call Parquet sidecar) for a log written to `out`; checks the names.

    Default: next to the log, `<name>.truth.json` and `<name>.truth.calls.parquet`.
    """
    out = Path(out)
    if truth is None:
        stem = out.name[: -len(_log_suffix(out))]
        truth = out.with_name(stem + ".truth.json")
    truth = Path(truth)
    if truth.suffix.lower() != ".json":
        raise InputError.at(
            str(truth),
            expected="a truth file name ending in .json",
            found=f"'{truth.name}'",
            fix="Pass --truth NAME.json; the per-call truth goes next to it as NAME.calls.parquet.",
        )
    for p in (out, truth):
        if not p.parent.exists():
            raise InputError.at(
                str(p),
                expected="an existing folder",
                found=f"no folder '{p.parent}'",
                fix="Create the folder first or pick another path.",
            )
    return truth, truth.with_name(truth.name[: -len(".json")] + ".calls.parquet")


def write_sample(sample: SampleLog, out: str | Path, truth: str | Path | None = None) -> tuple[Path, Path, Path]:
    """Write the log and its truth; returns (log path, truth JSON path, sidecar path)."""
    out = Path(out)
    suffix = _log_suffix(out)
    truth_json, sidecar = truth_paths(out, truth)
    frame = sample.frame
    if suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        text = frame.copy()
        text[S.TIMESTAMP] = text[S.TIMESTAMP].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
        if suffix.startswith(".csv"):
            text.to_csv(out, index=False, float_format="%.6g")
        else:
            text.to_json(out, orient="records", lines=True, force_ascii=False)
    sample.truth.per_call.to_parquet(sidecar, index=False)
    summary = sample.truth.to_dict() | {"log_file": out.name, "per_call_file": sidecar.name}
    truth_json.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return out, truth_json, sidecar


def read_truth_calls(truth_json: str | Path) -> pd.DataFrame:
    """The per-call truth written beside a truth JSON (for accuracy checks and the optimizer's
    projected-vs-realized check; join on conversation_id + turn)."""
    truth_json = Path(truth_json)
    return pd.read_parquet(truth_json.with_name(truth_json.name[: -len(".json")] + ".calls.parquet"))
