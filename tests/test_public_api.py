"""The public API: the names `advisor` exports are pinned (as httpx pins its own), each resolves
to the object it stands for, and `import advisor` stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import advisor

EXPORTED = [
    "AdvisorError",
    "AnalysisResult",
    "Config",
    "ConfigError",
    "InfeasiblePlanError",
    "InputError",
    "PriceCatalog",
    "QueryLog",
    "__version__",
    "analyze",
    "compute_baseline",
    "load_config",
    "load_log",
    "load_router",
]


def test_exported_names_are_pinned():
    assert sorted(advisor.__all__) == EXPORTED


@pytest.mark.parametrize("name", EXPORTED)
def test_every_exported_name_is_importable(name):
    namespace: dict = {}
    exec(f"from advisor import {name}", namespace)
    assert namespace[name] is getattr(advisor, name)


def test_each_public_name_is_the_object_it_stands_for():
    from advisor.core.config import Config, load_config
    from advisor.core.errors import AdvisorError, ConfigError, InfeasiblePlanError, InputError
    from advisor.core.schema import QueryLog
    from advisor.cost.baseline import compute_baseline
    from advisor.deploy.router import load_router
    from advisor.ingest import load_log
    from advisor.prices.catalog import PriceCatalog
    from advisor.result.analysis_result import AnalysisResult

    expected = {
        "AdvisorError": AdvisorError,
        "AnalysisResult": AnalysisResult,
        "Config": Config,
        "ConfigError": ConfigError,
        "InfeasiblePlanError": InfeasiblePlanError,
        "InputError": InputError,
        "PriceCatalog": PriceCatalog,
        "QueryLog": QueryLog,
        "compute_baseline": compute_baseline,
        "load_config": load_config,
        "load_log": load_log,
        "load_router": load_router,
    }
    for name, obj in expected.items():
        assert getattr(advisor, name) is obj, name
    assert isinstance(advisor.__version__, str)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        advisor.nope  # noqa: B018


def test_import_advisor_loads_no_heavy_library():
    code = (
        "import sys, advisor; "
        "print(sorted(m for m in ('pandas', 'numpy', 'torch', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_analyze_runs_the_pipeline_on_one_path_with_default_or_given_config(tmp_path):
    from advisor.embed import FakeEmbedder
    from advisor.lab.synthetic import generate_log, write_sample

    path = tmp_path / "calls.csv"
    write_sample(generate_log(200, seed=1, days=2), path)
    config_file = tmp_path / "advisor.toml"
    config_file.write_text("quality_target = 0.9\n")
    result = advisor.analyze(path, config_file, embedder=FakeEmbedder(), analyzers=("batch",))
    assert isinstance(result, advisor.AnalysisResult)
    assert result.quality_target == pytest.approx(0.9) and result.log.n_calls == 200
    again = advisor.analyze(
        [str(path)], advisor.Config(quality_target=0.9), embedder=FakeEmbedder(), analyzers=("batch",)
    )
    assert again.to_dict() == result.to_dict()
    default = advisor.analyze(path, embedder=FakeEmbedder(), analyzers=("batch",))
    assert default.quality_target == pytest.approx(advisor.Config().quality_target)
