"""How many requests to label: routing findings on the log (if any) -> the sample size.

Every sampled request gets an answer from every candidate, so the sample is the largest of the
candidates' needs. A candidate the routing analyzer trained on the log's labels needs what its
prerequisite names (`CandidateEstimate.more_labels_needed`: the learning curve's next size and
the AUC-interval rule at its measured AUC, analyzers/routing/labels_needed.py); one without
labels needs `labels_to_collect()` (the interval rule at the shipped router's held-out AUC).
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.analyzers.routing.labels_needed import labels_to_collect, reference_auc

LEARNING_CURVE, INTERVAL_RULE = "learning curve", "AUC-interval rule"


@dataclass(frozen=True)
class Need:
    model: str
    n_labelled: int
    more: int
    source: str  # LEARNING_CURVE | INTERVAL_RULE
    auc: float | None  # the measured AUC, or the shipped router's for the rule


@dataclass(frozen=True)
class SampleSize:
    n: int
    needs: tuple[Need, ...]

    def to_dict(self) -> dict:
        return {"n": self.n, "needs": [need.__dict__ for need in self.needs]}


def sample_size(candidates: list[str], routing=None) -> SampleSize:
    """`routing`: the routing analyzer's findings on the log, or None when it did not run."""
    by_model = {c.model: c for c in (routing.candidates if routing is not None else ())}
    needs = []
    for model in candidates:
        est = by_model.get(model)
        if est is not None and est.mode == "labels" and est.more_labels_needed is not None:
            auc = est.metrics.auc if est.metrics is not None else None
            needs.append(Need(model, est.n_labelled, int(est.more_labels_needed), LEARNING_CURVE, auc))
        else:
            labelled = est.n_labelled if est is not None else 0
            needs.append(Need(model, labelled, labels_to_collect(), INTERVAL_RULE, reference_auc()))
    return SampleSize(max((need.more for need in needs), default=0), tuple(needs))
