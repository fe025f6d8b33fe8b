"""The ``alignment`` benchmark's two sides compute the same thing (no timing assertions)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import WORKLOADS, runner
from benchmarks.bench_alignment import grpo_update_pair, sampling_pair


def test_grpo_update_losses_match_torch_over_mu_epochs():
    run_g, run_r = grpo_update_pair(batch=8, prompt=3, new=6, lr=1e-2)
    ours, theirs = run_g(), run_r()
    assert len(ours) == 4  # mu = 2 epochs x 2 minibatches
    # every minibatch loss agrees, after the first Adam steps too (the same updates)
    assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-6)
    assert ours[2] != ours[0]  # the second epoch sees the updated policy: ratios off 1


def test_the_reference_cached_loop_computes_groundups_policy():
    """Feeding groundup's samples through the PyTorch cached loop gives groundup's logits."""
    import torch

    from benchmarks.bench_alignment import _models, torch_logits
    from groundup.alignment.policy import completion_logprobs, sample

    c, ours, theirs = _models()
    theirs.n_head = c.n_head
    q = np.random.default_rng(0).integers(0, 65, (4, 3))
    o = sample(ours, q, 5, generator=0).completions
    _, _, z = completion_logprobs(ours, q, o)
    with torch.no_grad():
        caches, steps, x, past = [[] for _ in theirs.transformer.h], [], torch.tensor(q), 0
        for t in range(5):
            steps.append(torch_logits(theirs, x, caches, past)[:, -1])
            past += x.shape[1]
            x = torch.tensor(o[:, t : t + 1])
    np.testing.assert_allclose(torch.stack(steps, 1).numpy(), z.data, rtol=1e-4, atol=1e-5)
    run_g, run_r = sampling_pair(batch=6, prompt=2, new=5)
    assert run_g().shape == run_r().shape == (6, 5)


def test_alignment_group_has_the_two_workloads_of_issue_19():
    runner.load_workloads()
    names = [name for (group, name) in WORKLOADS if group == "alignment"]
    assert len(names) == 2
    assert any("sampling" in n for n in names) and any("GRPO update" in n for n in names)
