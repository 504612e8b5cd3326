"""Train the shipped false-hit calibration: CLINC150 train streams -> models/cache_calibration/.

    train(data_csv, embedder, seeds=5, out_dir=None) -> Calibration
    advisor train cache-calibration [--data CSV] [--out DIR] [--seeds 5]   (advisor/cli/train.py)

Data: CLINC150 `train` + `oos_train` utterances (data/clinc150/, CC BY 3.0), never QQP.
Each of `seeds` shuffles is replayed through the cache (every call enters it); every call's
best earlier match gives one pair (cosine, same intent). Out-of-scope utterances count as
different from everything: they are unrelated requests, so no cached answer fits them.
A logistic regression of "same" on cosine, sampled at fixed knots, is the model.
Held-out check: the same replay on `val` + `oos_val`, estimated vs true precision per
threshold, written into calibration.json and MODEL_CARD.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advisor.analyzers.cache.calibration import Calibration
from advisor.analyzers.cache.replay import replay
from advisor.core.errors import InputError

KNOTS = np.round(np.arange(0.0, 1.0001, 0.01), 2)
THRESHOLDS = (0.75, 0.80, 0.85, 0.90, 0.95)
FIT_FROM = 0.5
TRAIN_SPLITS = ("train", "oos_train")
HELDOUT_SPLITS = ("val", "oos_val")


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
    return 1.0 / (1.0 + np.exp(-(alpha + beta * KNOTS))), {
        "intercept": alpha,
        "slope_per_cosine": beta,
        "fitted_on_cosine_from": FIT_FROM,
    }


def precision_table(cal: Calibration, cosine: np.ndarray, same: np.ndarray) -> list[dict]:
    rows = []
    p = cal.predict(cosine)
    for t in THRESHOLDS:
        hit = cosine >= t
        rows.append(
            {
                "threshold": t,
                "hits": int(hit.sum()),
                "estimated_precision": round(float(p[hit].mean()), 4) if hit.any() else None,
                "true_precision": round(float(same[hit].mean()), 4) if hit.any() else None,
            }
        )
    return rows


def read_clinc(data_csv: Path):
    """CLINC150 as one CSV (data/clinc150/clinc150.csv): columns text, intent, split."""
    import pandas as pd

    data_csv = Path(data_csv)
    if not data_csv.is_file():
        raise InputError.at(
            str(data_csv),
            expected="CLINC150 as a CSV with columns text, intent, split",
            found="no such file",
            fix="Pass --data data/clinc150/clinc150.csv (the default).",
        )
    try:
        df = pd.read_csv(data_csv)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError.at(
            str(data_csv),
            expected="a CSV file",
            found=str(exc).splitlines()[0],
            fix="Pass data/clinc150/clinc150.csv (the default).",
        ) from None
    for column in ("text", "intent", "split"):
        if column not in df.columns:
            raise InputError.at(
                str(data_csv),
                column=column,
                expected="columns text, intent, split",
                found=f"columns {', '.join(map(str, df.columns)) or 'none'}",
                fix="Pass data/clinc150/clinc150.csv (the default).",
            )
    for splits in (TRAIN_SPLITS, HELDOUT_SPLITS):
        if not df["split"].isin(splits).any():
            raise InputError.at(
                str(data_csv),
                column="split",
                expected=f"rows in {' or '.join(splits)}",
                found="none",
                fix="Pass the whole CLINC150 file, not one split of it.",
            )
    return df


def train(data_csv: Path, embedder, seeds: int = 5, out_dir: Path | None = None) -> Calibration:
    """Fit the calibration on `seeds` shuffled replays of the train splits, check it on the
    held-out splits (recorded in its meta), and save it to `out_dir` when given."""
    df = read_clinc(data_csv)
    tr = df[df["split"].isin(TRAIN_SPLITS)]
    texts, labels = tr["text"].astype(str).tolist(), tr["intent"].astype(str).to_numpy()
    parts = [stream_pairs(texts, labels, embedder, seed) for seed in range(seeds)]
    cos = np.concatenate([c for c, _ in parts])
    same = np.concatenate([s for _, s in parts])
    curve, params = fit_curve(cos, same)
    va = df[df["split"].isin(HELDOUT_SPLITS)]
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
    if out_dir is not None:
        cal.save(Path(out_dir))
    return cal
