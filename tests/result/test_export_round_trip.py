"""Round trip from a fresh analysis: analyze a generated log -> `advisor export litellm` -> load the
config in a real `litellm.Router` -> replay every call of the log through the router's deployment
choice (no request is sent) -> the realized split of each model group is the plan's real-time
split within sampling error.

Needs the optional extra `litellm`; skipped without it.
"""

from __future__ import annotations

import math
import os
from collections import Counter

import pytest
import yaml

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch of LiteLLM's price map
litellm = pytest.importorskip(
    "litellm", reason="litellm is not installed (optional extra: pip install -e '.[litellm]')"
)

from advisor.core import schema as S  # noqa: E402
from advisor.core.config import Config  # noqa: E402
from advisor.embed import FakeEmbedder  # noqa: E402
from advisor.ingest import load_log  # noqa: E402
from advisor.lab.synthetic import generate_log, write_sample  # noqa: E402
from advisor.pipeline import run_analysis  # noqa: E402
from advisor.result.export import litellm_yaml, routed_shares  # noqa: E402
from tests.routing_helpers import learnable_labels  # noqa: E402

pytestmark = pytest.mark.integration
FAST = Config(sections={"routing": {"learning_curve": False, "n_segments": 4}})


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    path = tmp_path_factory.mktemp("round_trip") / "calls.csv"
    sample = generate_log(800, seed=3, days=4)
    learnable_labels(sample.frame)  # a chance-level router routes nothing; this test needs routed calls
    write_sample(sample, path)
    result = run_analysis([path], FAST, embedder=FakeEmbedder(), analyzers=("routing", "batch", "cache"))
    return load_log([path]), result.to_dict()


def test_the_router_loaded_from_a_fresh_export_splits_the_log_as_the_plan_says(analyzed):
    log, result = analyzed
    plan = routed_shares(result)
    # The generated log's plan really routes: otherwise this test would check nothing.
    assert any(len(models) > 1 for models in plan.values()), plan
    config = yaml.safe_load(litellm_yaml(result))
    router = litellm.Router(model_list=config["model_list"], **config.get("router_settings", {}))
    served = log.frame[S.MODEL].astype(str).tolist()
    picks: dict[str, Counter] = {}
    messages = [{"role": "user", "content": "replayed call"}]
    for model in served:
        if model not in plan:  # a model the plan leaves alone keeps its own deployment
            continue
        deployment = router.get_available_deployment(model=model, messages=messages)
        picks.setdefault(model, Counter())[deployment["litellm_params"]["model"].split("/", 1)[1]] += 1
    assert set(picks) == set(plan)
    for group, counts in picks.items():
        n = sum(counts.values())
        assert set(counts) <= set(plan[group])
        for model, (share, _) in plan[group].items():
            # 4 binomial standard errors (plus half a call): a correct router fails this about
            # once in 15,000 runs per model.
            tolerance = 4 * math.sqrt(share * (1 - share) / n) + 0.5 / n
            assert abs(counts[model] / n - share) <= tolerance, (group, model, counts[model] / n, share)
