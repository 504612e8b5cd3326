"""Train the shipped false-hit calibration: CLINC150 + HWU64 streams -> models/cache_calibration/.

    train(data_csv, embedder, seeds=5, out_dir=None, hwu_csv=HWU_DEFAULT) -> Calibration
    advisor train cache-calibration [--data CSV] [--hwu CSV] [--out DIR] [--seeds 5]   (advisor/cli/train.py)

Data: CLINC150 `train` + `oos_train` utterances (data/clinc150/, CC BY 3.0) and all of HWU64
(read from ../shared/data/hwu64 at train time, CC BY 4.0), never QQP.
Each of `seeds` shuffles is replayed through the cache (every call enters it); every call's
best earlier match gives one pair (cosine, same intent). Out-of-scope utterances count as
different from everything: they are unrelated requests, so no cached answer fits them.
A logistic regression of "same" on cosine over both datasets' pairs, sampled at fixed knots,
is the model. Held-out check: the same replay on CLINC150 `val` + `oos_val`. Transfer check
(advisor.lab.train.cache_transfer): leave one dataset, or one HWU64 scenario, out of the fit
and measure on it; the per-threshold worst error is the no-label interval's margin. Both go
into calibration.json and MODEL_CARD.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advisor.analyzers.cache.calibration import Calibration
from advisor.analyzers.cache.replay import replay
from advisor.core.errors import InputError
from advisor.embed.text import normalize_text
from advisor.lab.tables import read_table
from advisor.lab.train.cache_transfer import Pairs, fold_errors, log_statistics, transfer_record

KNOTS = np.round(np.arange(0.0, 1.0001, 0.01), 2)
THRESHOLDS = (0.75, 0.80, 0.85, 0.90, 0.95)
FIT_FROM = 0.5
TRAIN_SPLITS = ("train", "oos_train")
HELDOUT_SPLITS = ("val", "oos_val")
HWU_DEFAULT = Path("/work/shared/data/hwu64/hwu64.csv")


def stream_pairs(vecs: np.ndarray, labels: np.ndarray, texts: list[str], seed: int) -> Pairs:
    """Every call's best earlier match in one seeded shuffle of the (already embedded) stream."""
    order = np.random.default_rng(seed).permutation(len(labels))
    lab = np.asarray(labels)[order]
    norm = np.asarray([normalize_text(texts[i]) for i in order], dtype=object)
    r = replay(vecs[order])
    has = r.match_index >= 0
    j = np.maximum(r.match_index, 0)
    return Pairs(
        cosine=np.where(has, r.match_cosine, -1.0).astype(np.float64),
        same=has & (lab == lab[j]) & (lab != "oos"),
        same_text=has & (norm == norm[j]),
    )


def _fit(parts: list[Pairs]) -> tuple[np.ndarray, dict]:
    rows = [p.fit_rows for p in parts]
    return fit_curve(np.concatenate([c for c, _ in rows]), np.concatenate([s for _, s in rows]))


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


def precision_table(cal: Calibration, pairs: Pairs) -> list[dict]:
    rows = []
    cosine, same = pairs.cosine, pairs.same
    p = np.where(pairs.same_text, 1.0, cal.predict(cosine))
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


def read_hwu(path: Path):
    """HWU64 as one CSV (../shared/data/hwu64/hwu64.csv): columns text, intent, scenario."""
    df = read_table(
        path,
        ("text", "intent", "scenario"),
        what="HWU64 as a CSV with columns text, intent, scenario",
        expected_columns="columns text, intent, scenario",
        fix_missing="Pass --hwu with the merged HWU64 file (../shared/data/hwu64/hwu64.csv).",
        fix_columns="Pass the merged HWU64 file (../shared/data/hwu64/hwu64.csv).",
    )
    return df.dropna(subset=["text", "intent"]).reset_index(drop=True)


def _embedded(df, embedder) -> tuple[np.ndarray, np.ndarray, list[str]]:
    texts = df["text"].astype(str).tolist()
    return embedder.encode(texts), df["intent"].astype(str).to_numpy(), texts


def _fold(left_out: str, fit_on: list[Pairs], measure_on: Pairs) -> dict:
    """One transfer fold: a curve fitted on `fit_on`, its signed errors on `measure_on`."""
    same = np.concatenate([p.fit_rows[1][p.fit_rows[0] >= FIT_FROM] for p in fit_on])
    if same.all() or not same.any():
        return {"left_out": left_out, "errors": fold_errors(lambda c: c, measure_on, ()), "skipped": "one class"}
    y = _fit(fit_on)[0]
    return {
        "left_out": left_out,
        "errors": fold_errors(lambda c: np.interp(c, KNOTS, y), measure_on),
        "log_statistics": log_statistics(measure_on),
    }


