"""Benchmark: does the exported router reproduce the plan's shares on the analyzed log?

    python -m tests.benchmarks.router_export [--log data/sample/customer_service.csv]
                                             [--config data/sample/advisor.toml] [--out docs/router-export.md]

Issue 17: "`advisor export router` ... reproducing the plan's shares on the analyzed log".
1. `advisor analyze` on the log (the bundled embedder, its vector cache), stored in a temporary
   run database;
2. `advisor export router` of that run into a temporary folder;
3. `advisor.load_router(DIR).choose(texts, turns=...)` on every call of the log (the texts as
   the routing analyzer reads them: missing queries as "");
4. per segment and model: the plan's share of the segment's calls against the share the router
   sent there, and how many calls the router put in another segment than the analysis did.
Writes the Markdown page --out.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[2]


def measure(log: Path, config: Path) -> dict:
    from advisor import load_config
    from advisor.deploy.export import export_router
    from advisor.deploy.router import load_router
    from advisor.history.store import save_run
    from advisor.ingest import load_log
    from advisor.pipeline import run_analysis

    result = run_analysis([log], load_config(config))
    routing = result.findings["routing"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        run_id = save_run(result, path=db)
        folder = export_router(run_id, Path(tmp) / "router", path=db)
        router = load_router(folder)
        frame = load_log([log]).frame
        texts = frame["query"].fillna("").astype(str).tolist()
        turns = frame["turn"].fillna(1).to_numpy(dtype=float).tolist() if "turn" in frame else None
        chosen = np.asarray(router.choose(texts, turns=turns))
        vectors = router.embedder.encode(texts)
        segment = router.segment_of(vectors)
    rows = []
    for seg in result.plan.segments:
        mask = routing.per_call_segment == seg.segment_id
        for share in seg.shares:
            planned = share.realtime_share + share.batch_share
            routed = float((chosen[mask] == share.model).mean())
            rows.append((seg.segment_id, int(mask.sum()), share.model, planned, routed))
    return {
        "n_calls": len(texts),
        "n_segments": len(result.plan.segments),
        "segment_moved": int((segment != routing.per_call_segment).sum()),
        "rows": rows,
        "candidates": [(c.model, c.mode, c.n_labelled) for c in routing.candidates],
    }


def render(m: dict, log: Path, config: Path) -> str:
    worst = max(abs(r[3] - r[4]) for r in m["rows"])
    lines = [
        "# Exported router: the plan's shares, reproduced on the analyzed log",
        "",
        f"Regenerate: `python -m tests.benchmarks.router_export --log {log} --config {config}` "
        f"(generated {datetime.now(UTC).date().isoformat()}).",
        "",
        f"`advisor analyze` of {log.name} ({m['n_calls']} calls, {m['n_segments']} segments; candidates: "
        + ", ".join(f"{c} ({mode}, {n} labelled calls)" for c, mode, n in m["candidates"])
        + "), then `advisor export router` of that run and `advisor.load_router(DIR).choose(texts, turns=...)` "
        "on every call of the same log. The router re-embeds each text, picks its segment by nearest "
        "centroid and applies the per-(segment, candidate) cut-offs.",
        "",
        f"- Calls the router put in another segment than the analysis: {m['segment_moved']} of {m['n_calls']}.",
        f"- Largest gap between a planned and a routed share: {100 * worst:.2f} percentage points.",
        "",
        "Calls with equal scores (repeats of one text) move together, so a cut-off reproduces a share "
        "to within half the largest such group (advisor/deploy/thresholds.py).",
        "",
        "| segment | calls | model | planned share | routed share |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| segment {s} | {n} | {model} | {100 * p:.2f} % | {100 * r:.2f} % |" for s, n, model, p, r in m["rows"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log", type=Path, default=Path("data/sample/customer_service.csv"))
    parser.add_argument("--config", type=Path, default=Path("data/sample/advisor.toml"))
    parser.add_argument("--out", type=Path, default=HERE / "docs" / "router-export.md")
    args = parser.parse_args()
    text = render(measure(args.log, args.config), args.log, args.config)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
