"""BenchReport -> the Markdown of BENCHMARKS.md (rendering only: every number comes from the report)."""

from __future__ import annotations

from datetime import datetime, timezone

from .runner import BenchReport

TARGETS = {"ratio": 1.15, "gptcache_speedup": 10.0, "agreement": 0.99, "onnx_speedup": 1.5,
           "hit_rate_change_points": 0.5, "recall": 0.99}


def _f(x, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def _summary(r: BenchReport) -> list[str]:
    lines = ["| measure | target | measured | met |", "|---|---|---|---|"]
    for size in r.sizes:
        lines.append(f"| analyze / embedding its unique texts alone, {size['n_calls']:,} calls | ≤ {TARGETS['ratio']}× "
                     f"| {size['ratio']:.2f}× (vs encode only, model load excluded: {size['ratio_vs_encode_only']:.2f}×) "
                     f"| {_met(size['ratio'] <= TARGETS['ratio'])} |")
    g = r.gptcache
    if g and "speedup" in g:
        lines.append(f"| cache replay vs GPTCache put/get loop, {g['n_calls']:,} calls | ≥ {TARGETS['gptcache_speedup']:.0f}× "
                     f"| {g['speedup']:,.0f}× | {_met(g['speedup'] >= TARGETS['gptcache_speedup'])} |")
        lines.append(f"| hit decisions agreeing with GPTCache (t = {g['threshold']}) | ≥ {TARGETS['agreement']:.0%} "
                     f"| {g['agreement']:.2%} | {_met(g['agreement'] >= TARGETS['agreement'])} |")
    elif g:
        lines.append(f"| cache replay vs GPTCache | ≥ 10× | {g.get('gptcache_error', 'not measured')} | – |")
    o = r.onnx
    if o:
        change = _max_hit_change(o)
        lines.append(f"| ONNX int8 / torch fp32 throughput | ≥ {TARGETS['onnx_speedup']}× | {o['speedup']:.2f}× "
                     f"| {_met(o['speedup'] >= TARGETS['onnx_speedup'])} |")
        lines.append(f"| cache hit-rate change, ONNX int8 vs torch (max over thresholds 0.75–0.95) "
                     f"| ≤ {TARGETS['hit_rate_change_points']} points | {change:.2f} points "
                     f"| {_met(change <= TARGETS['hit_rate_change_points'])} |")
    for a in r.ann:
        for name in ("replay_ann", "neighbors_hnsw"):
            if name in a:
                lines.append(f"| recall@1 of {a[name]['method']} vs exact, {a['n']:,} vectors | ≥ {TARGETS['recall']} "
                             f"| {a[name]['recall_at_1']:.4f} | {_met(a[name]['recall_at_1'] >= TARGETS['recall'])} |")
    return lines


def _max_hit_change(o: dict) -> float:
    torch, onnx = o["hit_rates"]["minilm"], o["hit_rates"]["onnx-int8"]
    return max(abs(torch[k] - onnx[k]) * 100 for k in torch)


def render_markdown(r: BenchReport, command: str) -> str:
    s = r.settings
    out = [
        "# advisor benchmarks", "",
        f"Written by `{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"(Python {r.machine['python']}, {r.machine['cpus']} CPUs, {r.machine['platform']}). "
        f"Embedder `{s.embedder}`, batch size {s.batch_size}, {s.repeats} repeat(s) (logs above "
        f"{s.single_run_above:,} calls: one run): times are medians, "
        "ratios are medians of per-repeat ratios (each analyze run paired with the embedding-only run "
        "right after it). Each measurement runs in a fresh process with a cold embedding cache; peak "
        "memory is that process's peak RSS. The machine is shared: absolute times are noisy, ratios less so.",
        "", "## Targets (issue 9)", "", *_summary(r), "",
    ]
    for size in r.sizes:
        out += [f"## Stages, {size['n_calls']:,} calls ({size['unique_texts']:,} unique texts embedded)", "",
                "| stage | time (s) | process peak RSS at stage end (MB) |", "|---|---:|---:|"]
        out += [f"| {row['stage']} | {_f(row['seconds'])} | {_f(row['peak_rss_mb'], 0)} |" for row in size["stages"]]
        out += ["", f"End to end `run_analysis`: {_f(size['analyze_s'])} s, peak RSS {_f(size['analyze_peak_rss_mb'], 0)} MB. "
                f"Embedding the same {size['unique_texts']:,} texts alone: {_f(size['embed_alone_s'])} s "
                f"(model load {_f(size['embed_load_s'])} s + encode {_f(size['embed_encode_s'])} s, "
                f"{_f(size['texts_per_s'], 0)} texts/s, peak RSS {_f(size['embed_peak_rss_mb'], 0)} MB). "
                f"Per-repeat ratios: {', '.join(f'{x:.2f}' for x in size['ratios'])}.", ""]
        if size["warnings"]:
            out += ["Pipeline warnings (first run): " + "; ".join(size["warnings"]), ""]
    if r.sizes:
        out += _growth(r)
    return _rest(r, out)


def _growth(r: BenchReport) -> list[str]:
    out = ["## Growth with log size", "",
           "Growth columns compare each size with the one above it: near-linear in unique texts means the "
           "time ratio is close to the unique-text ratio.", "",
           "| calls | runs | unique texts | analyze (s) | ms per unique text | ms per call | embedding alone (s) "
           "| analyze peak RSS (MB) | unique texts × | analyze time × | peak RSS × |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in r.sizes:
        g = size.get("growth") or {}
        out.append(f"| {size['n_calls']:,} | {size['repeats']} | {size['unique_texts']:,} | {_f(size['analyze_s'])} "
                   f"| {_f(size['ms_per_unique_text'])} | {_f(size['ms_per_call'], 3)} | {_f(size['embed_alone_s'])} "
                   f"| {_f(size['analyze_peak_rss_mb'], 0)} | {_f(g.get('unique_texts'))} | {_f(g.get('analyze_time'))} "
                   f"| {_f(g.get('peak_rss'))} |")
    return out + [""]


def _rest(r: BenchReport, out: list[str]) -> str:
    s = r.settings
    g = r.gptcache
    if g:
        out += ["## Cache replay vs GPTCache", "",
                f"Stream: the first {g['n_calls']:,} cacheable calls (first turns with text) of the "
                f"{g['log_calls']:,}-call log, the same vectors for both, cosine threshold {g['threshold']}, no TTL, no "
                "capacity limit. GPTCache: faiss flat L2 store (top-1), in-memory SQLite, "
                "SearchDistanceEvaluation with similarity_threshold (1 + t) / 2, get then put for every call "
                "(advisor/bench/gptcache_loop.py).", ""]
        if "gptcache_s" in g:
            out += ["| | time (s) | hit rate |", "|---|---:|---:|",
                    f"| advisor replay ({g['advisor_method']}) | {g['advisor_s']:.4f} | {g['advisor_hit_rate']:.4f} |",
                    f"| GPTCache {g['gptcache_version']} | {g['gptcache_s']:.2f} | {g['gptcache_hit_rate']:.4f} |", "",
                    f"Speed-up {g['speedup']:,.0f}×; hit decisions agree on {g['agreement']:.2%} of calls (worst repeat).", ""]
        else:
            out += [f"GPTCache not measured: {g.get('gptcache_error')}", ""]
    o = r.onnx
    if o:
        out += ["## ONNX int8 vs torch fp32", "",
                f"{o['n_texts']:,} unique cacheable texts of the {o['log_calls']:,}-call log, batch size {o['batch_size']}, "
                "model load and export excluded. Vector agreement (cosine between the two embeddings of a "
                f"text): mean {o['vector_cosine_mean']:.4f}, min {o['vector_cosine_min']:.4f}.", "",
                "| backend | texts/s |", "|---|---:|"]
        out += [f"| {k} | {v:,.0f} |" for k, v in o["rates"].items()]
        out += ["", f"Hit rate of the replay ({o['n_calls']:,} cacheable calls, TTL one day) by threshold:", "",
                "| threshold | torch fp32 | ONNX int8 | change (points) |", "|---:|---:|---:|---:|"]
        for k in o["hit_rates"]["minilm"]:
            a, b = o["hit_rates"]["minilm"][k], o["hit_rates"]["onnx-int8"][k]
            out.append(f"| {k} | {a:.4f} | {b:.4f} | {(b - a) * 100:+.2f} |")
        out.append("")
    if r.ann:
        out += ["## Approximate vs exact nearest-earlier search", "",
                "Synthetic normalized 384-d vectors in clusters of about 5 (paraphrase groups), in arrival order. "
                "Recall@1: share of sampled rows whose best earlier match the method found (equal cosine); "
                f"hit agreement at cosine {s.threshold}. Exact reference computed for the sampled rows.", "",
                "| vectors | method | time (s) | recall@1 | hit agreement |", "|---:|---|---:|---:|---:|"]
        for a in r.ann:
            for name in ("replay_exact", "replay_ann", "neighbors_hnsw"):
                if name in a:
                    m = a[name]
                    out.append(f"| {a['n']:,} | {m['method']} | {m['seconds']:.1f} | {m['recall_at_1']:.4f} | {m['hit_agreement']:.4f} |")
        out.append("")
    if r.notes:
        out += ["## Notes", "", *[f"- {n}" for n in r.notes], ""]
    return "\n".join(out)
