"""Training inputs for the router -> frames and vectors: RouteLLM's MMLU correctness files
(minus its contaminated prompts), CLINC150 test queries, out-of-domain probes, and cached
embeddings. Every bad path or file is an InputError naming it, raised before the long work.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from advisor.core.errors import InputError
from advisor.lab.tables import read_table

WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
CONTAMINATED = "contaminated_prompts.jsonl"


def load_mmlu(data_dir: Path):
    """RouteLLM's mmlu_<subject>.csv files minus its contaminated prompts -> (frame, rows before)."""
    import pandas as pd

    data_dir = Path(data_dir)
    paths = sorted(data_dir.glob("mmlu_*.csv")) if data_dir.is_dir() else []
    if not paths:
        raise InputError.at(
            str(data_dir),
            expected="a folder with RouteLLM's mmlu_<subject>.csv files",
            found="no such folder" if not data_dir.is_dir() else "no mmlu_*.csv files",
            fix="Pass --data the folder lm-sys/RouteLLM routellm/evals/mmlu/responses.",
        )
    frames = []
    for path in paths:
        frame = pd.read_csv(path)
        for column in ("prompt", WEAK, STRONG):
            if column not in frame.columns:
                raise InputError.at(
                    str(path),
                    column=column,
                    expected="RouteLLM's correctness columns",
                    found=f"columns {', '.join(map(str, frame.columns))}",
                    fix="Use the unmodified RouteLLM response files.",
                )
        frame["subject"] = path.stem[len("mmlu_") :]
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    contaminated_path = data_dir / CONTAMINATED
    if not contaminated_path.is_file():
        raise InputError.at(
            str(contaminated_path),
            expected="RouteLLM's list of contaminated prompts",
            found="no such file",
            fix=f"Copy {CONTAMINATED} from the same RouteLLM folder.",
        )
    try:
        contaminated = set(pd.read_json(contaminated_path, lines=True)["eval_prompt"])
    except (ValueError, KeyError) as exc:
        raise InputError.at(
            str(contaminated_path),
            column="eval_prompt",
            expected="JSON Lines with an eval_prompt field",
            found=str(exc).splitlines()[0],
            fix=f"Copy {CONTAMINATED} unmodified from RouteLLM.",
        ) from None
    kept = data[~data["prompt"].isin(contaminated)].reset_index(drop=True)
    return kept, len(data)


def read_clinc_test_queries(path: Path) -> list[str]:
    """The `test` utterances of CLINC150's data_full.json (out-of-domain queries)."""
    path = Path(path)
    if not path.is_file():
        raise InputError.at(
            str(path),
            expected="CLINC150's data_full.json",
            found="no such file",
            fix="Pass --ood-json the file from clinc/oos-eval, or leave the option out.",
        )
    try:
        clinc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError.at(
            str(path),
            line=line,
            expected="JSON",
            found=getattr(exc, "msg", str(exc)),
            fix="Pass CLINC150's data_full.json unmodified.",
        ) from None
    test = clinc.get("test") if isinstance(clinc, dict) else None
    if not isinstance(test, list) or not all(isinstance(r, list) and r and isinstance(r[0], str) for r in test):
        raise InputError.at(
            str(path),
            expected="an object whose 'test' is a list of [query, intent] pairs",
            found="no such list",
            fix="Pass CLINC150's data_full.json unmodified.",
        )
    return [r[0] for r in test]


def embed_cached(texts: list[str], cache_dir: Path | None, embedder=None) -> tuple[np.ndarray, str]:
    """Vectors of `texts` (default: advisor's bundled all-MiniLM-L6-v2), with an .npy cache in `cache_dir`."""
    if embedder is None:
        from advisor.core.config import Config
        from advisor.embed import default_embedder

        # torch MiniLM, as the shipped router was trained (the pipeline's default is its int8 export).
        embedder = default_embedder(Config(sections={"embedding": {"backend": "torch"}}))
    if cache_dir is None:
        return np.asarray(embedder.encode(texts), dtype=np.float32), embedder.model_id
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]
    cache = Path(cache_dir) / f"{embedder.model_id}_{digest}.npy"
    if cache.is_file():
        return np.load(cache, allow_pickle=False), embedder.model_id
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, embedder.model_id


def read_probes(path: Path):
    """data/routellm-mmlu/out_of_domain_probes.csv: columns kind, prompt."""
    probes = read_table(
        path,
        ("kind", "prompt"),
        what="a CSV of out-of-domain probe prompts",
        expected_columns="columns kind and prompt",
        fix_missing="Pass --probes data/routellm-mmlu/out_of_domain_probes.csv or leave the option out.",
        fix_columns="Keep the header row of out_of_domain_probes.csv.",
    )
    return probes
