"""Benchmark: the shipped MMLU router re-measured from files in the repository (no retraining).

    python -m tests.benchmarks.router_recheck [--clinc-json /work/shared/data/clinc150/data_full.json]
                                              [--out docs/router-recheck.md]

Issue 17: "The shipped MMLU router keeps APGR >= 0.65, CPT(50 %) <= 30 %, and still refuses
foreign traffic." docs/router-evaluation.md re-measures the model as shipped on all 7,019
held-out questions (`advisor evaluate router-page`, which embeds 14k questions; `advisor train
router` retrains and also writes it); this page checks it quickly from files in the repository:
1. `advisor evaluate router data/routellm-mmlu/mmlu_heldout_sample.csv --model default` (the
   400 held-out MMLU questions bundled with their Mixtral / GPT-4 correctness; none was in the
   router's training half): AUC with its bootstrap interval, APGR, CPT(50 %), CPT(80 %), ECE and
   the domain verdict;
2. the router's domain check on the bundled out-of-domain probes (data/routellm-mmlu/
   out_of_domain_probes.csv, one row per kind) and, when given, CLINC150's test queries.
Foreign traffic is refused when the verdict is not `in_domain`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
HELD_OUT = HERE / "data" / "routellm-mmlu" / "mmlu_heldout_sample.csv"
PROBES = HERE / "data" / "routellm-mmlu" / "out_of_domain_probes.csv"


def measure(clinc_json: Path | None) -> dict:
    from advisor.analyzers.routing.router.model import load_router
    from advisor.embed import default_embedder
    from advisor.lab.evaluate.router import evaluate_shipped, read_labelled_pairs
    from advisor.lab.train.router_data import read_clinc_test_queries, read_probes

    router, embedder = load_router(None), default_embedder()
    pairs = read_labelled_pairs(HELD_OUT, text_col="prompt", weak_col="mixtral_correct", strong_col="gpt4_correct")
    held_out = evaluate_shipped(pairs, embedder.encode(list(pairs.texts)), router, embedder_id=embedder.model_id)
    sets = {f"probes: {kind}": list(g["prompt"]) for kind, g in read_probes(PROBES).groupby("kind")}
    if clinc_json is not None:
        sets["CLINC150 test queries"] = read_clinc_test_queries(clinc_json)
    domain = {name: router.check_domain(embedder.encode(texts), texts, seed=0) for name, texts in sets.items()}
    return {"held_out": held_out, "domain": domain, "sizes": {k: len(v) for k, v in sets.items()}}


def render(m: dict, clinc_json: Path | None) -> str:
    e, r = m["held_out"], m["held_out"].random
    lo, hi = e.auc_interval
    command = "python -m tests.benchmarks.router_recheck" + (f" --clinc-json {clinc_json}" if clinc_json else "")
    lines = [
        "# Shipped router, re-measured",
        "",
        f"Regenerate: `{command}` (generated {datetime.now(UTC).date().isoformat()}). The full evaluation "
        "(training split, learning curve, baselines) is docs/router-evaluation.md.",
        "",
        f"Held-out MMLU sample bundled in data/routellm-mmlu ({e.n_test} questions, weak = Mixtral-8x7B, "
        f"strong = GPT-4-1106; weak accuracy {e.metrics.weak_quality:.3f}, strong {e.metrics.strong_quality:.3f}):",
        "",
        "| router | AUC (good enough) | APGR | CPT(50 %) | CPT(80 %) | ECE | domain verdict |",
        "|---|---|---|---|---|---|---|",
        f"| shipped (models/router) | {e.metrics.auc:.3f} [{lo:.3f}, {hi:.3f}] | {e.metrics.apgr:.3f} | "
        f"{100 * e.metrics.cpt50:.1f} % | {100 * e.metrics.cpt80:.1f} % | {e.metrics.ece:.3f} | {e.domain.verdict} |",
        f"| random | {r.auc:.3f} | {r.apgr:.3f} | {100 * r.cpt50:.1f} % | {100 * r.cpt80:.1f} % | n/a | |",
        "",
        "Targets (issue 17): APGR >= 0.65, CPT(50 %) <= 30 %. With 400 questions APGR and CPT move by a "
        "few points between samples; the 7,019-question figures are in docs/router-evaluation.md.",
        "",
        "Foreign traffic (the router must refuse it):",
        "",
        "| queries | n | share below similarity cut-off | two-sample AUC | verdict |",
        "|---|---|---|---|---|",
    ]
    for name, d in m["domain"].items():
        auc = "n/a" if d.two_sample_auc is None else f"{d.two_sample_auc:.2f}"
        lines.append(f"| {name} | {m['sizes'][name]} | {100 * d.share_below_cutoff:.1f} % | {auc} | {d.verdict} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinc-json", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "docs" / "router-recheck.md")
    args = parser.parse_args()
    text = render(measure(args.clinc_json), args.clinc_json)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
