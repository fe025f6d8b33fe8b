"""Improved precision/recall on hand-checked 2-D examples, and its failure modes."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.generative.evaluation.precision_recall import kth_neighbour_radii, precision_recall

# Real points on a line at 0, 1, 2, 10. With k = 1 their radii are the distance to the
# nearest other real point: 1, 1, 1, 8.
REAL = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [10.0, 0.0]])
# Fake points: (0.5, 0.5) is 0.71 from (0,0): inside. (5, 0) is 5 from (10,0) whose radius
# is 8: inside. (20, 0) is 10 from (10,0): outside. (1, 3) is 3 from (1,0): outside.
FAKE = np.array([[0.5, 0.5], [5.0, 0.0], [20.0, 0.0], [1.0, 3.0]])
# Precision 2/4. Fake radii (k = 1): (0.5,0.5) -> nearest fake (1,3) at 2.55; (5,0) ->
# (0.5,0.5) at 4.53; (20,0) -> (5,0) at 15; (1,3) -> (0.5,0.5) at 2.55. Real (0,0) is 0.71
# from (0.5,0.5): covered; (1,0) 0.71: covered; (2,0) 1.58: covered; (10,0) is 10 from
# (20,0), whose radius is 15: covered. Recall 4/4.


def test_radii_by_hand() -> None:
    np.testing.assert_allclose(kth_neighbour_radii(REAL, k=1), [1, 1, 1, 8])
    np.testing.assert_allclose(kth_neighbour_radii(REAL, k=2), [2, 1, 2, 9])


def test_precision_and_recall_by_hand() -> None:
    assert precision_recall(REAL, FAKE, k=1) == (0.5, 1.0)


def test_recall_drops_when_fakes_cluster() -> None:
    # all fakes near (0, 0): every fake is inside the real ball of (0,0) (radius 1), so
    # precision is 1. Fake radii (k=1): 0.1 each, so only the real point (0,0) is covered;
    # (1,0) is 0.9 from the nearest fake. Recall 1/4: a collapsed generator.
    fake = np.array([[0.0, 0.1], [0.1, 0.0], [0.0, 0.0]])
    assert precision_recall(REAL, fake, k=1) == (1.0, 0.25)


def test_same_set_is_perfect() -> None:
    x = np.random.default_rng(0).normal(size=(100, 5))
    assert precision_recall(x, x, k=3) == (1.0, 1.0)


def test_k_is_checked() -> None:
    with pytest.raises(ValueError, match="k must be in"):
        kth_neighbour_radii(REAL, k=4)
