"""A trained router + held-out and foreign queries -> its domain-check verdicts (model card rows).

Held-out MMLU rows the cut-off did not see (all, a random 200, one subject) should pass;
out-of-domain probes and customer-service queries should fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DomainInputs:
    """What the checks read: the training texts and their vectors, and the foreign queries."""

    texts: list[str]
    vectors: np.ndarray
    subject: np.ndarray  # MMLU subject per row of texts
    probes: Any  # frame (kind, prompt) or None
    ood_queries: list[str] | None
    embed: Callable[[list[str]], np.ndarray]  # queries -> vectors, as the training texts were embedded


def domain_checks(shipped, inputs: DomainInputs, check: np.ndarray, *, seed: int) -> list:
    """(label, DomainCheck) rows in the model card's order."""
    texts, X, probes, ood_queries = inputs.texts, inputs.vectors, inputs.probes, inputs.ood_queries

    def verdict(label, chosen_texts, vectors):
        return label, shipped.check_domain(vectors, chosen_texts, seed=seed)

    def held_out(label, rows):
        rows = list(rows)
        return verdict(label, [texts[i] for i in rows], X[rows])

    def other(label, queries):
        return verdict(label, queries, inputs.embed(queries))

    rng = np.random.default_rng(seed)
    subject = inputs.subject
    domain_rows = [
        held_out(f"MMLU held-out, not used for the cut-off ({len(check)})", check),
        held_out("MMLU held-out, random 200 (a small log)", rng.choice(check, min(200, len(check)), replace=False)),
        held_out(
            "MMLU held-out, one subject (high_school_us_history)",
            [i for i in check if subject[i] == "high_school_us_history"],
        ),
    ]
    if probes is not None:
        for kind, label in (
            ("gsm8k", "GSM8K maths word problems (RouteLLM's gsm8k file)"),
            ("open_ended", "open-ended assistant prompts (writing, roleplay, code)"),
        ):
            qs = probes.loc[probes["kind"] == kind, "prompt"].astype(str).tolist()
            if qs:
                domain_rows.append(other(label, qs))
    if ood_queries is not None:
        picked = rng.choice(len(ood_queries), size=min(1500, len(ood_queries)), replace=False)
        domain_rows.append(other("CLINC150 test queries (customer service)", [ood_queries[i] for i in picked]))
    return domain_rows
