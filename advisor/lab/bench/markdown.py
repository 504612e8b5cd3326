"""BenchReport -> the Markdown of BENCHMARKS.md (rendering only: every number comes from the report)."""

from __future__ import annotations

from datetime import UTC, datetime

from advisor.lab.bench.runner import BenchReport

TARGETS = {
    "ratio": 1.15,
    "gptcache_speedup": 10.0,
    "agreement": 0.99,
    "onnx_speedup": 1.5,
    "hit_rate_change_points": 0.5,
    "recall": 0.99,
}


def _f(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _summary(r: BenchReport) -> list[str]:
    lines = ["| measure | target | measured | met |", "|---|---|---|---|"]
    for size in r.sizes:
        lines.append(
            f"| analyze / embedding its unique texts alone, {size['n_calls']:,} calls | ≤ {TARGETS['ratio']}× "
            f"| {size['ratio']:.2f}× (vs encode only, model load excluded: {size['ratio_vs_encode_only']:.2f}×; "
            f"vs advisor's own embedding in the same run: {_f(size.get('ratio_vs_own_embedding'))}×) "
            f"| {_met(size['ratio'] <= TARGETS['ratio'])} |"
        )
    g = r.gptcache
    if g and "speedup" in g:
        lines.append(
            f"| cache replay vs GPTCache put/get loop, {g['n_calls']:,} calls | ≥ {TARGETS['gptcache_speedup']:.0f}× "
            f"| {g['speedup']:,.0f}× | {_met(g['speedup'] >= TARGETS['gptcache_speedup'])} |"
        )
        lines.append(
            f"| hit decisions agreeing with GPTCache (t = {g['threshold']}) | ≥ {TARGETS['agreement']:.0%} "
            f"| {g['agreement']:.2%} | {_met(g['agreement'] >= TARGETS['agreement'])} |"
        )
    elif g:
        lines.append(f"| cache replay vs GPTCache | ≥ 10× | {g.get('gptcache_error', 'not measured')} | – |")
    o = r.onnx
    if o:
        change = o["worst_change_points"]
        lines.append(
            f"| ONNX int8 / torch fp32 throughput (same process, alternating) | ≥ {TARGETS['onnx_speedup']}× "
            f"| {o['speedup']:.2f}× | {_met(o['speedup'] >= TARGETS['onnx_speedup'])} |"
        )
        lines.append(
            f"| cache hit-rate change, ONNX int8 vs torch (max over thresholds 0.75–0.95 step 0.01, "
            f"log stream and CLINC150 test, worst repeat) | ≤ {TARGETS['hit_rate_change_points']} points "
            f"| {change:.2f} points | {_met(change <= TARGETS['hit_rate_change_points'])} |"
        )
    for a in r.ann:
        m = a.get("replay_ann")
        if m:
            q = m.get("recall_cache_question")
            lines.append(
                f"| recall@1 of {m['method']} vs exact, {a['n']:,} synthetic vectors: all calls / calls whose "
                f"best earlier match has cosine ≥ 0.5 / the cache's question (the best match ≥ 0.70, the "
                f"lowest threshold swept, or none) | ≥ {TARGETS['recall']} | {m['recall_at_1']:.4f} / "
                f"{m['recall_at_1_best_ge_0_5']:.4f} / {_f(q, 4)} | {_met(m['recall_at_1'] >= TARGETS['recall'])} / "
                f"{_met(m['recall_at_1_best_ge_0_5'] >= TARGETS['recall'])} / "
                f"{_met(q is not None and q >= TARGETS['recall'])} |"
            )
    if r.ann:
        lines.append(
            "| recall@1 vs exact on 175,140 real query embeddings (QQP + CLINC150 + MMLU, no perturbation) "
            "| ≥ 0.99 | see [docs/benchmarks-ann-real.md](docs/benchmarks-ann-real.md) "
            "(`python -m tests.benchmarks.bench_ann_real`; needs ../shared/data) | – |"
        )
    return lines


def render_markdown(r: BenchReport, command: str) -> str:
    s = r.settings
    out = [
        "# advisor benchmarks",
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(Python {r.machine['python']}, {r.machine['cpus']} CPUs, {r.machine['platform']}). "
        f"Embedder `{s.embedder}`, batch size {s.batch_size}, {s.repeats} repeat(s) (logs above "
        f"{s.single_run_above:,} calls: one run): times are medians, "
        "ratios are medians of per-repeat ratios (each analyze run paired with the embedding-only run "
        "right after it). Each measurement runs in a fresh process with a cold embedding cache; peak "
        "memory is that process's peak RSS. The machine is shared: absolute times are noisy, ratios less so.",
        "",
        "## Targets (issue 9)",
        "",
        *_summary(r),
        "",
    ]
    for size in r.sizes:
        out += [
            f"## Stages, {size['n_calls']:,} calls ({size['unique_texts']:,} unique texts embedded)",
            "",
            "| stage | time (s) | process peak RSS at stage end (MB) |",
            "|---|---:|---:|",
        ]
        out += [f"| {row['stage']} | {_f(row['seconds'])} | {_f(row['peak_rss_mb'], 0)} |" for row in size["stages"]]
        out += [
            "",
            f"End to end `run_analysis`: {_f(size['analyze_s'])} s, peak RSS {_f(size['analyze_peak_rss_mb'], 0)} MB. "
            f"Embedding the same {size['unique_texts']:,} texts alone{_how_alone(s)}: {_f(size['embed_alone_s'])} s "
            f"(model load {_f(size['embed_load_s'])} s + encode {_f(size['embed_encode_s'])} s, "
            f"{_f(size['texts_per_s'], 0)} texts/s, peak RSS {_f(size['embed_peak_rss_mb'], 0)} MB). "
            f"Per-repeat ratios: {', '.join(f'{x:.2f}' for x in size['ratios'])}. advisor's own embedding inside "
            f"the analyze run (model load included; batches of similar token counts) took "
            f"{_f(size.get('embedding_in_run_s'))} s; the whole run took {_f(size.get('ratio_vs_own_embedding'))}× "
            f"that.",
            "",
        ]
        if size["warnings"]:
            out += ["Pipeline warnings (first run): " + "; ".join(size["warnings"]), ""]
    if r.sizes:
        out += _growth(r)
    return _rest(r, out)


def _how_alone(s) -> str:
    return " (one plain `SentenceTransformer.encode` call, same batch size)" if s.embedder == "minilm" else ""


def _growth(r: BenchReport) -> list[str]:
    out = [
        "## Growth with log size",
        "",
        "Growth columns compare each size with the one above it: near-linear in unique texts means the "
        "time ratio is close to the unique-text ratio.",
        "",
        "| calls | runs | unique texts | analyze (s) | ms per unique text | ms per call | embedding alone (s) "
        "| analyze peak RSS (MB) | unique texts × | analyze time × | peak RSS × |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in r.sizes:
        g = size.get("growth") or {}
        out.append(
            f"| {size['n_calls']:,} | {size['repeats']} | {size['unique_texts']:,} | {_f(size['analyze_s'])} "
            f"| {_f(size['ms_per_unique_text'])} | {_f(size['ms_per_call'], 3)} | {_f(size['embed_alone_s'])} "
            f"| {_f(size['analyze_peak_rss_mb'], 0)} | {_f(g.get('unique_texts'))} | {_f(g.get('analyze_time'))} "
            f"| {_f(g.get('peak_rss'))} |"
        )
    return out + [""]


def _hit_rows(rates: dict) -> list[str]:
    torch, onnx = rates["minilm"], rates["onnx-int8"]
    return [f"| {k} | {torch[k]:.4f} | {onnx[k]:.4f} | {(onnx[k] - torch[k]) * 100:+.2f} |" for k in torch]


def _rest(r: BenchReport, out: list[str]) -> str:
    if r.gptcache:
        out += _gptcache_section(r.gptcache)
    if r.onnx:
        out += _onnx_section(r.onnx)
    if r.ann:
        out += _ann_section(r.ann, r.settings.threshold)
    if r.notes:
        out += ["## Notes", "", *[f"- {n}" for n in r.notes], ""]
    return "\n".join(out)


def _gptcache_section(g: dict) -> list[str]:
    out = [
        "## Cache replay vs GPTCache",
        "",
        f"Stream: the first {g['n_calls']:,} cacheable calls (first turns with text) of the "
        f"{g['log_calls']:,}-call log, the same vectors for both, cosine threshold {g['threshold']}, no TTL, no "
        "capacity limit. GPTCache: faiss flat L2 store (top-1), in-memory SQLite, "
        "SearchDistanceEvaluation with similarity_threshold (1 + t) / 2, get then put for every call "
        "(advisor/lab/bench/gptcache_loop.py).",
        "",
    ]
    if "gptcache_s" in g:
        out += [
            "| | time (s) | hit rate |",
            "|---|---:|---:|",
            f"| advisor replay ({g['advisor_method']}) | {g['advisor_s']:.4f} | {g['advisor_hit_rate']:.4f} |",
            f"| GPTCache {g['gptcache_version']} | {g['gptcache_s']:.2f} | {g['gptcache_hit_rate']:.4f} |",
            "",
            f"Speed-up {g['speedup']:,.0f}×; hit decisions agree on {g['agreement']:.2%} of calls (worst repeat).",
            "",
        ]
    else:
        out += [f"GPTCache not measured: {g.get('gptcache_error')}", ""]
    return out


def _onnx_section(o: dict) -> list[str]:
    out = [
        "## ONNX int8 vs torch fp32",
        "",
        f"{o['n_texts']:,} unique cacheable texts of the {o['log_calls']:,}-call log, batch size {o['batch_size']}, "
        "model load and export excluded. Vector agreement (cosine between the two embeddings of a "
        f"text): mean {o['vector_cosine_mean']:.4f}, min {o['vector_cosine_min']:.4f}.",
        "",
        "| backend | texts/s |",
        "|---|---:|",
    ]
    out += [f"| {k} | {v:,.0f} |" for k, v in o["rates"].items()]
    out += [
        "",
        f"Throughput ratio measured in one process, torch and int8 alternating over rounds "
        f"(median per-round ratio). Max hit-rate change over thresholds 0.75–0.95 in steps of 0.01 "
        f"(worst repeat): {', '.join(f'{k} {v:.2f} points' for k, v in o['max_change_points'].items())}.",
        "",
        f"Hit rate of the replay ({o['n_calls']:,} cacheable calls, TTL one day) by threshold:",
        "",
        "| threshold | torch fp32 | ONNX int8 | change (points) |",
        "|---:|---:|---:|---:|",
    ]
    out += _hit_rows(o["hit_rates"])
    c = o.get("clinc")
    if c:
        out += [
            "",
            f"CLINC150 test + out-of-scope test ({c['n_texts']:,} queries, data/clinc150, seeded shuffle, "
            f"no TTL); vector agreement mean {c['vector_cosine_mean']:.4f}, min {c['vector_cosine_min']:.4f}:",
            "",
            "| threshold | torch fp32 | ONNX int8 | change (points) |",
            "|---:|---:|---:|---:|",
        ]
        out += _hit_rows(c["hit_rates"])
    out.append("")
    return out


def _ann_section(ann: list, threshold: float) -> list[str]:
    out = [
        "## Approximate vs exact nearest-earlier search",
        "",
        "Synthetic normalized 384-d vectors in clusters of about 5 (paraphrase groups), in arrival order. "
        "Recall@1: share of sampled rows whose best earlier match the method found (equal cosine); also "
        "over the rows whose exact best earlier match has cosine ≥ 0.5 (a row with no earlier cluster mate "
        "has a best match of random noise, ~0.2, that no cache threshold uses); hit agreement at cosine "
        f"{threshold}. Exact reference computed for the sampled rows.",
        "",
        "| vectors | method | time (s) | CPU (s) | recall@1 | recall@1, best ≥ 0.5 | rows with best < 0.5 | hit agreement |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for a in ann:
        for name in ("replay_exact", "replay_ann"):
            if name in a:
                m = a[name]
                out.append(
                    f"| {a['n']:,} | {m['method']} | {m['seconds']:.1f} | {_f(m.get('cpu_seconds'), 1)} "
                    f"| {m['recall_at_1']:.4f} | {_f(m.get('recall_at_1_best_ge_0_5'), 4)} "
                    f"| {_f(a.get('share_best_below_0_5'), 3)} | {m['hit_agreement']:.4f} |"
                )
    out += [
        "",
        "Real-like vectors (perturbed CLINC150 MiniLM embeddings, 50k–1M): "
        "`python -m tests.benchmarks.bench_cache` → docs/benchmarks-cache.md.",
        "",
    ]
    return out
