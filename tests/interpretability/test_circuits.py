"""Head scores, ablation, activation patching and the QK/OV circuit matrices."""

from __future__ import annotations

import numpy as np
import pytest

from groundup.interpretability.attn_only import AttnOnlyTransformer
from groundup.interpretability.circuits import (
    ablate_heads,
    attention_score,
    copying_score,
    duplicate_token_pattern,
    full_ov_circuit,
    full_qk_circuit,
    head_weights,
    induction_pattern,
    induction_score,
    ov_circuit,
    ov_eigenvalues,
    patch_heads,
    patch_residual,
    previous_token_score,
    qk_circuit,
)
from groundup.interpretability.hooks import run_with_cache
from groundup.sequence.transformers.gpt import GPT, GPTConfig


def _model() -> AttnOnlyTransformer:
    return AttnOnlyTransformer(
        vocab_size=13, n_layer=2, n_head=3, d_model=12, block_size=10, dtype=np.float64, generator=0
    )


def _rows(P: np.ndarray) -> np.ndarray:
    """A pattern attending uniformly to where P is one (to itself where P is empty)."""
    A = P.copy()
    empty = A.sum(-1) == 0
    A[empty, empty.nonzero()[0]] = 1.0
    return A / A.sum(-1, keepdims=True)


def test_detection_patterns_by_hand() -> None:
    t = np.array([5, 7, 5, 7, 9])
    assert duplicate_token_pattern(t)[2].tolist() == [1, 0, 0, 0, 0]  # 5 seen at 0
    # induction: at the second 5 (i=2) attend to what followed the first 5 (j=1)
    ind = induction_pattern(t)
    assert ind[2].tolist() == [0, 1, 0, 0, 0] and ind[3].tolist() == [0, 0, 1, 0, 0]
    assert ind[4].sum() == 0 and np.all(np.triu(ind) == 0)


def test_scores_of_ideal_and_wrong_heads() -> None:
    rng = np.random.default_rng(0)
    half = rng.permutation(50)[:8]
    tokens = np.stack([np.concatenate([half, half]), np.concatenate([half[::-1], half[::-1]])])
    ideal = np.stack([_rows(induction_pattern(t)) for t in tokens])  # (2, T, T)
    prev = _rows(np.eye(16, k=-1))
    pattern = np.stack([ideal, np.broadcast_to(prev, ideal.shape)], axis=1)  # (2, 2, T, T)
    ind = induction_score(pattern, tokens)
    # the ideal head puts all attention on its 8 repeated positions, the rest on itself
    assert ind[0] == pytest.approx(8 / 16) and ind[1] == pytest.approx(0.0)
    pt = previous_token_score(pattern)
    assert pt[1] == pytest.approx(15 / 16) and pt[0] == 0.0  # induction looks L - 1 back
    # the main demo's measure: the mean of diagonal 1 - L of the repeated half
    diag = np.diagonal(pattern[:, 0], offset=1 - 8, axis1=-2, axis2=-1)[:, 8:].mean()
    assert diag == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"pattern must be \(B, n_head, T, T\)"):
        attention_score(np.ones((3, 3)), np.eye(3))


def test_qk_and_ov_circuits_reproduce_the_cache() -> None:
    model = _model()
    toks = np.random.default_rng(1).integers(0, 13, size=(2, 10))
    _, cache = run_with_cache(model, toks)
    for layer in range(2):
        x = cache["resid_pre", layer]  # (B, T, d): no LayerNorm, so this is what q, k, v read
        total = np.zeros_like(x)
        for h in range(3):
            scores = x @ qk_circuit(model, layer, h) @ x.transpose(0, 2, 1) / np.sqrt(4)
            tri = np.tril_indices(10)
            np.testing.assert_allclose(
                scores[:, tri[0], tri[1]], cache["attn_scores", layer][:, h][:, tri[0], tri[1]],
                rtol=1e-10, atol=1e-13,
            )  # fmt: skip
            total += cache["pattern", layer][:, h] @ x @ ov_circuit(model, layer, h)
        np.testing.assert_allclose(total, cache["attn_out", layer], rtol=1e-10, atol=1e-13)
    w = head_weights(model, 1, 2)
    assert w["W_Q"].shape == (4, 12) and w["W_O"].shape == (12, 4)
    with pytest.raises(ValueError, match=r"head must be in \[0, 3\), got 3"):
        head_weights(model, 0, 3)


def test_ov_eigenvalues_are_those_of_the_full_circuit() -> None:
    model = _model()
    small = np.sort_complex(ov_eigenvalues(model, 1, 0))
    big = np.linalg.eigvals(full_ov_circuit(model, 1, 0))
    big = np.sort_complex(big[np.argsort(-np.abs(big))[:4]])
    np.testing.assert_allclose(small, big, rtol=1e-6, atol=1e-12)
    assert full_qk_circuit(model, 0, 1).shape == (13, 13)
    # a head whose OV circuit is W_E^+ W_U (it copies) has every eigenvalue positive
    W_E = model.transformer.wte.weight.data
    W_U = model.lm_head.weight.data
    assert copying_score(np.linalg.eigvals(np.linalg.pinv(W_E) @ W_E @ W_U.T @ W_U)) > 0.999
    assert copying_score(np.array([1.0, -1.0, 2.0])) == pytest.approx(0.5)


