"""The report of `advisor runs compare`: RunComparison (or its dict) -> tables, Markdown, HTML.

The figures come from advisor/history/compare.py and advisor/history/followup.py; this module
only formats them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from advisor.report.content import Table
from advisor.report.formatting import number, share, text, usd


def _dict(comparison: Any) -> dict[str, Any]:
    return comparison if isinstance(comparison, dict) else comparison.to_dict()


def _metrics(c: dict[str, Any]) -> Table:
    a, b = c.get("run_a"), c.get("run_b")
    rows = tuple(
        (
            m["label"],
            number(m["value_a"], 0 if "per month" in m["label"] else 4),
            number(m["value_b"], 0 if "per month" in m["label"] else 4),
            "not available" if m["change_share"] is None else f"{m['change_share']:+.1%}",
        )
        for m in c.get("metrics") or []
    )
    return Table(f"Run {a} → run {b}", ("figure", f"run {a}", f"run {b}", "change"), rows)


def _adoption(fu: dict[str, Any]) -> Table:
    rows = tuple(
        (
            x["lever"],
            share(x["planned_share"]),
            share(x["share_a"]),
            share(x["share_b"]),
            share(x["degree"]),
            x["note"],
        )
        for x in fu["levers"]
    )
    return Table(
        "Was the plan carried out?",
        ("lever", "planned", "earlier run", "later run", "degree carried out", "measured as"),
        rows,
        note="Degree: (later - earlier) / (planned - earlier); 100 % is the plan in full.",
    )


def _routing(fu: dict[str, Any]) -> Table:
    rows = tuple(
        (
            r["model"],
            share(r["call_share_a"]),
            share(r["call_share_b"]),
            share(r["planned_moved_share"]),
            share(r["moved_share"]),
            "; ".join(f"{m}: {share(v)}" for m, v in sorted(r["planned_targets"].items())) or "none",
        )
        for r in fu["routing"]
    )
    return Table(
        "Routing per model the earlier run served",
        (
            "model",
            "share of calls, earlier",
            "later",
            "planned to move",
            "moved",
            "planned targets (share of all calls)",
        ),
        rows,
    )


def _classes(fu: dict[str, Any]) -> Table:
    rows = tuple(
        (
            x["traffic_class"],
            share(x["call_share_a"]),
            share(x["call_share_b"]),
            share(x["planned_moved_share"]),
            share(x["moved_share_b"]),
            share(x["planned_batch_share"]),
            share(x["batch_share_b"]),
        )
        for x in fu.get("classes") or []
    )
    return Table(
        "Routing and batch per traffic class",
        (
            "class (task or latency class)",
            "share of calls, earlier",
            "later",
            "planned to move",
            "moved (later)",
            "planned batch",
            "batch (later)",
        ),
        rows,
        note="Shares of each class's own calls; the plan per class is what the earlier run's plan means for its calls.",
    )


def _split(fu: dict[str, Any]) -> Table:
    d = fu["decomposition"]
    rows = (
        ("API cost per month, earlier run", usd(d["api_cost_a_usd"])),
        ("volume (calls per month)", usd(d["volume_usd"])),
        ("traffic mix (kinds of calls, tokens per call)", usd(d["mix_usd"])),
        ("prices", usd(d["prices_usd"])),
        ("plan adoption (models, batch, prompt cache)", usd(d["adoption_usd"])),
        ("API cost per month, later run", usd(d["api_cost_b_usd"])),
    )
    return Table(
        "Why the API cost moved",
        ("part", "USD per month"),
        rows,
        note="The four parts add up to the change (Shapley split of calls × tokens per call × allocation × "
        "unit prices). " + " ".join(d.get("notes") or []),
    )


def _savings(fu: dict[str, Any]) -> Table:
    rows = tuple(
        (s["lever"], usd(s["projected_usd"]), share(s["degree"]), usd(s["expected_usd"])) for s in fu["savings"]
    )
    rows += (
        ("realized (later traffic at the earlier allocation minus actual)", "", "", usd(fu["realized_saving_usd"])),
    )
    return Table(
        "What the plan saved against the projection",
        (
            "lever",
            "projected in full (scaled to the later API cost before the plan)",
            "degree",
            "expected at that degree",
        ),
        rows,
        note=f"Expected in total: {usd(fu.get('expected_saving_usd'))} per month.",
    )


def compare_report(comparison: Any) -> tuple[str, tuple[Table, ...], tuple[str, ...]]:
    """(title, tables, notes) of a comparison."""
    c = _dict(comparison)
    tables = [_metrics(c)]
    fu = c.get("follow_up")
    if fu:
        tables += [_adoption(fu), _routing(fu), _classes(fu), _split(fu), _savings(fu)]
    recs = tuple(
        (
            r["title"],
            r["status"],
            usd(r["savings_a_usd"]),
            usd(r["savings_b_usd"]),
            "; ".join(r.get("details") or []) or "",
        )
        for r in c.get("recommendations") or []
    )
    tables.append(
        Table("Recommendations", ("recommendation", "status", "savings earlier", "savings later", "what changed"), recs)
    )
    verdict = "changed" if c.get("stability_changed") else "unchanged"
    notes = (
        f"Stability verdict: {text(c.get('stability_a'))} → {text(c.get('stability_b'))} ({verdict})",
        *(c.get("notes") or []),
    )
    return f"Run {c.get('run_a')} compared with run {c.get('run_b')}", tuple(tables), notes


def render_compare_markdown(comparison: Any) -> str:
    from advisor.report.markdown import _cell, _table

    title, tables, notes = compare_report(comparison)
    lines = [f"# {_cell(title)}", ""]
    for table in tables:
        lines += _table(table)
    lines += ["## Notes", ""] + [f"- {_cell(n)}" for n in notes] + [""]
    return "\n".join(lines)


def render_compare_html(comparison: Any) -> str:
    from advisor.report.html import _page, _table

    title, tables, notes = compare_report(comparison)
    body = f"<h1>{escape(title)}</h1>" + "".join(_table(t) for t in tables)
    body += "<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
    return _page(title, body)
