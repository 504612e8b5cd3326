"""`advisor sample --responses`: an answer per call that follows its true answer class, noisily."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.analyzers.cache.evidence import auc
from advisor.cli.main import cli
from advisor.core import schema as S
from advisor.lab.synthetic import generate_log
from advisor.lab.synthetic.responses import answer_classes, with_responses


@pytest.fixture(scope="module")
def log():
    return generate_log(3000, seed=5, days=7)


def _words(text: str) -> set[str]:
    return set(str(text).lower().replace(".", " ").replace(";", " ").replace(",", " ").split())


def test_answers_change_no_other_column_and_repeat_per_seed(log):
    a, b = with_responses(log), with_responses(log)
    assert list(a.frame[S.RESPONSE]) == list(b.frame[S.RESPONSE])
    pd.testing.assert_frame_equal(a.frame.drop(columns=[S.RESPONSE]), log.frame)
    assert S.RESPONSE not in log.frame  # off by default: the generator's own output is unchanged
    assert list(with_responses(log, seed=6).frame[S.RESPONSE]) != list(a.frame[S.RESPONSE])


def test_same_class_answers_are_alike_and_different_ones_differ_but_not_perfectly(log):
    frame = with_responses(log).frame
    classes = answer_classes(log.truth)
    openings = np.flatnonzero((frame[S.TURN].to_numpy() == 1) & frame[S.QUERY].notna().to_numpy())
    rng = np.random.default_rng(0)
    a, b = rng.choice(openings, 4000), rng.choice(openings, 4000)
    keep = a != b
    a, b = a[keep], b[keep]
    same = classes[a] == classes[b]
    resp = frame[S.RESPONSE].to_numpy()
    jaccard = np.array(
        [len(_words(resp[i]) & _words(resp[j])) / len(_words(resp[i]) | _words(resp[j])) for i, j in zip(a, b)]
    )
    score = auc(jaccard, same)
    # Word overlap ranks same-class pairs above different-class ones most of the time (the answer
    # carries the class's content) but not always (shared steps, clarifying questions, entity answers).
    assert score is not None and 0.75 < score < 0.995
    assert jaccard[same].mean() > jaccard[~same].mean() + 0.2


def test_entity_and_out_of_scope_openings_are_classes_of_their_own(log):
    classes = answer_classes(log.truth)
    per = log.truth.per_call
    own = (per["entity_kind"].fillna("") != "") | per["is_oos"].astype(bool)
    assert own.any() and all(str(c).startswith("call:") for c in classes[own.to_numpy()])
    # The generator's true repeats are exactly the openings whose class was seen before.
    opening = (per[S.TURN] == 1).to_numpy() & per["intent"].notna().to_numpy()
    seen: set = set()
    repeat = []
    for i in np.flatnonzero(opening):
        repeat.append(classes[i] in seen)
        seen.add(classes[i])
    assert np.array_equal(np.array(repeat), per["true_repeat"].to_numpy()[opening])


def test_the_sample_command_writes_a_response_column_only_when_asked(tmp_path):
    runner = CliRunner()
    plain, with_answers = tmp_path / "plain.csv", tmp_path / "answers.csv"
    for path, extra in ((plain, []), (with_answers, ["--responses"])):
        result = runner.invoke(cli, ["sample", "--calls", "400", "--days", "3", "--out", str(path), *extra])
        assert result.exit_code == 0, result.output
    a, b = pd.read_csv(plain), pd.read_csv(with_answers)
    assert S.RESPONSE not in a.columns and b[S.RESPONSE].notna().all()
    pd.testing.assert_frame_equal(a, b.drop(columns=[S.RESPONSE]))
