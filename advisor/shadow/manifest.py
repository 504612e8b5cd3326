"""DIR/manifest.json: what `advisor shadow plan` sampled and asked, read back by `judge` and
`import` (custom_id -> request, model and role). It holds the user's query texts (and served
answers): it stays in DIR with the batch files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from advisor.core.errors import InputError
from advisor.core.fileio import atomic_write

MANIFEST = "manifest.json"
FORMAT = "advisor-shadow-labels"
_FIX = "Pass the folder `advisor shadow plan --out DIR` wrote (it holds manifest.json)."


def write_manifest(folder: Path, manifest: dict) -> Path:
    return atomic_write(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    name = str(path)
    if not path.is_file():
        raise InputError(f"{name}: not found. {_FIX}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError.at(
            name, expected="the JSON advisor wrote", found=f"unreadable content ({exc})", fix=_FIX
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError.at(name, expected=f"format {FORMAT!r}", found="another file", fix=_FIX)
    for key in ("mode", "judge", "items", "round1", "round2"):
        if key not in manifest:
            raise InputError.at(name, column=key, expected="the key advisor wrote", found="nothing", fix=_FIX)
    return manifest


def match_results(results, roles: dict[str, dict]) -> tuple[dict, Counter]:
    """custom_id -> its first result among `results` that belongs to `roles`; with counts of the
    outcomes: succeeded / errored / expired / canceled / no text, results of other batches
    ("not in this batch"), repeated custom_ids, and requests with no result ("missing")."""
    found: dict = {}
    counts: Counter = Counter()
    for r in results:
        if r.custom_id not in roles:
            counts["not in this batch"] += 1
        elif r.custom_id in found:
            counts["repeated"] += 1
        else:
            found[r.custom_id] = r
            counts["no text" if r.status == "succeeded" and r.text is None else r.status] += 1
    counts["missing"] = sum(1 for cid in roles if cid not in found)
    return found, counts


OUTCOMES = (
    "succeeded",
    "no text",
    "no verdict",
    "errored",
    "expired",
    "canceled",
    "missing",
    "repeated",
    "not in this batch",
)


def ordered(counts: Counter) -> dict[str, int]:
    """Every outcome, zeros included, in one fixed order (the JSON and the printed line)."""
    return {k: int(counts.get(k, 0)) for k in OUTCOMES}
