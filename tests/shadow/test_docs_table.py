"""docs/shadow-labels.md's table of labels needed is what labels_needed computes.
Regenerate it with `python -m tests.shadow.test_docs_table`."""

from __future__ import annotations

import re
from pathlib import Path

from advisor.analyzers.routing.labels_needed import labels_to_collect, labels_to_exclude_chance

DOC = Path(__file__).resolve().parents[2] / "docs" / "shadow-labels.md"
AUCS = (0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
SHARES = (0.5, 0.7, 0.9)
_BLOCK = re.compile(r"(<!-- labels-needed-table -->\n)(.*?)(<!-- /labels-needed-table -->)", re.S)


def table() -> str:
    head = "| AUC | good-enough share 0.5 | 0.7 | 0.9 |\n|---|---|---|---|\n"
    return head + "".join(
        f"| {auc} | " + " | ".join(str(labels_to_exclude_chance(auc, s)) for s in SHARES) + " |\n" for auc in AUCS
    )


def test_the_doc_table_is_current():
    block = _BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert block is not None, "docs/shadow-labels.md lost its labels-needed-table markers"
    assert block.group(2) == table(), "regenerate it: python -m tests.shadow.test_docs_table"


def test_the_doc_names_the_number_the_product_asks_for_without_labels():
    text = DOC.read_text(encoding="utf-8")
    assert f"**{labels_to_collect()} requests**" in text
    assert f"{labels_to_collect()} for a candidate without labels" in (DOC.parent / "routing-labels.md").read_text()


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(_BLOCK.sub(lambda m: m.group(1) + table() + m.group(3), text), encoding="utf-8")
