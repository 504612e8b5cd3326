"""Labels stricter than the calibration are said in words and refit the curve from the labels."""

import numpy as np
import pytest

from advisor.analyzers.cache.calibration import load_calibration
from advisor.analyzers.cache.label_fit import (
    SOURCE_LABELS,
    SOURCE_UPDATED,
    check_labels,
    fit_from_labels,
)


def _labels(cal, share_of_expected: float, n: int = 200, seed: int = 0):
    cos = np.linspace(0.75, 0.95, n)
    p = cal.predict(cos) * share_of_expected
    return cos, np.random.default_rng(seed).random(n) < p


def test_labels_that_agree_with_the_calibration_only_shift_it():
    cal = load_calibration()
    cos, same = _labels(cal, 1.0)
    fit = fit_from_labels(cal, cos, same)
    assert fit.source == SOURCE_UPDATED and fit.warning is None
    assert not check_labels(cal, cos, same).stricter


def test_strict_duplicate_labels_warn_and_refit_from_the_labels():
    cal = load_calibration()
    # QQP-like: about 60 % of close pairs are the same answer where the calibration expects ~95 %.
    cos, same = _labels(cal, 0.6)
    fit = fit_from_labels(cal, cos, same)
    assert fit.source == SOURCE_LABELS
    assert "stricter notion of 'same answer'" in fit.warning and "refitted" in fit.warning
    # The refit follows the labels: its mean over the labelled pairs is close to their share
    # (within 0.03: a 200-label logistic fit reproduces its own data's mean closely).
    assert np.mean(fit.model.predict(cos)) == pytest.approx(same.mean(), abs=0.03)


def test_a_few_wrong_labels_within_the_noise_are_not_called_stricter():
    cal = load_calibration()
    cos = np.full(10, 0.85)
    same = np.r_[np.zeros(1, bool), np.ones(9, bool)]  # 90 % where ~95 % is expected: 10 labels cannot tell
    assert not check_labels(cal, cos, same).stricter
