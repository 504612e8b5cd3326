"""Representative queries of each routing segment: clustering + distinct texts -> example rows.

Segments are shown as "segment 1 \u00b7 refund \u00b7 order status", "segment 2", ... (advisor.core.redact);
with `--show-examples` the reports list, per segment, the queries nearest its centre, redacted
(advisor.core.redact), so a reader sees what a segment holds. Without it the rows are dropped
from every output (advisor.result.schema, the reports, the run store).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EXAMPLES_PER_SEGMENT = 3


def segment_examples(
    labels: np.ndarray,
    vectors: np.ndarray,
    centroids: np.ndarray,
    texts: Sequence[str],
    shown_ids: Sequence[int],
    per_segment: int = EXAMPLES_PER_SEGMENT,
    names: Sequence[str] = (),
) -> tuple[dict[str, str], ...]:
    """labels, vectors, texts: one per distinct text; shown_ids: the segment ids in the order the
    findings list them (segment N is the N-th); names: their names in that order (default
    "segment N"). The texts nearest each centre, nearest first."""
    rows = []
    for position, sid in enumerate(shown_ids, start=1):
        members = np.array([j for j in np.flatnonzero(labels == sid).tolist() if str(texts[j]).strip()], dtype=np.int64)
        if not len(members):
            continue
        closeness = np.asarray(vectors[members], dtype=np.float64) @ np.asarray(centroids[sid], dtype=np.float64)
        for j in members[np.argsort(-closeness, kind="stable")[:per_segment]]:
            name = names[position - 1] if position <= len(names) else f"segment {position}"
            rows.append({"segment": name, "query": str(texts[j])})
    return tuple(rows)
