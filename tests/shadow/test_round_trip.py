"""plan -> fake provider outputs (documented schemas) -> judge -> fake judge outputs -> import
-> `analyze --labels` trains on the labels: the whole shadow-label workflow, offline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advisor.analyzers.routing.labels import load_labels
from advisor.core.config import Config
from advisor.embed.fake import FakeEmbedder
from advisor.shadow.run import PlanOptions, import_shadow, judge_shadow, plan_shadow
from tests.shadow.conftest import write_log
from tests.shadow.fakes import answer_all

CANDIDATES = ("gpt-4o-mini", "claude-haiku-4-5")


def _plan(tmp_path, log, n=120, **kw):
    options = PlanOptions(candidates=CANDIDATES, judge="gpt-4.1", n=n, routing=False, **kw)
    return plan_shadow([log], Config(), tmp_path / "plan", options)


def _pairwise_verdict(manifest):
    """The judge prefers the served answer on password/shipping questions, the candidate's on
    billing, and ties on refund: whichever position each answer was put in."""
    roles = manifest["round2"]
    items = {i["id"]: i for i in manifest["items"]}

    def reply(cid, model, message):
        role = roles[cid]
        query = items[role["item"]]["query"]
        served_first = role["served_first"]
        if "refund" in query:
            return "Both answers are equally good.\nVERDICT: TIE"
        served_wins = "password" in query or "shipping" in query
        winner = 1 if served_wins == served_first else 2
        return f"Reason: one is clearer.\nVERDICT: {winner}"

    return reply


def test_plan_writes_the_providers_request_formats_and_a_manifest(tmp_path, log_file):
    summary = _plan(tmp_path, log_file)
    folder = tmp_path / "plan"
    assert summary["sample"]["requests"] == 120 and summary["mode"] == "pairwise"
    lines = [json.loads(x) for x in (folder / "batch1" / "openai_batch.gpt-4o-mini.jsonl").read_text().splitlines()]
    assert len(lines) == 120
    assert all(set(x) == {"custom_id", "method", "url", "body"} for x in lines)
    assert {(x["method"], x["url"], x["body"]["model"]) for x in lines} == {
        ("POST", "/v1/chat/completions", "gpt-4o-mini")
    }
    assert all(x["body"]["messages"][-1]["role"] == "user" for x in lines)
    anthropic = json.loads((folder / "batch1" / "anthropic_batch.json").read_text())
    assert set(anthropic) == {"requests"} and len(anthropic["requests"]) == 120
    first = anthropic["requests"][0]
    assert set(first) == {"custom_id", "params"} and set(first["params"]) == {"model", "max_tokens", "messages"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["round1"]) == 240 and manifest["round2"] == {}
    text = (folder / "manifest.json").read_text() + "".join(p.read_text() for p in (folder / "batch1").iterdir())
    assert "sk-" not in text and "api_key" not in text.lower()


def test_a_folder_that_holds_a_plan_is_not_overwritten(tmp_path, log_file):
    from advisor.core.errors import InputError

    _plan(tmp_path, log_file, n=10)
    before = (tmp_path / "plan" / "manifest.json").read_bytes()
    with pytest.raises(InputError, match="already holds a plan"):
        _plan(tmp_path, log_file, n=20)
    assert (tmp_path / "plan" / "manifest.json").read_bytes() == before


def test_the_sample_is_seeded_and_deterministic(tmp_path, log_file):
    a = _plan(tmp_path / "a", log_file)
    b = _plan(tmp_path / "b", log_file)
    read = lambda s: (tmp_path / s / "plan" / "batch1" / "openai_batch.gpt-4o-mini.jsonl").read_bytes()  # noqa: E731
    assert a["sample"] == b["sample"] and read("a") == read("b")


def test_round_trip_pairwise_labels_reach_the_routing_analyzer(tmp_path, log_file):
    _plan(tmp_path, log_file)
    folder = tmp_path / "plan"
    manifest = json.loads((folder / "manifest.json").read_text())
    failed = {"s00001-c1", "s00002-c2"}
    expired = {"s00003-c1", "s00004-c2"}
    outputs = answer_all(
        folder / "batch1", tmp_path / "out1", lambda c, m, q: f"answer by {m}", fail=failed, expire=expired
    )
    judged = judge_shadow(folder, outputs)
    assert judged["first_batch"]["succeeded"] == 236
    assert judged["first_batch"]["errored"] == 2 and judged["first_batch"]["expired"] == 2
    assert judged["judge_requests"] == 236  # one per answer that came back, none for the four that failed
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len({r["served_first"] for r in manifest["round2"].values()}) == 2  # both orders are used
    unparseable = sorted(manifest["round2"])[:3]
    reply = _pairwise_verdict(manifest)

    def judge_reply(cid, model, message):
        return "I cannot decide." if cid in unparseable else reply(cid, model, message)

    judge_failed = sorted(manifest["round2"])[5]
    judge_out = answer_all(folder / "batch2", tmp_path / "out2", judge_reply, fail={judge_failed})
    summary = import_shadow(folder, judge_out)
    assert summary["judge_batch"]["succeeded"] == 235 and summary["judge_batch"]["errored"] == 1
    assert summary["no_verdict"] == unparseable and summary["judge_batch"]["no verdict"] == 3
    labels = load_labels(summary["labels_file"])
    assert set(labels.models) == {"gpt-4o", *CANDIDATES}
    served = labels.scores[:, labels.models.index("gpt-4o")]
    assert set(served[np.isfinite(served)]) == {0.5}
    mini = labels.scores[:, labels.models.index("gpt-4o-mini")]
    by_topic = {t: mini[[i for i, q in enumerate(labels.texts) if t in q]] for t in ("billing", "refund", "password")}
    assert set(by_topic["billing"][np.isfinite(by_topic["billing"])]) == {1.0}  # the candidate won
    assert set(by_topic["refund"][np.isfinite(by_topic["refund"])]) == {0.5}  # tie
    assert set(by_topic["password"][np.isfinite(by_topic["password"])]) == {0.0}  # the served answer won
    # Every gpt-4o-mini answer that came back and got a verdict is one label; nothing else is.
    judged_mini = [j for j, r in manifest["round2"].items() if r["model"] == "gpt-4o-mini"]
    dropped = set(unparseable) | {judge_failed}
    assert labels.n_labelled("gpt-4o-mini") == len(set(judged_mini) - dropped) == 118 - len(dropped & set(judged_mini))
    _analyze_uses(log_file, labels)


def _analyze_uses(log_file, labels):
    from advisor.pipeline import run_analysis

    config = Config().with_section("routing", candidates=list(CANDIDATES), learning_curve=False)
    result = run_analysis([log_file], config, embedder=FakeEmbedder(), labels=labels, analyzers=("routing",))
    by_model = {c.model: c for c in result.findings["routing"].candidates}
    mini = by_model["gpt-4o-mini"]
    assert mini.mode == "labels" and mini.n_labelled == labels.n_labelled("gpt-4o-mini")
    # The judge's rule is by topic, which the words of the query give away: the router ranks well.
    assert mini.metrics is not None and mini.metrics.auc is not None and mini.metrics.auc > 0.8


def test_absolute_mode_asks_the_serving_model_again_and_grades_each_answer(tmp_path):
    log = write_log(tmp_path / "noresp.csv", 80, responses=False)
    summary = _plan(tmp_path, log, n=60)
    folder = tmp_path / "plan"
    assert summary["mode"] == "absolute"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sum(r["role"] == "current" for r in manifest["round1"].values()) == 60
    outputs = answer_all(folder / "batch1", tmp_path / "o1", lambda c, m, q: f"answer by {m}")
    judge_shadow(folder, outputs)
    manifest = json.loads((folder / "manifest.json").read_text())
    roles = manifest["round2"]

    def reply(cid, model, message):
        good = roles[cid]["model"] == "gpt-4o" or "billing" in message
        return "Fine.\nVERDICT: PASS" if good else "Wrong.\nVERDICT: **FAIL**"

    summary = import_shadow(folder, answer_all(folder / "batch2", tmp_path / "o2", reply))
    labels = load_labels(summary["labels_file"])
    assert labels.n_labelled("gpt-4o") == 60 and labels.n_labelled("claude-haiku-4-5") == 60
    haiku = labels.scores[:, labels.models.index("claude-haiku-4-5")]
    billing = np.array(["billing" in t for t in labels.texts])
    assert set(haiku[billing]) == {1.0} and set(haiku[~billing]) == {0.0}


def test_import_before_judge_and_outputs_of_the_wrong_batch_are_one_line_errors(tmp_path, log_file):
    from advisor.core.errors import InputError

    _plan(tmp_path, log_file, n=20)
    folder = tmp_path / "plan"
    outputs = answer_all(folder / "batch1", tmp_path / "o1", lambda c, m, q: "an answer")
    with pytest.raises(InputError, match="no judge batch yet"):
        import_shadow(folder, outputs)
    judge_shadow(folder, outputs)
    with pytest.raises(InputError, match="not the first"):
        import_shadow(folder, outputs)