def test_ablation_zero_and_mean() -> None:
    model = _model()
    toks = np.random.default_rng(2).integers(0, 13, size=(4, 10))
    plain = model(toks).data
    assert np.array_equal(ablate_heads(model, toks, []), plain)
    zeroed = ablate_heads(model, toks, [(1, 0)])
    assert not np.allclose(zeroed, plain)
    # zeroing a head's z removes exactly its OV term from the last residual stream
    _, cache = run_with_cache(model, toks)
    x = cache["resid_pre", 1]
    head = cache["pattern", 1][:, 0] @ x @ ov_circuit(model, 1, 0)
    W_U = model.lm_head.weight.data
    np.testing.assert_allclose(plain - zeroed, head @ W_U.T, rtol=1e-9, atol=1e-12)
    # mean ablation over a batch of one identical sequence changes nothing
    one = np.repeat(toks[:1], 3, axis=0)
    assert np.allclose(ablate_heads(model, one, [(0, 1), (1, 2)], mode="mean"), model(one).data)
    assert not np.allclose(ablate_heads(model, toks, [(0, 1)], mode="mean"), plain)
    with pytest.raises(ValueError, match="mode must be 'zero' or 'mean'"):
        ablate_heads(model, toks, [(0, 0)], mode="resample")


@pytest.mark.parametrize("kind", ["attn-only", "gpt"])
def test_patching_restores_the_clean_run_and_empty_patch_changes_nothing(kind: str) -> None:
    if kind == "gpt":
        cfg = GPTConfig(block_size=10, vocab_size=13, n_layer=2, n_head=3, n_embd=12)
        model = GPT(cfg, dtype=np.float64, generator=1)
    else:
        model = _model()
    rng = np.random.default_rng(3)
    clean = rng.integers(0, 13, size=(2, 6))
    corrupted = clean.copy()
    corrupted[:, 2] = (corrupted[:, 2] + 1) % 13  # one token changed
    clean_logits = model(clean)
    clean_logits = clean_logits[0] if isinstance(clean_logits, tuple) else clean_logits
    target = clean_logits.data[:, -1].argmax(-1)

    def metric(logits: np.ndarray) -> float:
        return float(logits[np.arange(2), -1, target].mean())

    corrupt_logits = model(corrupted)
    corrupt_logits = corrupt_logits[0] if isinstance(corrupt_logits, tuple) else corrupt_logits
    m_clean, m_corrupt = metric(clean_logits.data), metric(corrupt_logits.data)
    assert m_clean != pytest.approx(m_corrupt)
    grid = patch_residual(model, clean, corrupted, metric)
    assert grid.shape == (3, 6)
    # before any block, only the changed position matters: patching it restores the clean run
    assert grid[0, 2] == pytest.approx(m_clean, abs=1e-12)
    assert np.allclose(grid[0, [0, 1, 3, 4, 5]], m_corrupt, atol=1e-12)  # same tokens there
    # after the last block only the last position feeds the metric
    assert grid[2, 5] == pytest.approx(m_clean, abs=1e-12)
    assert np.allclose(grid[2, :5], m_corrupt, atol=1e-12)
    # patching nothing leaves the corrupted run
    empty = patch_residual(model, clean, corrupted, metric, positions=[])
    assert np.isnan(empty).all()
    heads = patch_heads(model, clean, corrupted, metric)
    assert heads.shape == (2, 3) and np.isfinite(heads).all()
    same = patch_heads(model, corrupted, corrupted, metric)
    np.testing.assert_allclose(same, m_corrupt, atol=1e-12)  # clean == corrupted: no effect


def test_scores_agree_with_transformer_lens_head_detector() -> None:
    """TransformerLens's ``detect_head`` on groundup's cache gives groundup's scores."""
    from types import SimpleNamespace

    import torch
    from transformer_lens.ActivationCache import ActivationCache
    from transformer_lens.head_detector import detect_head

    # a random prefix, then a segment written twice: some rows have something to copy
    rng = np.random.default_rng(4)
    seg = rng.integers(0, 13, size=3)
    tokens = np.concatenate([rng.integers(0, 13, size=4), seg, seg])  # (10,)
    model = _model()
    _, cache = run_with_cache(model, tokens[None], lambda n: n.endswith("hook_pattern"))
    patterns = {
        f"blocks.{layer}.attn.hook_pattern": torch.from_numpy(cache["pattern", layer][0].copy())
        for layer in range(2)
    }  # (n_head, T, T), no batch dimension
    cfg = SimpleNamespace(device="cpu", n_ctx=len(tokens) + 1, n_layers=2, n_heads=3,
                          dtype=torch.float64)  # fmt: skip
    stub = SimpleNamespace(cfg=cfg, to_tokens=lambda seq: torch.from_numpy(tokens)[None])
    tl_cache = ActivationCache(patterns, stub, has_batch_dim=False)
    for name, ours in (
        ("induction_head", lambda A: induction_score(A, tokens[None])),
        ("previous_token_head", previous_token_score),
    ):
        theirs = detect_head(stub, "unused", name, cache=tl_cache).numpy()  # (n_layers, n_heads)
        for layer in range(2):
            np.testing.assert_allclose(ours(cache["pattern", layer]), theirs[layer], rtol=1e-6)
    # a head that scores: the ideal induction head of this sequence, in both measures
    ideal = _rows(induction_pattern(tokens))[None, None]  # (1, 1, T, T)
    matched = induction_pattern(tokens).any(-1)  # (T,): the rows with something to copy
    assert induction_score(ideal, tokens[None])[0] == pytest.approx(matched.mean())
    assert matched.mean() < 1
    assert induction_score(ideal, tokens[None], repeated_only=True)[0] == pytest.approx(1.0)
