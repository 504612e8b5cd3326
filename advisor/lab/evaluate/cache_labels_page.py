"""The Markdown page of docs/cache-labels.md (rows computed by cache_labels_table)."""

from __future__ import annotations

from advisor.lab.evaluate.cache_labels_bars import (
    CHECK_RANGE,
    FACTOR,
    INTENT_LABELS,
    INTENT_TARGET,
    QQP_LABELS,
    QQP_TARGET,
)

_HEAD = (
    "| stream | queries | labels | clusters spread (`advisor cache label`): worst error median / p90 / max | "
    "draws <= target | random inside bins (before): worst error median / p90 / max | draws <= target | "
    "draws refitted from labels (stricter) | stated total labels for +-0.03 (median) |"
)
_RULE = "|---|---|---|---|---|---|---|---|---|"


def labels_page(intent: list[str], qqp: list[str], need: list[str], verdict: str, generated: str) -> list[str]:
    lo, hi = CHECK_RANGE
    return [
        "# Cache estimate with labels chosen by `advisor cache label`",
        "",
        "Regenerate with `advisor evaluate cache-labels` (writes this file; HWU64 rows need",
        "`../shared/data/hwu64/hwu64.csv` or `--hwu FILE`, QQP rows `--qqp FILE`: QQP is never shipped).",
        generated,
        "",
        "Each draw reveals the true labels of the pairs `advisor cache label` would show a person",
        "(matched, not identical text, equal shares per 0.05 cosine bin from 0.70, spread over clusters",
        "of near-duplicate queries; advisor/analyzers/cache/label_selection.py) and redoes the estimate.",
        "'Random inside bins' is the selection before clusters, on the same seeds. The error is the",
        f"worst |estimated - true precision| over thresholds {lo}..{hi}. CLINC150 uses the shipped",
        "calibration; each HWU64 row a calibration trained without that scenario group.",
        "",
        f"## Intent streams, {INTENT_LABELS} labels (bar: worst error <= {INTENT_TARGET})",
        "",
        _HEAD,
        _RULE,
        *intent,
        "",
        f"## QQP (strict duplicates): {INTENT_LABELS} and {QQP_LABELS} labels (bar: median worst error <= "
        f"{QQP_TARGET} at {QQP_LABELS})",
        "",
        "When the labelled share of same-answer pairs is below what the calibration expects on those pairs",
        "by more than its between-domain margin plus label noise, advisor warns that the labels use a",
        "stricter notion of 'same answer' and refits the curve from the labels (precision_source",
        "'labels'; advisor/analyzers/cache/label_fit.py). Either curve is only the centre of the estimate:",
        "per 0.05 cosine bin, a Beta prior on the curve, worth as many labels as the curve's misfit to the",
        "labels allows, is updated by the bin's labelled pairs and the bins' shares are kept increasing in",
        "cosine (advisor/analyzers/cache/bin_estimate.py). With many labels the estimate becomes the",
        "labelled share per bin, so the two-parameter curve's bias no longer sets a floor.",
        "",
        _HEAD.replace("draws <= target", f"draws <= {QQP_TARGET}"),
        _RULE,
        *qqp,
        "",
        f"## Is the stated 'labels needed' right within a factor of {FACTOR}? (QQP)",
        "",
        f"After {INTENT_LABELS} labels, advisor states how many more would bring every threshold {lo}..{hi} to +-0.03",
        "(advisor/analyzers/cache/labels_needed.py: the labels' part of each 95 % interval shrinks as",
        "1/sqrt(n)). N is right within the factor when the median worst error is above 0.03 at N / 1.5",
        "and at most 0.03 at 1.5 N.",
        "N is the median stated total over the draws; each row draws that many labels again.",
        "",
        "| stream | labels drawn | stated N | worst error median / p90 / max | draws <= 0.03 |",
        "|---|---|---|---|---|",
        *need,
        "",
        f"Verdict: {verdict}.",
    ]
