"""`advisor train router|cache-calibration` on small made-up data files (no model, a few seconds)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from routing_helpers import (
    HashEmbedder,
    single_thread_blas,  # noqa: F401  (autouse fixture)
)

import advisor.cli.train as train_cli
from advisor.analyzers.cache.calibration import load_calibration
from advisor.analyzers.routing.router.model import load_router
from advisor.cli.main import cli
from advisor.lab.train.router import STRONG, WEAK

TOPICS = {
    "easy": ["capital", "river", "colour", "animal", "planet", "city", "flag", "ocean"],
    "hard": ["integral", "theorem", "enzyme", "statute", "tensor", "isotope", "lemma", "torts"],
}


@pytest.fixture
def fake_embedder(monkeypatch):
    monkeypatch.setattr(train_cli, "_load_embedder", lambda model_path=None: HashEmbedder())
    monkeypatch.setattr(train_cli, "_load_pipeline_embedder", lambda model_path=None: HashEmbedder())


def _run(*args):
    return CliRunner().invoke(cli, ["train", *map(str, args)])


def _mmlu_folder(path, n_per_subject=120, seed=0):
    """Two subjects; the weak model is right on easy-topic questions far more often."""
    rng = np.random.default_rng(seed)
    path.mkdir()
    prompts = []
    for subject in ("alpha", "beta"):
        rows = []
        for i in range(n_per_subject):
            topic = "easy" if i % 2 else "hard"
            words = rng.choice(TOPICS[topic], size=4)
            prompt = f"{subject} question {i}: which {' '.join(words)} is meant?"
            weak = int(rng.random() < (0.9 if topic == "easy" else 0.3))
            rows.append({"prompt": prompt, WEAK: weak, STRONG: int(rng.random() < 0.85)})
            prompts.append(prompt)
        pd.DataFrame(rows).to_csv(path / f"mmlu_{subject}.csv", index=False)
    pd.DataFrame({"eval_prompt": prompts[:3]}).to_json(
        path / "contaminated_prompts.jsonl", orient="records", lines=True
    )
    return path


def _clinc_json(path):
    test = [[f"please transfer {i} dollars to my savings account", "transfer"] for i in range(30)]
    path.write_text(json.dumps({"train": [], "test": test}), encoding="utf-8")
    return path


def _router_args(tmp_path, data, *extra):
    return (
        "router",
        "--data",
        data,
        "--out",
        tmp_path / "router",
        "--cache-dir",
        tmp_path / "cache",
        "--domain-centroids",
        8,
        "--no-report",
        "--subset",
        0,
        *extra,
    )


def test_train_router_saves_a_loadable_router_and_prints_its_held_out_metrics(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    ood = _clinc_json(tmp_path / "data_full.json")
    r = _run(*_router_args(tmp_path, data, "--ood-json", ood, "--subset", 5, "--subset-dir", tmp_path / "subset"))
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    held = summary["held_out"]
    assert held["n_train"] + held["n_test"] == 240 - 3  # the contaminated prompts are dropped
    assert held["mode"] == "split" and 0 <= held["apgr"] <= 1
    assert "auc" in summary["logistic_regression_baseline"]
    assert summary["domain_checks"][-1]["queries"] == "CLINC150 test queries (customer service)"
    router = load_router(tmp_path / "router")
    assert router.domain_centroids.shape[0] == 8
    assert router.metrics["held_out"] == held
    assert router.training["n_questions_total"] == 240
    card = (tmp_path / "router" / "MODEL_CARD.md").read_text()
    assert "Rebuild: `advisor train router" in card
    assert len(pd.read_csv(tmp_path / "subset" / "mmlu_heldout_sample.csv")) == 5
    assert not (tmp_path / "report.md").exists()


def test_train_router_writes_the_evaluation_page_when_asked(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    args = [a for a in _router_args(tmp_path, data) if a != "--no-report"]
    r = _run(*args, "--report", tmp_path / "report.md")
    assert r.exit_code == 0, r.output
    page = (tmp_path / "report.md").read_text()
    assert page.startswith("# Router evaluation") and "## Learning curve" in page


def test_train_router_reproduces_byte_identical_model_files_for_a_seed(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    outs = []
    for name in ("a", "b"):
        r = _run(
            "router",
            "--data",
            data,
            "--out",
            tmp_path / name,
            "--cache-dir",
            tmp_path / f"cache_{name}",
            "--domain-centroids",
            8,
            "--no-report",
            "--subset",
            0,
            "--seed",
            3,
        )
        assert r.exit_code == 0, r.output
        outs.append(tmp_path / name)
    for f in ("router.npz", "router.json", "MODEL_CARD.md"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f


def test_train_router_missing_data_folder_is_a_clean_error(fake_embedder, tmp_path):
    r = _run(*_router_args(tmp_path, tmp_path / "nope"))
    assert r.exit_code == 2
    assert "nope: expected a folder with RouteLLM's mmlu_<subject>.csv files, found no such folder" in r.output
    assert "Traceback" not in r.output


def test_train_router_folder_without_mmlu_files_is_a_clean_error(fake_embedder, tmp_path):
    (tmp_path / "empty").mkdir()
    r = _run(*_router_args(tmp_path, tmp_path / "empty"))
    assert r.exit_code == 2
    assert "found no mmlu_*.csv files. Pass --data the folder" in r.output


def test_train_router_file_without_the_weak_model_column_names_it(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    pd.DataFrame({"prompt": ["q"], STRONG: [1]}).to_csv(data / "mmlu_gamma.csv", index=False)
    r = _run(*_router_args(tmp_path, data))
    assert r.exit_code == 2
    assert f"mmlu_gamma.csv, column '{WEAK}': expected RouteLLM's correctness columns" in r.output


def test_train_router_without_the_contaminated_list_is_a_clean_error(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    (data / "contaminated_prompts.jsonl").unlink()
    r = _run(*_router_args(tmp_path, data))
    assert r.exit_code == 2
    assert (
        "contaminated_prompts.jsonl: expected RouteLLM's list of contaminated prompts, found no such file" in r.output
    )


def test_train_router_bad_ood_json_fails_before_training(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    bad = tmp_path / "data_full.json"
    bad.write_text('{"test": [["a", "b"],\n oops]}', encoding="utf-8")
    r = _run(*_router_args(tmp_path, data, "--ood-json", bad))
    assert r.exit_code == 2
    assert "data_full.json, line 2: expected JSON, found Expecting value" in r.output
    assert not (tmp_path / "router").exists()


def test_train_router_ood_json_without_test_pairs_is_a_clean_error(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    wrong = tmp_path / "other.json"
    wrong.write_text('{"val": []}', encoding="utf-8")
    r = _run(*_router_args(tmp_path, data, "--ood-json", wrong))
    assert r.exit_code == 2
    assert "other.json: expected an object whose 'test' is a list of [query, intent] pairs" in r.output


def test_train_router_missing_ood_json_and_probes_files_are_clean_errors(fake_embedder, tmp_path):
    data = _mmlu_folder(tmp_path / "mmlu")
    r = _run(*_router_args(tmp_path, data, "--ood-json", tmp_path / "none.json"))
    assert r.exit_code == 2 and "none.json: expected CLINC150's data_full.json, found no such file" in r.output
    r = _run(*_router_args(tmp_path, data, "--probes", tmp_path / "none.csv"))
    assert (
        r.exit_code == 2 and "none.csv: expected a CSV of out-of-domain probe prompts, found no such file" in r.output
    )


# ---------------------------------------------------------------------------- cache calibration


def _clinc_csv(path, per_intent=12):
    rows = []
    intents = {
        "balance": "how much money is in my {} account",
        "weather": "what is the weather like in {} today",
        "alarm": "set an alarm for {} in the morning",
    }
    fill = [
        "checking",
        "savings",
        "paris",
        "london",
        "seven",
        "eight",
        "joint",
        "berlin",
        "six",
        "rome",
        "main",
        "nine",
    ]
    for split, n in (("train", per_intent), ("val", per_intent // 2)):
        for intent, template in intents.items():
            rows += [
                {"text": template.format(fill[i % len(fill)]) + f" number {i}", "intent": intent, "split": split}
                for i in range(n)
            ]
        rows += [{"text": f"tell me a joke about {w}", "intent": "oos", "split": f"oos_{split}"} for w in fill[:3]]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _hwu_csv(path, per_intent=10):
    """Two scenarios of two intents each, worded unlike _clinc_csv's."""
    templates = {
        ("music", "music_play"): "play some {} music please",
        ("music", "music_query"): "which {} song is this",
        ("iot", "iot_lights"): "turn the {} lights on",
        ("iot", "iot_cleaning"): "start the {} vacuum cleaner",
    }
    fill = ["jazz", "rock", "kitchen", "hall", "blue", "loud", "old", "new", "soft", "red", "big"]
    rows = [
        {"scenario": sc, "intent": intent, "text": t.format(fill[i % len(fill)]) + f" {i}"}
        for (sc, intent), t in templates.items()
        for i in range(per_intent)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _cal_args(tmp_path, *extra):
    data = tmp_path / "clinc.csv"
    if not data.exists():
        _clinc_csv(data)
    hwu = tmp_path / "hwu.csv"
    if not hwu.exists():
        _hwu_csv(hwu)
    return ("cache-calibration", "--data", data, "--hwu", hwu, *extra)


def test_train_cache_calibration_saves_a_loadable_curve_and_prints_its_meta(fake_embedder, tmp_path):
    r = _run(*_cal_args(tmp_path, "--out", tmp_path / "cal", "--seeds", 2))
    assert r.exit_code == 0, r.output
    meta = json.loads(r.output)
    n_train, n_hwu = 3 * 12 + 3, 4 * 10
    # every call after the first has a best earlier match, in each seed's CLINC150 and HWU64 stream
    assert meta["training_pairs"] == 2 * (n_train - 1) + 2 * (n_hwu - 1)
    transfer = meta["transfer"]
    # leave out HWU64, leave out CLINC150, then one fold per HWU64 scenario
    assert [f["left_out"] for f in transfer["folds"]] == [
        "HWU64",
        "CLINC150",
        "HWU64 scenario iot",
        "HWU64 scenario music",
    ]
    assert len(transfer["margin"]) == len(transfer["thresholds"]) and min(transfer["margin"]) >= 0
    assert meta["stream_seeds"] == [0, 1] and meta["embedding_model"] == "test/hash-bow"
    assert [row["threshold"] for row in meta["heldout"]["by_threshold"]] == [0.75, 0.8, 0.85, 0.9, 0.95]
    cal = load_calibration(tmp_path / "cal")
    assert cal.meta == meta
    a, b = meta["logistic"]["intercept"], meta["logistic"]["slope_per_cosine"]
    assert np.allclose(cal.p_same_knots, 1 / (1 + np.exp(-(a + b * cal.cosine_knots))))  # the curve is its logistic


def test_train_cache_calibration_reproduces_for_the_same_seeds(fake_embedder, tmp_path):
    for name in ("a", "b"):
        assert _run(*_cal_args(tmp_path, "--out", tmp_path / name, "--seeds", 2)).exit_code == 0
    for f in ("knots.npz", "calibration.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_train_cache_calibration_missing_data_file_is_a_clean_error(fake_embedder, tmp_path):
    r = _run("cache-calibration", "--data", tmp_path / "clinc.csv", "--out", tmp_path / "cal")
    assert r.exit_code == 2
    assert "clinc.csv: expected CLINC150 as a CSV with columns text, intent, split, found no such file" in r.output
    assert not (tmp_path / "cal").exists()


def test_train_cache_calibration_missing_hwu_file_is_a_clean_error(fake_embedder, tmp_path):
    data = _clinc_csv(tmp_path / "clinc.csv")
    r = _run("cache-calibration", "--data", data, "--hwu", tmp_path / "hwu.csv", "--out", tmp_path / "cal")
    assert r.exit_code == 2
    assert "hwu.csv: expected HWU64 as a CSV with columns text, intent, scenario, found no such file" in r.output
    assert not (tmp_path / "cal").exists()


def test_train_cache_calibration_file_without_an_intent_column_names_it(fake_embedder, tmp_path):
    bad = tmp_path / "clinc.csv"
    pd.DataFrame({"text": ["a"], "label": ["x"], "split": ["train"]}).to_csv(bad, index=False)
    r = _run("cache-calibration", "--data", bad, "--out", tmp_path / "cal")
    assert r.exit_code == 2
    assert (
        "clinc.csv, column 'intent': expected columns text, intent, split, found columns text, label, split" in r.output
    )


def test_train_cache_calibration_without_held_out_rows_is_a_clean_error(fake_embedder, tmp_path):
    only_train = tmp_path / "clinc.csv"
    pd.DataFrame({"text": ["a", "b"], "intent": ["x", "y"], "split": ["train", "train"]}).to_csv(
        only_train, index=False
    )
    r = _run("cache-calibration", "--data", only_train, "--out", tmp_path / "cal")
    assert r.exit_code == 2
    assert "column 'split': expected rows in val or oos_val, found none" in r.output


def test_train_cache_calibration_embedding_model_that_is_not_a_folder_is_a_config_error(tmp_path):
    data = _clinc_csv(tmp_path / "clinc.csv")
    r = _run("cache-calibration", "--data", data, "--out", tmp_path / "cal", "--embedding-model", tmp_path / "nomodel")
    assert r.exit_code == 2
    assert "The 'embedding.model_path' setting must be a sentence-transformers model folder." in r.output


def test_train_cache_calibration_zero_seeds_is_a_usage_error(fake_embedder, tmp_path):
    r = _run("cache-calibration", "--data", _clinc_csv(tmp_path / "clinc.csv"), "--seeds", 0)
    assert r.exit_code == 2 and "--seeds" in r.output


def test_evaluate_router_page_rewrites_the_trained_page_from_the_saved_model_alone(
    fake_embedder, monkeypatch, tmp_path
):
    """#17: `advisor evaluate router-page` re-measures a saved router without retraining it: the
    saved files are untouched and every table row equals what training measured in memory."""
    import advisor.cli.evaluate_router as evaluate_router_cli

    monkeypatch.setattr(evaluate_router_cli, "_load_embedder", HashEmbedder)
    data = _mmlu_folder(tmp_path / "mmlu")
    ood = _clinc_json(tmp_path / "data_full.json")
    args = [a for a in _router_args(tmp_path, data, "--ood-json", ood) if a != "--no-report"]
    assert _run(*args, "--report", tmp_path / "trained.md").exit_code == 0
    saved = {p.name: p.read_bytes() for p in (tmp_path / "router").iterdir()}
    r = CliRunner().invoke(
        cli,
        ["evaluate", "router-page", "--data", data, "--model", tmp_path / "router", "--ood-json", ood]
        + ["--out", tmp_path / "page.md"],
    )
    assert r.exit_code == 0, r.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "router").iterdir()} == saved
    trained, page = ((tmp_path / name).read_text().splitlines() for name in ("trained.md", "page.md"))
    assert [row for row in page if row.startswith("|")] == [row for row in trained if row.startswith("|")]
    assert "advisor evaluate router-page --data" in page[2] and any(
        row.startswith("Targets (issue 17)") for row in page
    )
    held = json.loads(r.output)["held_out"]
    assert (held["mode"], held["n_train"] + held["n_test"]) == ("default", 240 - 3)  # the shipped model, same split
