"""DAPO's soft overlong punishment, overlong filtering and dynamic sampling."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment.dapo import (
    dynamic_sampling_mask,
    mask_truncated_completions,
    soft_overlong_punishment,
)
from tests.helpers import assert_close


def test_soft_overlong_punishment_boundary_cases():
    # L_max = 100, L_cache = 20: free up to 80, ramp to -1 at 100, -1 beyond (TRL's cases)
    got = soft_overlong_punishment(np.array([50, 80, 90, 100, 110]), 100, 20)
    assert_close(got, [0.0, 0.0, -0.5, -1.0, -1.0])
    assert_close(soft_overlong_punishment([81], 100, 20), [-0.05])
    with pytest.raises(ValueError, match="cache_length"):
        soft_overlong_punishment([1], 10, 11)


def test_overlong_filtering_zeroes_truncated_rows():
    m = mask_truncated_completions(np.ones((3, 2)), np.array([True, False, True]))
    assert m.tolist() == [[0, 0], [1, 1], [0, 0]]
    with pytest.raises(ValueError, match=r"truncated must have shape \(3,\)"):
        mask_truncated_completions(np.ones((3, 2)), np.ones(2, bool))


def test_dynamic_sampling_keeps_only_groups_with_signal():
    R = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0], float)
    assert dynamic_sampling_mask(R, 3).tolist() == [False] * 3 + [True] * 3 + [False] * 3
    with pytest.raises(ValueError, match="multiple of num_generations=2"):
        dynamic_sampling_mask(R, 2)
