"""`advisor cost`: price a scenario file (no log needed) or the baseline of a log.

    advisor cost --scenario data/scenarios/seed_customer_service.toml [--json]
    advisor cost LOGS... [--config FILE] [--prices FILE] [--json]

Parses options, calls the library, renders; every figure comes from advisor.cost.scenario or
advisor.cost.baseline (the only arithmetic here is formatting).
"""

from __future__ import annotations

import click

from advisor.core.jsonable import dumps_strict


def _usd(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"${x:,.{digits}f}"


def _tokens(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _render_scenario(d: dict, console) -> None:
    from rich.table import Table

    t = Table(title=f"{d['scenario']}  ({d['conversations_per_day']:,.0f} conversations/day)", show_header=True)
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("input tokens / conversation (stated)", _tokens(d["stated_input_tokens_per_conversation"]))
    t.add_row(
        "input tokens / conversation (turn structure)", _tokens(d["turn_structure_input_tokens_per_conversation"])
    )
    t.add_row("output tokens / conversation (stated)", _tokens(d["stated_output_tokens_per_conversation"]))
    t.add_row(
        "output tokens / conversation (turn structure)", _tokens(d["turn_structure_output_tokens_per_conversation"])
    )
    t.add_row("tokens priced", d["tokens_priced"])
    t.add_row(f"input cost / day ({d['model']})", _usd(d["input_cost_per_day_usd"]))
    t.add_row(f"output cost / day ({d['model']})", _usd(d["output_cost_per_day_usd"]))
    t.add_row("API cost / day", _usd(d["api_cost_per_day_usd"]))
    t.add_row("API cost / 30-day month", _usd(d["api_cost_per_month_usd"]))
    t.add_row("API cost / conversation", _usd(d["api_cost_per_conversation_usd"], 4))
    t.add_row(
        f"infrastructure / conversation ({d['infrastructure_basis']})",
        _usd(d["infrastructure_cost_per_conversation_usd"], 4),
    )
    t.add_row("total / conversation", _usd(d["total_cost_per_conversation_usd"], 4))
    t.add_row("total / day", _usd(d["total_cost_per_day_usd"]))
    t.add_row("infrastructure / month (modelled by component)", _usd(d["modelled_infrastructure_cost_per_month_usd"]))
    t.add_row("operations / month (modelled)", _usd(d["operations_cost_per_month_usd"]))
    t.add_row("API share of total incl. operations", f"{d['api_share']:.0%}")
    console.print(t)
    m = Table(title="Models compared", show_header=True)
    for col in ("model", "$ / M input", "$ / M output", "API / day", "API / month", "API / conversation"):
        m.add_column(col, justify="right" if col != "model" else "left")
    for name, v in d["models"].items():
        m.add_row(
            name,
            _usd(v["input_per_mtok_usd"]),
            _usd(v["output_per_mtok_usd"]),
            _usd(v["api_cost_per_day_usd"]),
            _usd(v["api_cost_per_month_usd"]),
            _usd(v["api_cost_per_conversation_usd"], 4),
        )
    console.print(m)
    console.print(f"Prices: {d['price_date']}")


def _marked(d: dict, key: str, shown: str) -> str:
    """`shown` with the provenance marker of baseline figure `key` ([p], [c], [a]; none when measured)."""
    from rich.markup import escape

    from advisor.core.provenance import MARKERS, lookup

    entry = lookup(d.get("provenance") or {}, key)
    marker = MARKERS.get(entry.get("kind", ""), "") if isinstance(entry, dict) else ""
    return escape(f"{shown} {marker}") if marker else shown


def render_baseline(d: dict, console) -> None:
    """Rich tables for Baseline.to_dict() (also usable by other commands)."""
    from rich.table import Table

    from advisor.report.marks import COMPONENTS

    t = Table(title=f"Baseline ({d['n_calls']:,} calls over {d['span_days']:.2f} days; {d['scaling']})")
    t.add_column("cost")
    t.add_column("per 30-day month", justify="right")
    for label, key in (
        ("API", "api_cost_per_month_usd"),
        ("  input (incl. cached)", "input_cost_per_month_usd"),
        ("  of which cached input", "cached_input_cost_per_month_usd"),
        ("  output", "output_cost_per_month_usd"),
    ):
        t.add_row(label, _marked(d, key, _usd(d[key])))
    for part in ("infrastructure", "operations"):
        t.add_row(part, _marked(d, f"{part}_cost_per_month_usd", _usd(d[f"{part}_cost_per_month_usd"])))
        for label, key in COMPONENTS[part]:
            if key in d[part]:
                t.add_row(f"  {label}", _marked(d, f"{part}.{key}", _usd(d[part][key])))
    assumed = (d.get("provenance") or {}).get("total_cost_per_month_usd", {}).get("kind") == "assumed"
    t.add_row(
        "total, incl. assumed figures [a]" if assumed else "total",
        _marked(d, "total_cost_per_month_usd", _usd(d["total_cost_per_month_usd"])),
    )
    t.add_row("API per day", _marked(d, "api_cost_per_day_usd", _usd(d["api_cost_per_day_usd"])))
    t.add_row("total per day", _marked(d, "total_cost_per_day_usd", _usd(d["total_cost_per_day_usd"])))
    console.print(t)
    u = Table(title="Unit costs")
    u.add_column("metric")
    u.add_column("value", justify="right")
    c = d["conversation"]
    if c:
        u.add_row(
            "API / conversation mean · p50 · p95",
            f"{_usd(c['api_mean_usd'], 4)} · {_usd(c['api_p50_usd'], 4)} · {_usd(c['api_p95_usd'], 4)}",
        )
        u.add_row(
            "total / conversation (mean)", _marked(d, "conversation.total_mean_usd", _usd(c["total_mean_usd"], 4))
        )
    u.add_row("API / user-month", _usd(d["api_cost_per_user_month_usd"]))
    u.add_row(
        "total / user-month", _marked(d, "total_cost_per_user_month_usd", _usd(d["total_cost_per_user_month_usd"]))
    )
    u.add_row(
        f"total / {d['business_unit_name']}",
        _marked(d, "total_cost_per_business_unit_usd", _usd(d["total_cost_per_business_unit_usd"], 4)),
    )
    u.add_row("API share of total", _marked(d, "api_share", f"{d['api_share']:.0%}"))
    if d["billed_cost_usd"] is not None:
        u.add_row(
            "billed vs modelled (log rows with cost_usd)",
            f"{_usd(d['billed_cost_usd'])} vs {_usd(d['modelled_cost_usd'])}",
        )
    console.print(u)
    m = Table(title="By model")
    for col in ("model", "provider", "calls", "API / month", "share", "batch price"):
        m.add_column(col, justify="left" if col in ("model", "provider", "batch price") else "right")
    for r in d["by_model"]:
        m.add_row(
            r["model"],
            r["provider"],
            f"{r['calls']:,}",
            _usd(r["api_cost_per_month_usd"]),
            f"{r['api_cost_share']:.0%}",
            r["batch_price_source"],
        )
    console.print(m)
    console.print(f"Prices: {d['price_source']}, data dated {d['price_date']}")
    if d.get("provenance"):
        console.print(
            "Marks: unmarked measured from the log; [p] projected to the [projection] volume; "
            "[c] from your config; [a] rests on advisor's defaults (--explain lists them).",
            markup=False,
        )
    for w in d.get("log_warnings", []) + d["warnings"]:
        console.print(f"warning: {w}", style="yellow")


def render_defaults(rows: list[dict], console) -> None:
    """`--explain`: every default the figures rest on, its value and where it comes from."""
    from rich.table import Table
    from rich.text import Text

    if not rows:
        console.print("Defaults in use: none (every figure comes from the log or your config).")
        return
    sections: dict[str, list[dict]] = {}
    for r in rows:
        sections.setdefault(r["setting"].split(".", 1)[0], []).append(r)
    console.print("Defaults in use: set them in your config to replace them.")
    for section, items in sections.items():
        t = Table(title=Text(f"[{section}]"), title_justify="left")
        for col in ("setting", "value", "source"):
            t.add_column(col, justify="right" if col == "value" else "left", overflow="fold")
        for r in items:
            value = r["value"]
            shown = str(value).lower() if isinstance(value, bool) else "not set" if value is None else f"{value:,g}"
            t.add_row(Text(r["setting"].split(".", 1)[1]), shown, Text(r["source"]))
        console.print(t)


@click.command("cost")
@click.argument("logs", nargs=-1, type=click.Path())
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False),
    help="A scenario TOML file (see data/scenarios/seed_customer_service.toml).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="advisor config TOML.")
@click.option(
    "--prices",
    "prices_path",
    type=click.Path(dir_okay=False),
    help="Price overrides, TOML or CSV (model, provider, input, output, cached_input, batch_input, batch_output).",
)
@click.option(
    "--tokens",
    type=click.Choice(["stated", "turn-structure"]),
    help="Scenario only: price the stated tokens per conversation or those its turn structure implies.",
)
@click.option(
    "--map", "map_text", help="Logs only: column mapping, e.g. timestamp=created_at,input_tokens=prompt_tokens."
)
@click.option("--skip-bad-rows", is_flag=True, help="Logs only: skip invalid rows (counted in the warnings).")
@click.option(
    "--sample-fraction",
    type=float,
    help="Logs only: analyse this share of conversations (0-1]; monthly figures are scaled back up.",
)
@click.option(
    "--max-rows", type=int, help="Logs only: stream the logs and keep at most this many rows (a conversation sample)."
)
@click.option(
    "--explain", is_flag=True, help="Logs only: also list every default the figures rest on, with its value and source."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def cost(
    *,
    logs,
    scenario_path,
    config_path,
    prices_path,
    tokens,
    map_text,
    skip_bad_rows,
    sample_fraction,
    max_rows,
    explain,
    as_json,
):
    """Cost of a scenario (--scenario FILE) or the baseline cost of LOGS."""
    from advisor.core.config import load_config
    from advisor.prices.catalog import load_prices

    if bool(logs) == bool(scenario_path):
        raise click.UsageError("Give either --scenario FILE or one or more LOGS (not both, not neither).")
    if scenario_path and (map_text or skip_bad_rows):
        raise click.UsageError("--map and --skip-bad-rows apply to LOGS only.")
    if scenario_path and (sample_fraction is not None or max_rows is not None or explain):
        raise click.UsageError("--sample-fraction, --max-rows and --explain apply to LOGS only.")
    config = load_config(config_path)
    catalog = load_prices(config, prices_path)
    if scenario_path:
        from advisor.cost.scenario import cost_scenario
        from advisor.cost.scenario_file import load_scenario

        result = cost_scenario(
            load_scenario(scenario_path, prices=catalog), tokens_priced=tokens.replace("-", " ") if tokens else None
        )
        data = result.to_dict()
        render = _render_scenario
    else:
        if tokens:
            raise click.UsageError("--tokens applies to --scenario only.")
        from advisor.core.provenance import default_keys
        from advisor.cost.baseline import compute_baseline
        from advisor.cost.defaults import defaults_in_use
        from advisor.ingest.mapping import mapping_from_config, parse_mapping
        from advisor.ingest.sampling import load_sampled_log

        mapping = mapping_from_config(config, parse_mapping(map_text) if map_text else None)
        log = load_sampled_log(
            list(logs),
            fraction=sample_fraction,
            max_rows=max_rows,
            seed=config.seed,
            mapping=mapping or None,
            skip_bad_rows=skip_bad_rows,
        )
        baseline = compute_baseline(log, catalog, config)
        data = baseline.to_dict()
        data["log_warnings"] = list(log.warnings)
        data["provenance"] = baseline.provenance_dict()
        data["defaults_in_use"] = defaults_in_use(config, default_keys(baseline.provenance))
        render = render_baseline
    if as_json:
        click.echo(dumps_strict(data, indent=2))
    else:
        from advisor.cli.console import console as make_console

        render(data, make_console())
        if explain:
            render_defaults(data["defaults_in_use"], make_console())