def _transfer_folds(clinc_tr: list[Pairs], clinc_va: Pairs, hwu, hwu_vecs, hwu_all: list[Pairs]) -> list[dict]:
    """Signed errors of a curve fitted without the traffic it is measured on (cache_transfer)."""
    lab, texts = hwu["intent"].astype(str).to_numpy(), hwu["text"].astype(str).tolist()
    folds = [_fold("HWU64", clinc_tr, hwu_all[0]), _fold("CLINC150", hwu_all, clinc_va)]
    for scenario in sorted(hwu["scenario"].astype(str).unique()):
        out = (hwu["scenario"].astype(str) == scenario).to_numpy()
        kept = stream_pairs(hwu_vecs[~out], lab[~out], [t for t, o in zip(texts, out, strict=True) if not o], 0)
        left = stream_pairs(hwu_vecs[out], lab[out], [t for t, o in zip(texts, out, strict=True) if o], 0)
        folds.append(_fold(f"HWU64 scenario {scenario}", [*clinc_tr, kept], left))
    return folds


def train(
    data_csv: Path,
    embedder,
    seeds: int = 5,
    out_dir: Path | None = None,
    hwu_csv: Path = HWU_DEFAULT,
    hwu_exclude: tuple[str, ...] = (),
) -> Calibration:
    """Fit the calibration on `seeds` shuffled replays of CLINC150 train and HWU64, check it on
    CLINC150's held-out splits and by leaving each dataset / HWU64 scenario out (its meta),
    and save it to `out_dir` when given. `hwu_exclude`: HWU64 scenarios kept out of everything
    (fit and transfer folds), so that an evaluation can measure on them (cache_transfer_table)."""
    df = read_clinc(data_csv)
    hwu = read_hwu(hwu_csv)
    hwu = hwu[~hwu["scenario"].astype(str).isin(hwu_exclude)].reset_index(drop=True)
    tr_vecs, tr_lab, tr_texts = _embedded(df[df["split"].isin(TRAIN_SPLITS)], embedder)
    va_vecs, va_lab, va_texts = _embedded(df[df["split"].isin(HELDOUT_SPLITS)], embedder)
    hwu_vecs = embedder.encode(hwu["text"].astype(str).tolist())
    clinc_tr = [stream_pairs(tr_vecs, tr_lab, tr_texts, seed) for seed in range(seeds)]
    hwu_lab, hwu_texts = hwu["intent"].astype(str).to_numpy(), hwu["text"].astype(str).tolist()
    hwu_all = [stream_pairs(hwu_vecs, hwu_lab, hwu_texts, seed) for seed in range(seeds)]
    parts = clinc_tr + hwu_all
    curve, params = _fit(parts)
    va = stream_pairs(va_vecs, va_lab, va_texts, 0)
    n_pairs = sum(p.fit_rows[0].size for p in parts)
    meta = {
        "kind": "logistic P(same answer | cosine of best earlier match), sampled at knots, linear between",
        "logistic": params,
        "embedding_model": embedder.model_id,
        "training_data": (
            "CLINC150 train + oos_train (data/clinc150/clinc150.csv), CC BY 3.0; "
            "HWU64 (xliuhw/NLU-Evaluation-Data, all 10 folds), CC BY 4.0"
        ),
        "training_pairs": int(n_pairs),
        "training_positive_share": round(float(np.concatenate([p.fit_rows[1] for p in parts]).mean()), 4),
        "stream_seeds": list(range(seeds)),
        "hwu64_scenarios_left_out": sorted(hwu_exclude),
        "heldout": {"data": "CLINC150 val + oos_val, seed 0", "pairs": int(va.fit_rows[0].size)},
    }
    cal = Calibration(cosine_knots=KNOTS.astype(np.float64), p_same_knots=curve, meta=meta)
    meta["heldout"]["by_threshold"] = precision_table(cal, va)
    meta["transfer"] = transfer_record(_transfer_folds(clinc_tr, va, hwu, hwu_vecs, hwu_all))
    if out_dir is not None:
        cal.save(Path(out_dir))
    return cal
