"""`advisor export router` and `advisor route` through click: files written, one model per request."""

from __future__ import annotations

import json

from click.testing import CliRunner

from advisor.cli.main import cli
from advisor.embed import FakeEmbedder


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_route_prints_the_model_load_router_chooses_for_each_text(exported, chosen, monkeypatch, tmp_path):
    _, _, folder, texts, turns, _ = exported
    monkeypatch.setattr("advisor.embed.default_embedder", lambda *a, **k: FakeEmbedder())
    picks = [i for i in range(len(texts)) if turns[i] == 1][:3]
    args = [a for i in picks for a in ("--text", texts[i])]
    out = _invoke("route", str(folder), *args, "--turn", "1")
    assert out.exit_code == 0, out.output
    assert out.output.split("\n")[:3] == [chosen[i] for i in picks]
    lines = tmp_path / "requests.jsonl"
    lines.write_text("\n".join(json.dumps({"text": texts[i], "turn": turns[i]}) for i in range(20)) + "\n")
    out = _invoke("route", str(folder), "--file", str(lines), "--json")
    assert out.exit_code == 0, out.output
    assert [json.loads(x)["model"] for x in out.output.splitlines()] == chosen[:20].tolist()


def test_export_router_cli_writes_the_folder_and_a_missing_router_is_one_line(exported, tmp_path, monkeypatch):
    _, run_id, _, _, _, db = exported
    monkeypatch.setenv("ADVISOR_HOME", str(db.parent))
    out = _invoke("export", "router", "--run", str(run_id), "--out", str(tmp_path / "r"))
    assert out.exit_code == 0, out.output
    assert {p.name for p in (tmp_path / "r").iterdir()} == {"router.npz", "router.json", "MODEL_CARD.md"}
    out = _invoke("route", str(tmp_path / "nothing"), "--text", "hi")
    assert out.exit_code == 2 and len(out.output.strip().splitlines()) == 1
    assert "advisor export router" in out.output


def test_a_bad_requests_file_names_file_and_line(tmp_path, exported):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n')
    out = _invoke("route", str(exported[2]), "--file", str(bad))
    assert out.exit_code == 2 and "bad.jsonl, line 2: expected one JSON value per line" in out.output
