"""Safety: no network during analysis, nothing loaded with a code-executing format, safe config parsers."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import advisor
from advisor.core.paths import data_dir, models_dir

PACKAGE = Path(advisor.__file__).resolve().parent
SAMPLE = data_dir() / "sample" / "customer_service.csv"

# Installed into the child interpreter through PYTHONPATH: any TCP/UDP connection or name
# lookup is recorded in a file and refused. Unix sockets stay allowed (local IPC is not network).
SITECUSTOMIZE = textwrap.dedent("""
    import os, socket

    _LOG = os.environ["ADVISOR_TEST_NET_LOG"]

    def _refuse(what, target):
        with open(_LOG, "a") as fh:
            fh.write(f"{what} {target!r}\\n")
        raise OSError(f"network blocked by test_safety: {what} {target!r}")

    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse("connect", address)
        return _connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse("connect_ex", address)
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        _refuse("getaddrinfo", host)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    socket.create_connection = lambda address, *a, **k: _refuse("create_connection", address)
""")

# The analysis, as a user runs it: `advisor analyze` once that command exists; until then the
# library's run_analysis (the same pipeline the command calls) with the default embedder.
DRIVER = textwrap.dedent("""
    import json, sys
    from advisor.cli.main import cli
    names = set(cli.commands)
    if "analyze" in names:
        cli(["analyze", sys.argv[1], "--json"], prog_name="advisor")
    else:
        from advisor.core.config import Config
        from advisor.pipeline import run_analysis
        result = run_analysis([sys.argv[1]], Config())
        print(json.dumps(result.to_dict()))
""")


def _child_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["ADVISOR_TEST_NET_LOG"] = str(tmp_path / "net.log")
    env["ADVISOR_HOME"] = str(tmp_path / "home")
    return env


def _small_sample(tmp_path: Path, n: int = 2000) -> Path:
    out = tmp_path / "customer_service_head.csv"
    pd.read_csv(SAMPLE, nrows=n, dtype=str, keep_default_na=False).to_csv(out, index=False)
    return out


def test_the_socket_block_really_blocks(tmp_path):
    env = _child_env(tmp_path)
    code = "import urllib.request; urllib.request.urlopen('http://example.com', timeout=5)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode != 0
    assert "network blocked by test_safety" in r.stderr
    assert (tmp_path / "net.log").read_text().strip()


def test_cost_of_a_log_runs_with_the_network_blocked(tmp_path):
    env = _child_env(tmp_path)
    log = _small_sample(tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "advisor", "cost", str(log), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["api_cost_per_month_usd"] > 0
    assert not (tmp_path / "net.log").exists()


@pytest.mark.integration
def test_analysis_of_the_sample_runs_with_the_network_blocked(tmp_path):
    """The full pipeline, real embedding model included, with HF_HUB_OFFLINE unset by us."""
    env = _child_env(tmp_path)
    log = _small_sample(tmp_path, n=400)  # small: the real model embeds every distinct query
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, str(log)], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout)
    assert result["baseline"]["api_cost_per_month_usd"] > 0
    blocked = (tmp_path / "net.log").read_text() if (tmp_path / "net.log").exists() else ""
    assert blocked == "", f"the analysis tried to reach the network: {blocked}"
    # A blocked download would surface as an analyzer failure turned into a warning.
    assert not [w for w in result["warnings"] if "network blocked" in w]
    # Privacy: no query text in the JSON, nor anywhere under ADVISOR_HOME (run store and
    # embedding cache keep results, vectors and hashes only). Long texts only, so that a
    # segment named after a few common words is not mistaken for a leak.
    texts = {t for t in pd.read_csv(log, dtype=str, keep_default_na=False)["query"] if len(t) >= 25}
    assert len(texts) > 20
    assert [t for t in texts if t in r.stdout] == []
    stored = [p for p in (tmp_path / "home").rglob("*") if p.is_file()]
    assert stored, "the analysis stores its run and embeddings under ADVISOR_HOME"
    for p in stored:
        data = p.read_bytes()
        assert [t for t in texts if t.encode() in data] == [], p


# ------------------------------------------------------------------------------ no pickle


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
UNSAFE_CALLS = {
    "torch.load",
    "pd.read_pickle",
    "pandas.read_pickle",
    "yaml.load",
    "yaml.unsafe_load",
    "yaml.full_load",
    "yaml.load_all",
    "yaml.unsafe_load_all",
    "eval",
    "exec",
    "compile",
    "np.lib.format.read_array",
}


def unsafe_uses(source: str, filename: str) -> list[str]:
    """Code-executing loaders used in `source`: pickle-family imports, unsafe calls, pickled np.load."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [
                f"{filename}:{node.lineno} import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in UNSAFE_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            found.append(f"{filename}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in UNSAFE_CALLS:
                found.append(f"{filename}:{node.lineno} {name}()")
            if name.endswith("load") and name.split(".")[0] in ("np", "numpy"):
                for kw in node.keywords:
                    if kw.arg == "allow_pickle" and not (
                        isinstance(kw.value, ast.Constant) and kw.value.value is False
                    ):
                        found.append(f"{filename}:{node.lineno} {name}(allow_pickle=...)")
    return found


def test_the_scanner_finds_each_unsafe_loader():
    bad = textwrap.dedent("""
        import pickle
        from joblib import load
        import numpy as np, torch, yaml
        np.load("a.npy", allow_pickle=True)
        torch.load("m.pt")
        yaml.load(open("c.yml"))
        eval("1")
        exec("x = 1")
    """)
    assert len(unsafe_uses(bad, "bad.py")) == 7
    fine = textwrap.dedent("""
        import numpy as np, yaml
        np.load("a.npz", allow_pickle=False)
        yaml.safe_dump({})
        model.eval()
    """)
    assert unsafe_uses(fine, "fine.py") == []


def test_no_code_executing_loader_in_the_package():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += unsafe_uses(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert found == []


def test_every_shipped_model_file_loads_with_safe_loaders():
    files = [p for p in sorted(models_dir().rglob("*")) if p.is_file()]
    assert files, "models/ ships the default router"
    allowed = {".npz", ".npy", ".json", ".md"}
    assert [p.name for p in files if p.suffix not in allowed] == []
    for p in files:
        if p.suffix in (".npz", ".npy"):
            loaded = np.load(p, allow_pickle=False)
            arrays = [loaded[k] for k in loaded.files] if p.suffix == ".npz" else [loaded]
            assert all(a.dtype != object for a in arrays), p
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ config parsers


def test_config_and_price_files_are_parsed_with_tomllib_only():
    """Every TOML/YAML/JSON reader in the package is a data-only parser."""
    parsers = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name.split(".")[0] in ("tomllib", "toml", "tomli", "yaml", "configparser"):
                    parsers.add(name)
    assert parsers <= {"tomllib.loads", "tomllib.load", "yaml.safe_dump", "yaml.safe_load"}, parsers


def test_a_config_file_cannot_execute_code(tmp_path):
    """TOML has no tags or object constructors; a YAML-style payload is a plain string value."""
    from advisor.core.config import load_config

    marker = tmp_path / "pwned"
    cfg = tmp_path / "advisor.toml"
    cfg.write_text(f"seed = 1\n[routing]\nnote = \"!!python/object/apply:os.system ['touch {marker}']\"\n")
    config = load_config(cfg)
    assert config.section("routing")["note"].startswith("!!python")
    assert not marker.exists()
