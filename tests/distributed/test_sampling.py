"""Distributed sampling for alignment (``groundup.distributed.sampling``): Ray actors holding
model copies give exactly the completions of the same workers in process, follow the
learner's weights, and one worker equals :func:`groundup.alignment.policy.sample`."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.alignment.policy import sample
from groundup.distributed.sampling import DistributedSampler
from groundup.sequence.transformers.gpt import GPT, GPTConfig

pytestmark = pytest.mark.xdist_group("ray")
FIELDS = ("completions", "mask", "lengths", "truncated")


def _model():
    return GPT(GPTConfig(block_size=16, vocab_size=7, n_layer=1, n_head=2, n_embd=8), generator=0)


def _prompts():
    return np.repeat(np.array([[1, 2], [3, 4], [5, 6]]), 2, axis=0)  # 3 prompts x G = 2


def test_ray_workers_sample_what_the_in_process_workers_sample(ray_local):
    model = _model()
    local = DistributedSampler(model, 2, seed=5, use_ray=False)
    remote = DistributedSampler(model, 2, seed=5, use_ray=True)
    try:
        previous = None
        for _ in range(2):
            a = local.sample(_prompts(), 6, stop_tokens=[0], temperature=1.5)
            b = remote.sample(_prompts(), 6, stop_tokens=[0], temperature=1.5)
            assert a.completions.shape == (6, 6)
            for f in FIELDS:
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
            if previous is not None:
                assert not np.array_equal(previous, a.completions)
            previous = a.completions
            for p in model.parameters():  # the learner's update: the workers must follow
                p.data += np.random.default_rng(0).standard_normal(p.shape).astype(p.dtype)
    finally:
        remote.close()


def test_one_worker_is_the_plain_sampler():
    model = _model()
    got = DistributedSampler(model, 1, seed=3, use_ray=False).sample(_prompts(), 5)
    want = sample(model, _prompts(), 5, generator=np.random.default_rng([3, 0]))
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(got, f), getattr(want, f))


def test_fewer_prompts_than_workers_is_refused():
    with pytest.raises(ValueError, match=r"B >= num_workers=3, got shape \(2, 2\)"):
        DistributedSampler(_model(), 3, use_ray=False).sample(np.zeros((2, 2), np.int64), 2)
