"""TRPO for the token policy: CG, the Fisher-vector product by double backward, the constrained step."""

from __future__ import annotations

import numpy as np

from groundup import Tensor
from groundup.alignment.kl import exact_kl
from groundup.alignment.policy import completion_logprobs
from groundup.alignment.trpo import (
    TRPOConfig,
    conjugate_gradient,
    fisher_vector_product,
    surrogate,
    trpo_step,
)
from groundup.sequence.transformers.gpt import GPT, GPTConfig
from tests.helpers import assert_close


def test_conjugate_gradient_solves_an_spd_system():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    A = M @ M.T + 0.5 * np.eye(6)
    b = rng.normal(size=6)
    assert_close(conjugate_gradient(lambda v: A @ v, b, iters=30), np.linalg.solve(A, b))


def test_fisher_vector_product_is_the_categorical_fisher():
    """At z = z_old the Hessian of mean_t KL(p_old || softmax(z_t)) is (diag(p) - p p^T) / n per position."""
    rng = np.random.default_rng(1)
    B, L, V = 2, 3, 4
    z_old = rng.normal(size=(B, L, V))
    mask = np.array([[1, 1, 0], [1, 0, 0]], float)
    z = Tensor(z_old.copy(), requires_grad=True)
    kl = (exact_kl(Tensor(z_old), z) * mask).sum() / mask.sum()
    fvp = fisher_vector_product(kl, [z], damping=0.1)
    v = rng.normal(size=B * L * V)
    p = np.exp(z_old - np.log(np.exp(z_old).sum(-1, keepdims=True)))
    F = np.zeros((B * L * V, B * L * V))
    for b in range(B):
        for t in range(L):
            if mask[b, t]:
                i = (b * L + t) * V
                F[i : i + V, i : i + V] = (
                    np.diag(p[b, t]) - np.outer(p[b, t], p[b, t])
                ) / mask.sum()
    assert_close(fvp(v), F @ v + 0.1 * v)


def tiny():
    model = GPT(
        GPTConfig(block_size=10, vocab_size=6, n_layer=1, n_head=2, n_embd=8),
        dtype=np.float64,
        generator=0,
    )
    q = np.array([[1, 2], [3, 4], [5, 0], [2, 2]])
    o = np.array([[0, 1, 2, 3], [4, 5, 0, 1], [2, 3, 4, 5], [1, 1, 1, 1]])
    return model, q, o


def test_step_stays_in_the_trust_region_and_improves_the_surrogate():
    model, q, o = tiny()
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0]], float)
    adv = np.array([1.0, -1.0, 0.5, -0.5])
    logp, _, z = completion_logprobs(model, q, o)
    old_lp, old_z = logp.data.copy(), z.data.copy()
    before = [p.data.copy() for p in model.parameters()]
    cfg = TRPOConfig(max_kl=0.01)
    stats = trpo_step(
        lambda: completion_logprobs(model, q, o)[::2],
        list(model.parameters()),
        old_lp,
        old_z,
        adv,
        mask,
        cfg,
    )
    assert stats["step_fraction"] > 0
    assert 0.001 < stats["kl"] <= 0.01  # the step uses a good part of the trust region
    assert stats["surrogate_after"] > stats["surrogate_before"]
    logp, _, z = completion_logprobs(model, q, o)
    kl = (exact_kl(Tensor(old_z), z).data * mask).sum() / mask.sum()
    assert_close(kl, stats["kl"])
    assert_close(surrogate(logp, old_lp, adv, mask).item(), stats["surrogate_after"])
    assert all(
        not np.array_equal(a, p.data)
        for a, p in zip(before, model.parameters())
        if p.data.ndim == 2
    )


def test_a_fully_masked_batch_changes_nothing():
    model, q, o = tiny()
    logp, _, z = completion_logprobs(model, q, o)
    before = [p.data.copy() for p in model.parameters()]
    stats = trpo_step(
        lambda: completion_logprobs(model, q, o)[::2],
        list(model.parameters()),
        logp.data.copy(),
        z.data.copy(),
        np.ones(4),
        np.zeros((4, 4)),
    )
    assert stats["step_fraction"] == 0.0
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
