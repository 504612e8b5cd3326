"""Train the shipped false-hit calibration: CLINC150 train streams -> models/cache_calibration/.

    python -m advisor.train_cache_calibration [--out DIR] [--seeds 5]

Data: CLINC150 `train` + `oos_train` utterances (data/clinc150/, CC BY 3.0), never QQP.
Each of `seeds` shuffles is replayed through the cache (every call enters it); every call's
best earlier match gives one pair (cosine, same intent). Out-of-scope utterances count as
different from everything: they are unrelated requests, so no cached answer fits them.
A logistic regression of "same" on cosine, sampled at fixed knots, is the model.
Held-out check: the same replay on `val` + `oos_val`, estimated vs true precision per
threshold, written into calibration.json and MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .analyzers.cache_replay import replay
from .calibration import MODEL_SUBDIR, Calibration
from .paths import models_dir

KNOTS = np.round(np.arange(0.0, 1.0001, 0.01), 2)
THRESHOLDS = (0.75, 0.80, 0.85, 0.90, 0.95)
FIT_FROM = 0.5


def stream_pairs(texts: list[str], labels: np.ndarray, embedder, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, same) of every call's best earlier match in one seeded shuffle."""
    order = np.random.default_rng(seed).permutation(len(texts))
    vecs = embedder.encode([texts[i] for i in order])
    lab = labels[order]
    r = replay(vecs)
    has = r.match_index >= 0
    j = r.match_index[has]
    same = (lab[has] == lab[j]) & (lab[has] != "oos")
    return r.match_cosine[has].astype(np.float64), same


def fit_curve(cosine: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, dict]:
    """Logistic in cosine, fitted where thresholds are chosen (cosine >= FIT_FROM).

    A two-parameter logistic rather than a free isotonic curve: it extrapolates smoothly to
    the top of the range (isotonic steps to exactly 1.0 there, which no finite number of
    labels could move) and keeps logit(p) linear in cosine, so the labelled-pairs update
    (a + b * logit p) can reach any other logistic, e.g. a dataset with harder negatives.
    """
    from sklearn.linear_model import LogisticRegression

    keep = cosine >= FIT_FROM
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(cosine[keep, None], same[keep].astype(int))
    alpha, beta = float(lr.intercept_[0]), float(lr.coef_[0, 0])
    return 1.0 / (1.0 + np.exp(-(alpha + beta * KNOTS))), {"intercept": alpha, "slope_per_cosine": beta,
                                                         "fitted_on_cosine_from": FIT_FROM}


def precision_table(cal: Calibration, cosine: np.ndarray, same: np.ndarray) -> list[dict]:
    rows = []
    p = cal.predict(cosine)
    for t in THRESHOLDS:
        hit = cosine >= t
        rows.append({"threshold": t, "hits": int(hit.sum()),
                     "estimated_precision": round(float(p[hit].mean()), 4) if hit.any() else None,
                     "true_precision": round(float(same[hit].mean()), 4) if hit.any() else None})
    return rows


def train(embedder, seeds: int = 5) -> Calibration:
    from .evaluate.cache_streams import clinc_frame

    df = clinc_frame()
    tr = df[df["split"].isin(["train", "oos_train"])]
    texts, labels = tr["text"].astype(str).tolist(), tr["intent"].astype(str).to_numpy()
    parts = [stream_pairs(texts, labels, embedder, seed) for seed in range(seeds)]
    cos = np.concatenate([c for c, _ in parts])
    same = np.concatenate([s for _, s in parts])
    curve, params = fit_curve(cos, same)
    va = df[df["split"].isin(["val", "oos_val"])]
    vcos, vsame = stream_pairs(va["text"].astype(str).tolist(), va["intent"].astype(str).to_numpy(), embedder, 0)
    meta = {
        "kind": "logistic P(same answer | cosine of best earlier match), sampled at knots, linear between",
        "logistic": params,
        "embedding_model": embedder.model_id,
        "training_data": "CLINC150 train + oos_train (data/clinc150/clinc150.csv), CC BY 3.0",
        "training_pairs": int(cos.size),
        "training_positive_share": round(float(same.mean()), 4),
        "stream_seeds": list(range(seeds)),
        "heldout": {"data": "CLINC150 val + oos_val, seed 0", "pairs": int(vcos.size)},
    }
    cal = Calibration(cosine_knots=KNOTS.astype(np.float64), p_same_knots=curve, meta=meta)
    meta["heldout"]["by_threshold"] = precision_table(cal, vcos, vsame)
    return cal


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(models_dir() / MODEL_SUBDIR))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--embedding-model", default=None)
    args = ap.parse_args(argv)
    from .embed import SentenceTransformerEmbedder

    cal = train(SentenceTransformerEmbedder(args.embedding_model), seeds=args.seeds)
    cal.save(Path(args.out))
    print(json.dumps(cal.meta, indent=2))


if __name__ == "__main__":
    main()
