"""`advisor route DIR --text "..."`: the model an exported router chooses for each request.

Parses options, calls advisor.deploy.router, prints one line per request. No arithmetic here.
"""

from __future__ import annotations

import click


@click.command("route")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--text", "texts", multiple=True, help="A request to route (repeatable).")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False),
    help='Requests, one per line, or JSONL ({"text": ..., "turn": ...}).',
)
@click.option("--turn", type=float, default=None, help="Turn of every --text request in its conversation (1 = first).")
@click.option(
    "--embedding-model",
    type=click.Path(),
    default=None,
    help="The embedding model folder the run used, if not the bundled one.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per request: text and model.")
def route(directory: str, texts: tuple[str, ...], file: str | None, turn, embedding_model, as_json: bool) -> None:
    """Print the model the exported router in DIRECTORY chooses for each request."""
    import json

    from advisor.core.errors import InputError
    from advisor.deploy.router import load_router
    from advisor.deploy.texts import read_requests

    requests: list[str] = list(texts)
    turns: list[float] = [turn if turn is not None else 1.0] * len(texts)
    if file is not None:
        more, more_turns = read_requests(file)
        requests += more
        turns = turns + (more_turns or [1.0] * len(more))
    if not requests:
        raise InputError("route: expected requests (--text or --file), found none. Pass at least one.")
    embedder = None
    if embedding_model is not None:
        from advisor.embed import default_embedder

        embedder = default_embedder(model_path=embedding_model)
    router = load_router(directory, embedder=embedder)
    for text, model in zip(requests, router.choose(requests, turns=turns), strict=True):
        click.echo(json.dumps({"text": text, "model": model}) if as_json else model)
