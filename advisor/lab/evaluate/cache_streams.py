"""Labelled query streams for the cache evaluation: dataset -> frame(text, label) in arrival order.

    clinc_stream(seed=0)                      CLINC150 test + out-of-scope test, seeded shuffle
    qqp_stream(path, n_pairs=3000, seed=0)    Quora question pairs -> duplicate clusters, shuffled
    read_stream(path, text_col, label_col)    a user's labelled CSV -> (texts, labels)

Two rows with the same label would be served by the same cached answer. CLINC150 ships in
data/clinc150/ (CC BY 3.0). QQP is read from ../shared/data/qqp only when present: its terms
do not allow shipping it, so it is evaluation data, never training data.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.errors import InputError
from advisor.core.paths import data_dir

CLINC_FILE = "clinc150/clinc150.csv"
QQP_DEFAULT = Path("/work/shared/data/qqp/similar_qqp_full.json.gz")


def clinc_frame() -> pd.DataFrame:
    return pd.read_csv(data_dir() / CLINC_FILE)


def clinc_stream(seed: int = 0, splits: tuple[str, ...] = ("test", "oos_test")) -> pd.DataFrame:
    """CLINC150 rows of `splits` in file order, then shuffled with `seed`; columns text, label."""
    df = clinc_frame()
    d = df[df["split"].isin(splits)].reset_index(drop=True)
    d = d.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return pd.DataFrame({"text": d["text"].astype(str), "label": d["intent"].astype(str)})


def read_qqp_pairs(path: Path) -> list[dict]:
    """The GPTCache packaging: a gzipped tar holding one JSON list of {text_a, text_b, label}."""
    raw = Path(path).read_bytes()
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(".json"))
            fh = tar.extractfile(member)
            if fh is None:  # a directory or link named *.json: not the packaging this reads
                raise InputError.at(
                    str(path),
                    expected="a JSON file in the archive",
                    found=member.name,
                    fix="Pass GPTCache's QQP archive.",
                )
            return json.load(fh)
    except tarfile.ReadError:
        return json.loads(gzip.decompress(raw))


def _components(pairs: list[dict]) -> dict[str, str]:
    """Union-find over duplicate pairs: every text -> the id of its duplicate cluster."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        a, b = find(p["text_a"]), find(p["text_b"])
        if p["label"] == 1 and a != b:
            parent[a] = b
    return {t: find(t) for t in list(parent)}


def qqp_stream(path: Path = QQP_DEFAULT, n_pairs: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Both questions of `n_pairs` random pairs, shuffled; label = duplicate cluster over all pairs.

    Non-duplicate pairs are hard negatives (same topic, different question), which is what
    makes QQP a false-hit test.
    """
    pairs = read_qqp_pairs(path)
    cluster = _components(pairs)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(pairs), size=min(n_pairs, len(pairs)), replace=False)
    texts = [t for i in pick for t in (pairs[i]["text_a"], pairs[i]["text_b"])]
    order = rng.permutation(len(texts))
    texts = [texts[i] for i in order]
    return pd.DataFrame({"text": texts, "label": [cluster[t] for t in texts]})


def read_stream(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """A labelled stream CSV -> (texts, labels), with clean errors for missing columns or cells."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(f"{path}: stream file not found. Check the path.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError.at(
            str(path),
            expected="a CSV file with a header row",
            found=f"unreadable data ({exc})",
            fix="Save the stream as UTF-8 CSV.",
        ) from None
    for col, opt in ((text_col, "--text-col"), (label_col, "--label-col")):
        if col not in df.columns:
            raise InputError.at(
                str(path),
                line=1,
                column=col,
                expected=f"a column named '{col}'",
                found=f"columns {list(df.columns)}",
                fix=f"Name the right column with {opt}.",
            )
    empty = df[text_col].str.strip() == ""
    if empty.any():
        row = int(empty.to_numpy().argmax()) + 1
        raise InputError.at(
            str(path),
            row=row,
            column=text_col,
            expected="query text",
            found="an empty cell",
            fix="Remove the row or fill in its text.",
        )
    if len(df) < 2:
        raise InputError.at(str(path), expected="at least two rows", found=f"{len(df)}", fix="Give a longer stream.")
    return df[text_col].tolist(), df[label_col].tolist()


def read_responses(path: Path, response_col: str) -> list[str | None]:
    """The stream's logged answers (blank cells: none), for the estimator's answer evidence."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if response_col not in df.columns:
        raise InputError.at(
            str(path),
            line=1,
            column=response_col,
            expected=f"a column named '{response_col}'",
            found=f"columns {list(df.columns)}",
            fix="Name the answers column with --response-col, or leave the option out.",
        )
    return [v if v.strip() else None for v in df[response_col]]
