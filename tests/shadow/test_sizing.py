"""The sample size: the learning curve's number when routing can run on the log's labels (the
same number the routing prerequisite names), else the AUC-interval rule; and strata by segment."""

from __future__ import annotations

import re

import pandas as pd

from advisor.analyzers.routing.labels_needed import labels_to_collect
from advisor.core.config import Config
from advisor.embed.fake import FakeEmbedder
from advisor.shadow.run import PlanOptions, plan_shadow
from advisor.shadow.sizing import INTERVAL_RULE, LEARNING_CURVE
from tests.shadow.conftest import write_log


def _labelled_log(path, n_labelled=120):
    write_log(path, 300)
    frame = pd.read_csv(path)
    frame["quality"] = 1.0
    mini = [1.0 if "billing" in q or "refund" in q else 0.0 for q in frame["query"]]
    frame["quality__gpt-4o-mini"] = [v if i < n_labelled else None for i, v in enumerate(mini)]
    frame.to_csv(path, index=False)
    return str(path)


def test_default_n_is_what_the_routing_prerequisite_asks_for(tmp_path):
    from advisor.pipeline import run_analysis

    log = _labelled_log(tmp_path / "labelled.csv")
    options = PlanOptions(candidates=("gpt-4o-mini", "claude-haiku-4-5"), judge="gpt-4.1", embedder=FakeEmbedder())
    summary = plan_shadow([log], Config(), tmp_path / "plan", options)
    needs = {need["model"]: need for need in summary["sample_size"]["needs"]}
    assert needs["gpt-4o-mini"]["source"] == LEARNING_CURVE and needs["gpt-4o-mini"]["n_labelled"] == 120
    assert needs["claude-haiku-4-5"] == {
        "model": "claude-haiku-4-5",
        "n_labelled": 0,
        "more": labels_to_collect(),
        "source": INTERVAL_RULE,
        "auc": needs["claude-haiku-4-5"]["auc"],
    }
    # The same analysis, run as `advisor analyze` runs it, names the same number in its prerequisite.
    config = Config().with_section("routing", candidates=["gpt-4o-mini", "claude-haiku-4-5"])
    result = run_analysis([log], config, embedder=FakeEmbedder(), analyzers=("routing",))
    mini = next(c for c in result.findings["routing"].candidates if c.model == "gpt-4o-mini")
    assert mini.more_labels_needed == needs["gpt-4o-mini"]["more"]
    named = [int(m) for p in mini.prerequisites for m in re.findall(r"about (\d+) more", p)]
    assert named == [mini.more_labels_needed]
    assert summary["sample_size"]["n"] == max(needs["gpt-4o-mini"]["more"], labels_to_collect())
    # Texts labelled for every candidate are not paid for again; gpt-4o-mini's 120 are not labelled
    # for claude-haiku-4-5, so they stay in the pool.
    assert summary["sample"]["available"] == 300
    assert summary["sample"]["requests"] == min(summary["sample_size"]["n"], 300)
    # Strata: serving model x task x routing segment, more than model x task alone (2).
    assert summary["sample"]["routing_segments"] and summary["sample"]["strata"] > 2
    # #17: a stratum names its segment as the reports do ("segment 2 \u00b7 ..." or "segment 2").
    import json

    strata = {item["stratum"] for item in json.loads((tmp_path / "plan" / "manifest.json").read_text())["items"]}
    shown = {s.name for s in result.findings["routing"].segments}
    assert all(stratum.split(" | ")[-1] in shown for stratum in strata)


def test_texts_labelled_for_every_candidate_are_not_sampled_again(tmp_path):
    import json

    log = _labelled_log(tmp_path / "labelled.csv")
    options = PlanOptions(candidates=("gpt-4o-mini",), judge="gpt-4.1", routing=False, n=500)
    summary = plan_shadow([log], Config(), tmp_path / "plan", options)
    assert summary["sample"]["available"] == summary["sample"]["requests"] == 300 - 120
    labelled = set(pd.read_csv(log).dropna(subset=["quality__gpt-4o-mini"])["query"])
    items = json.loads((tmp_path / "plan" / "manifest.json").read_text())["items"]
    assert not labelled & {item["query"] for item in items}


def test_without_routing_the_rule_sizes_the_sample_and_n_overrides_it(tmp_path):
    log = write_log(tmp_path / "log.csv", 300)
    plain = PlanOptions(candidates=("gpt-4o-mini",), judge="claude-sonnet-4-5", routing=False)
    summary = plan_shadow([log], Config(), tmp_path / "a", plain)
    assert summary["sample_size"]["n"] == labels_to_collect() == summary["sample"]["requests"]
    assert summary["sample"]["strata"] == 2  # gpt-4o x {chat, summary}
    given = PlanOptions(candidates=("gpt-4o-mini",), judge="claude-sonnet-4-5", routing=False, n=40)
    assert plan_shadow([log], Config(), tmp_path / "b", given)["sample"]["requests"] == 40
