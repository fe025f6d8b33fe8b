"""VQ-VAE: nearest codes, the straight-through gradient, the EMA update by hand, perplexity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.generative.autoencoders.vqvae import VQVAE, VectorQuantizer, codebook_perplexity


def _three_codes(decay: float = 0.5, eps: float = 0.0) -> VectorQuantizer:
    vq = VectorQuantizer(num_embeddings=3, embedding_dim=2, decay=decay, eps=eps)
    vq.embedding.data[:] = [[0, 0], [1, 1], [5, 5]]
    vq.embed_avg.data[:] = [[0, 0], [1, 1], [5, 5]]
    vq.cluster_size.data[:] = 1.0
    return vq


def test_ema_update_by_hand_on_three_codes() -> None:
    """z = (0.2, 0), (0.8, 1), (1.2, 1) -> codes 0, 1, 1; code 2 is unused. With decay 0.5:
    N = 0.5*(1,1,1) + 0.5*(1,2,0) = (1, 1.5, 0.5);
    m = 0.5*((0,0),(1,1),(5,5)) + 0.5*((0.2,0),(2,2),(0,0)) = ((0.1,0),(1.5,1.5),(2.5,2.5));
    e = m / N = ((0.1,0),(1,1),(5,5)) (eps = 0: sum N = 3 before and after smoothing)."""
    vq = _three_codes()
    z = np.array([[0.2, 0.0], [0.8, 1.0], [1.2, 1.0]], dtype=np.float32)
    out = vq(Tensor(z))
    assert out.codes.tolist() == [0, 1, 1]
    np.testing.assert_allclose(vq.cluster_size.data, [1.0, 1.5, 0.5], rtol=1e-6)
    np.testing.assert_allclose(vq.embed_avg.data, [[0.1, 0], [1.5, 1.5], [2.5, 2.5]], rtol=1e-6)
    np.testing.assert_allclose(vq.embedding.data, [[0.1, 0], [1, 1], [5, 5]], rtol=1e-6)
    # the values returned are the codes *before* this batch's update (quantised, then updated)
    np.testing.assert_allclose(out.z_q.data, [[0, 0], [1, 1], [1, 1]])


def test_laplace_smoothing_by_hand() -> None:
    """eps = 1: N~ = (N + 1) / (3 + 3) * 3 = (1, 1.25, 0.75) for N = (1, 1.5, 0.5)."""
    vq = _three_codes(eps=1.0)
    vq(Tensor(np.array([[0.2, 0.0], [0.8, 1.0], [1.2, 1.0]], dtype=np.float32)))
    smoothed = np.array([1.0, 1.25, 0.75])
    np.testing.assert_allclose(
        vq.embedding.data,
        np.array([[0.1, 0], [1.5, 1.5], [2.5, 2.5]]) / smoothed[:, None],
        rtol=1e-6,
    )


def test_eval_mode_does_not_move_the_codebook() -> None:
    vq = _three_codes().eval()
    vq(Tensor(np.array([[0.2, 0.0]], dtype=np.float32)))
    np.testing.assert_array_equal(vq.embedding.data, [[0, 0], [1, 1], [5, 5]])


@given(st.integers(0, 2**32 - 1), st.integers(1, 20), st.integers(1, 6), st.integers(2, 9))
def test_codes_are_the_nearest_entries(seed: int, N: int, D: int, K: int) -> None:
    rng = np.random.default_rng(seed)
    vq = VectorQuantizer(K, D, generator=rng).eval()
    z = rng.normal(size=(N, D)).astype(np.float32)
    brute = ((z[:, None, :] - vq.embedding.data[None]) ** 2).sum(-1).argmin(1)
    np.testing.assert_array_equal(vq.quantize(z), brute)


@given(st.integers(0, 2**32 - 1), st.integers(1, 10), st.integers(1, 5))
def test_straight_through_gradient_reaches_the_encoder_unchanged(seed: int, N: int, D: int) -> None:
    """With beta = 0, d(loss)/d(z_e) is exactly d(loss)/d(z_q); the value is the code's."""
    rng = np.random.default_rng(seed)
    vq = VectorQuantizer(8, D, commitment_cost=0.0, generator=rng).eval()
    z_e = Tensor(rng.normal(size=(N, D)), requires_grad=True)
    w = rng.normal(size=(N, D))
    out = vq(z_e)
    ((out.z_q * Tensor(w)).sum() + out.commitment).backward()
    np.testing.assert_array_equal(z_e.grad.data, w)
    np.testing.assert_allclose(out.z_q.data, vq.embedding.data[out.codes], rtol=1e-6)


@given(st.integers(0, 2**32 - 1), st.integers(1, 10), st.integers(1, 5))
def test_commitment_loss_and_its_gradient_match_pytorch(seed: int, N: int, D: int) -> None:
    """loss = sum(w * z_q) + beta * mse(z_e, sg[e]) with PyTorch's straight-through twin."""
    rng = np.random.default_rng(seed)
    vq = VectorQuantizer(8, D, commitment_cost=0.25, generator=rng).eval()
    z = rng.normal(size=(N, D))
    w = rng.normal(size=(N, D))
    z_e = Tensor(z, requires_grad=True)
    out = vq(z_e)
    loss = (out.z_q * Tensor(w)).sum() + out.commitment
    loss.backward()
    tz = torch.tensor(z, requires_grad=True)
    q = torch.tensor(vq.embedding.data[out.codes].astype(np.float64))
    tzq = tz + (q - tz).detach()
    tloss = (tzq * torch.tensor(w)).sum() + 0.25 * torch.nn.functional.mse_loss(tz, q)
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-6)
    np.testing.assert_allclose(z_e.grad.data, tz.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_perplexity_by_hand() -> None:
    assert codebook_perplexity(np.zeros(10, dtype=int), 128) == 1.0
    assert codebook_perplexity(np.arange(128), 128) == pytest.approx(128)
    # p = (1/2, 1/4, 1/4): exp(H) = exp(1.5 ln 2) = 2^1.5
    assert codebook_perplexity(np.array([0, 0, 1, 2]), 4) == pytest.approx(2**1.5)


def test_dead_codes_move_onto_encoder_outputs() -> None:
    vq = _three_codes()
    vq.cluster_size.data[:] = [1.0, 0.01, 1.0]
    z = np.array([[7.0, 7.0]], dtype=np.float32)
    assert vq.restart_dead_codes(z, np.random.default_rng(0)) == 1
    np.testing.assert_array_equal(vq.embedding.data[1], [7, 7])
    assert vq.restart_dead_codes(z, np.random.default_rng(0)) == 0


def test_vqvae_shapes_and_the_decoder_of_codes() -> None:
    model = VQVAE(
        num_embeddings=16, embedding_dim=4, channels=4, generator=np.random.default_rng(0)
    )
    x = np.random.default_rng(1).random((2, 1, 28, 28), dtype=np.float32)
    loss, out = model.loss(x)
    assert out.logits.shape == (2, 1, 28, 28) and out.codes.shape == (2, 49) and loss.shape == ()
    model.eval()
    again = model(x)
    images = model.decode_codes(again.codes)
    np.testing.assert_allclose(
        images, 1 / (1 + np.exp(-again.logits.data.reshape(2, 784))), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match=r"z_e must have shape \(N, 4\)"):
        model.quantizer(Tensor(np.zeros((3, 5), dtype=np.float32)))
