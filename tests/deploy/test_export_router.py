"""`advisor export router` + `advisor.load_router(DIR).choose(texts)`: on the analyzed log the
exported router's choices land in the plan's shares, segment by segment."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advisor.core.errors import InputError
from advisor.embed import FakeEmbedder
from advisor.lab.synthetic import generate_log, write_sample
from tests.deploy.conftest import FAST


def _routed(result):
    """(segment plan, {model: planned share}) for every plan segment."""
    for seg in result.plan.segments:
        yield seg, {s.model: s.realtime_share + s.batch_share for s in seg.shares}


def _tie_tolerance(scores: np.ndarray) -> float:
    """Calls with one score (repeats of a text) move together, so a cut-off can only land between
    groups: each cut-off misses its share by at most half the largest group, and at least one
    call's worth of rounding."""
    _, counts = np.unique(scores, return_counts=True)
    return (counts.max() / 2 + 1) / len(scores)


def test_the_exported_router_reproduces_the_plans_shares_per_segment(exported, chosen):
    result, *_ = exported
    routing = result.findings["routing"]
    scores = {c.model: c.per_call_deploy_score for c in routing.candidates}
    moved = 0
    for seg, planned in _routed(result):
        rows = routing.per_call_segment == seg.segment_id
        tolerance = sum(_tie_tolerance(scores[m][rows]) for m in planned if m in scores)
        for model, share in planned.items():
            assert abs((chosen[rows] == model).mean() - share) <= tolerance + 1e-12, (seg.segment_id, model)
            moved += (model in scores) and share > 0.01
    assert moved >= 1  # the plan routes something, so the check above is not only "all stay"


def test_each_segment_sends_its_best_scored_calls_to_the_candidate(exported, chosen):
    result, *_ = exported
    routing = result.findings["routing"]
    for seg, planned in _routed(result):
        rows = np.flatnonzero(routing.per_call_segment == seg.segment_id)
        for c in routing.candidates:
            if planned.get(c.model, 0) <= 0 or len(planned) > 2:
                continue  # one candidate in the segment: its calls are exactly the lowest scores
            score, sent = c.per_call_deploy_score[rows], chosen[rows] == c.model
            if sent.any() and (~sent).any():
                assert score[sent].max() < score[~sent].min()


def test_router_json_states_the_share_each_cut_off_gives_on_the_log(exported, chosen):
    result, _, folder, *_ = exported
    meta = json.loads((folder / "router.json").read_text())
    routing = result.findings["routing"]
    for seg in meta["segments"]:
        rows = routing.per_call_segment == seg["segment_id"]
        assert seg["n_calls"] == int(rows.sum())
        for route in seg["routes"]:
            assert route["reproduced_share"] == pytest.approx((chosen[rows] == route["model"]).mean(), abs=1e-12)


def test_the_export_is_plain_arrays_json_and_a_card_without_query_text(exported):
    _, run_id, folder, texts, _, _ = exported
    with np.load(folder / "router.npz", allow_pickle=False) as npz:
        assert "segments.centroids" in npz.files
    card = (folder / "MODEL_CARD.md").read_text()
    assert f"run {run_id}" in card and "AUC" in card and "ECE" in card and "planned share" in card
    written = card + (folder / "router.json").read_text()
    assert not [t for t in set(texts) if len(t) > 15 and t in written]


def test_the_card_names_segments_as_the_reports_do(exported):
    """#17: "segment 3 \u00b7 refund \u00b7 order status" (number and safe words), as in the run's reports."""
    from advisor.result.view import as_result_dict

    result, _, folder, _, _, _ = exported
    card = (folder / "MODEL_CARD.md").read_text()
    shown = [s["name"] for s in as_result_dict(result)["plan"]["segments"] if s["name"].startswith("segment ")]
    assert shown and all(f"| {name} |" in card for name in shown)


def test_a_run_without_routing_asks_to_rerun_analyze(tmp_path):
    from advisor.deploy.export import export_router
    from advisor.history.store import save_run
    from advisor.pipeline import run_analysis

    log = tmp_path / "few.csv"
    write_sample(generate_log(200, seed=1, days=2), log)
    no_routing = run_analysis([log], FAST, embedder=FakeEmbedder(), analyzers=("batch",))
    db = tmp_path / "runs.db"
    run_id = save_run(no_routing, path=db)
    with pytest.raises(InputError, match=r"Rerun `advisor analyze") as info:
        export_router(run_id, tmp_path / "out", path=db)
    assert "\n" not in str(info.value)


def test_load_router_refuses_another_embedding_model(exported, monkeypatch):
    from advisor.deploy.router import load_router

    class Other(FakeEmbedder):
        pass

    other = Other(dim=64)
    other.model_id = "another-model"
    monkeypatch.setattr("advisor.embed.default_embedder", lambda *a, **k: other)
    with pytest.raises(InputError, match=r"fake-hash-64.*another-model"):
        load_router(exported[2])


def test_load_router_without_a_router_names_the_folder_and_the_command(tmp_path):
    from advisor.deploy.router import load_router

    with pytest.raises(InputError, match=r"expected an exported router.*advisor export router"):
        load_router(tmp_path)


def test_the_public_load_router_is_the_exported_routers_loader(exported, chosen):
    import advisor

    _, _, folder, texts, turns, _ = exported
    router = advisor.load_router(folder, embedder=FakeEmbedder())
    assert router.choose(texts[:50], turns=turns[:50]) == chosen[:50].tolist()
