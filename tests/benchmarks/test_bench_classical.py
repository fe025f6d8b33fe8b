"""The classical (part A) benchmark workloads time the same computation on both sides."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import benchmarks.bench_classical_a as bench
from benchmarks import WORKLOADS

SMALL = [
    w
    for w in WORKLOADS.values()
    if w.setup.__module__ == bench.__name__ and "000x" not in w.name  # big ones: timing only
]


def test_every_goal_estimator_has_a_workload():
    names = " ".join(w.name for w in WORKLOADS.values() if w.setup.__module__ == bench.__name__)
    for estimator in ("KNeighborsClassifier", "GaussianNB", "LogisticRegression", "Ridge"):
        assert estimator in names
    assert all(w.group == "classical" and w.reference == "scikit-learn" for w in SMALL)


@pytest.mark.parametrize("w", SMALL, ids=lambda w: w.name)
def test_classical_a_workloads_agree(w):
    run_groundup, run_reference = w.setup()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's own convergence chatter
        ours, theirs = np.asarray(run_groundup()), np.asarray(run_reference())
    assert ours.shape == theirs.shape
    if ours.dtype.kind == "f":
        # default tolerances on both sides (tol=1e-4 for the iterative solvers): each stops
        # at its own point near the optimum (on digits both after 31 L-BFGS iterations,
        # both ~0.1 from the tol=1e-10 probabilities), so they agree loosely per entry
        np.testing.assert_allclose(ours, theirs, atol=5e-2)
        assert np.mean(np.abs(ours - theirs)) < 1e-3
    else:
        assert np.mean(ours == theirs) >= 0.99
