r"""Circuits of attention heads: scores, ablation, activation patching, QK and OV matrices.

**Attention-pattern scores** (TransformerLens's head detector). A head's pattern
$A \in \mathbb R^{T\times T}$ (rows: queries) is compared with a 0/1 *detection pattern*
$P$ by the share of its attention that lands where $P$ is one,
$\mathrm{score} = \sum_{ij} A_{ij}P_{ij} / \sum_{ij} A_{ij}$:

* previous-token head: $P_{ij} = [j = i - 1]$;
* duplicate-token head: $P_{ij} = [t_j = t_i,\ j < i]$ (an earlier copy of my token);
* induction head: the duplicate-token mask shifted right by one,
  $P_{ij} = [t_{j-1} = t_i,\ j - 1 < i]$: attend to the token that *followed* an earlier
  copy of my token (and predict it comes next).

**Ablation** replaces one head's output $z_h$ (``hook_z``) by zeros or by its mean over
a reference batch; **activation patching** runs a *corrupted* input with one activation
taken from the *clean* run, and measures how much of the clean behaviour comes back.

**QK and OV circuits** (Elhage et al., 2021). With ``c_attn`` holding
$W_Q^h, W_K^h, W_V^h \in \mathbb R^{d_h\times d}$ and ``c_proj`` holding
$W_O^h \in \mathbb R^{d\times d_h}$ (row vectors $x$, PyTorch's $y = xW^\top$):

$$\text{score}_{ij} = \frac{x_i W_{QK} x_j^\top}{\sqrt{d_h}},\ W_{QK} = W_Q^{h\top}W_K^h;
\qquad \text{out}_i = \sum_j A_{ij}\,x_j W_{OV},\ W_{OV} = W_V^{h\top}W_O^{h\top}.$$

The *full* circuits read tokens in and out: $W_E W_{QK} W_E^\top$ and
$W_E W_{OV} W_U^\top$ ($V\times V$). A head that copies tokens has a full OV circuit
with mostly positive eigenvalues; its nonzero eigenvalues are those of the $d_h\times d_h$
matrix $W_O^{h\top} W_U^\top W_E W_V^{h\top}$ ($AB$ and $BA$ share them).

>>> import numpy as np
>>> A = np.eye(4, k=-1); A[0, 0] = 1             # every query looks one token back
>>> float(previous_token_score(A[None, None])[0])
0.75
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.interpretability.hooks import run_with_cache, run_with_hooks
from groundup.nn_core.module import Module

__all__ = [
    "ablate_heads",
    "attention_score",
    "copying_score",
    "duplicate_token_pattern",
    "full_ov_circuit",
    "full_qk_circuit",
    "head_weights",
    "induction_pattern",
    "induction_score",
    "ov_circuit",
    "ov_eigenvalues",
    "patch_heads",
    "patch_residual",
    "previous_token_score",
    "qk_circuit",
]


# ------------------------------------------------------------------ detection patterns
def duplicate_token_pattern(tokens: np.ndarray) -> np.ndarray:
    r"""$P_{ij} = [t_j = t_i,\ j < i]$ for one sequence ``(T,)``: ``(T, T)``."""
    t = np.asarray(tokens)
    return np.tril(t[None, :] == t[:, None], k=-1).astype(np.float64)


def induction_pattern(tokens: np.ndarray) -> np.ndarray:
    r"""The duplicate-token mask shifted right by one: $P_{ij} = [t_{j-1} = t_i,\ j-1 < i]$."""
    # BEGIN SOLUTION
    dup = duplicate_token_pattern(tokens)  # (T, T)
    shifted = np.zeros_like(dup)
    shifted[:, 1:] = dup[:, :-1]
    return np.tril(shifted)
    # END SOLUTION


def attention_score(
    pattern: np.ndarray, detection: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    r"""$\sum_{ij} A_{ij}P_{ij} / \sum_{ij} A_{ij}$ per head, averaged over the batch.

    ``pattern`` ``(B, n_head, T, T)`` (a cache's ``hook_pattern``); ``detection``
    ``(T, T)`` or ``(B, T, T)``; ``rows``, optional, a boolean mask ``(T,)`` or ``(B, T)``
    of the query rows to count (all by default; a sequence with no such row is left out of
    the mean). Returns ``(n_head,)``.
    """
    A = np.asarray(pattern, dtype=np.float64)
    if A.ndim != 4:
        raise ValueError(f"pattern must be (B, n_head, T, T), got shape {A.shape}")
    P = np.asarray(detection, dtype=np.float64)
    P = P[:, None] if P.ndim == 3 else P[None, None]  # (B or 1, 1, T, T)
    if rows is not None:
        R = np.broadcast_to(np.asarray(rows, dtype=bool), (A.shape[0], A.shape[-2]))  # (B, T)
        A = A * R[:, None, :, None]  # drop the other query rows
        A = A[R.any(-1)]  # sequences with at least one row
        P = P[R.any(-1)] if P.shape[0] > 1 else P
    per_seq = (A * P).sum(axis=(-2, -1)) / A.sum(axis=(-2, -1))  # (B, n_head)
    return per_seq.mean(axis=0)


def induction_score(
    pattern: np.ndarray, tokens: np.ndarray, repeated_only: bool = False
) -> np.ndarray:
    r"""Induction score of each head ``(n_head,)`` for a pattern ``(B, n_head, T, T)`` on ``tokens`` ``(B, T)``.

    By default the share of *all* attention that lands on the induction stripe, as
    TransformerLens's head detector (``error_measure="mul"``); on a sequence repeated once
    a perfect induction head scores 1/2 (the first half has nothing to copy).
    ``repeated_only=True`` counts only the query rows whose token occurred before (rows
    where $P$ has a one): on a random sequence repeated twice this is TransformerLens's
    main-demo score, the mean of the stripe over the second half, and a perfect head
    scores 1.

    >>> t = np.array([[3, 4, 3, 4]])
    >>> A = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0.]])[None, None]
    >>> float(induction_score(A, t)[0]), float(induction_score(A, t, repeated_only=True)[0])
    (0.5, 1.0)
    """
    tokens = np.asarray(tokens)
    P = np.stack([induction_pattern(t) for t in tokens])  # (B, T, T)
    return attention_score(pattern, P, P.any(-1) if repeated_only else None)


def previous_token_score(pattern: np.ndarray) -> np.ndarray:
    """Previous-token score of each head ``(n_head,)``: the attention on position ``i - 1``."""
    T = np.shape(pattern)[-1]
    return attention_score(pattern, np.eye(T, k=-1))


# ------------------------------------------------------------------ interventions
def _n_heads(model: Module) -> tuple[int, int]:
    blocks = model.transformer.h
    return len(blocks), blocks[0].attn.n_head


def ablate_heads(
    model: Module,
    tokens: np.ndarray,
    heads: Sequence[tuple[int, int]],
    mode: str = "zero",
    reference: np.ndarray | None = None,
) -> np.ndarray:
    r"""Logits ``(B, T, V)`` with each ``(layer, head)``'s $z_h$ zeroed or mean-ablated.

    ``mode="mean"`` replaces $z_h$ at each position by its mean over the batch of
    ``reference`` tokens (default: ``tokens``), TransformerLens's mean ablation.
    """
    if mode not in ("zero", "mean"):
        raise ValueError(f"mode must be 'zero' or 'mean', got {mode!r}")
    by_layer: dict[int, list[int]] = {}
    for layer, head in heads:
        by_layer.setdefault(layer, []).append(head)
    means: dict[str, np.ndarray] = {}
    if mode == "mean":
        ref = tokens if reference is None else reference
        names = [f"blocks.{layer}.attn.hook_z" for layer in by_layer]
        with no_grad():
            _, cache = run_with_cache(model, ref, names)
        means = {n: cache[n].mean(axis=0) for n in names}  # (T, h, d)

    def hook_for(hs: list[int]) -> Callable[[Any, Any], np.ndarray]:
        def ablate(z: Any, hook: Any) -> np.ndarray:
            out = np.array(z.data)  # (B, T, h, d)
            # BEGIN SOLUTION
            out[:, :, hs] = 0.0 if mode == "zero" else means[hook.name][None, : out.shape[1], hs]
            # END SOLUTION
            return out

        return ablate

    hooks = [(f"blocks.{layer}.attn.hook_z", hook_for(hs)) for layer, hs in by_layer.items()]
    with no_grad():
        return run_with_hooks(model, tokens, hooks).data


def _patched_logits(
    model: Module, corrupted: np.ndarray, name: str, clean_act: np.ndarray, index: tuple
) -> np.ndarray:
    def patch(act: Any, hook: Any) -> np.ndarray:
        out = np.array(act.data)
        # BEGIN SOLUTION
        out[index] = clean_act[index]
        # END SOLUTION
        return out

    return run_with_hooks(model, corrupted, [(name, patch)]).data


def patch_residual(
    model: Module,
    clean: np.ndarray,
    corrupted: np.ndarray,
    metric: Callable[[np.ndarray], float],
    positions: Sequence[int] | None = None,
) -> np.ndarray:
    r"""Activation patching of the residual stream: ``(n_layer + 1, T)`` metric values.

    Entry $(l, p)$ is ``metric(logits)`` of the corrupted run whose ``hook_resid_pre`` of
    block $l$ (row ``n_layer``: the final ``hook_resid_post``) at position $p$ is the
    clean run's. ``positions``: the columns to patch (default all).
    """
    n_layer, _ = _n_heads(model)
    names = [f"blocks.{i}.hook_resid_pre" for i in range(n_layer)]
    names.append(f"blocks.{n_layer - 1}.hook_resid_post")
    T = np.shape(corrupted)[1]
    positions = range(T) if positions is None else positions
    out = np.full((len(names), T), np.nan)
    with no_grad():
        _, cache = run_with_cache(model, clean, names)
        for row, name in enumerate(names):
            for p in positions:
                out[row, p] = metric(_patched_logits(model, corrupted, name, cache[name], (slice(None), p)))  # fmt: skip
    return out


def patch_heads(
    model: Module,
    clean: np.ndarray,
    corrupted: np.ndarray,
    metric: Callable[[np.ndarray], float],
) -> np.ndarray:
    """Activation patching of each head's output ``hook_z`` (all positions): ``(n_layer, n_head)``."""
    n_layer, n_head = _n_heads(model)
    out = np.zeros((n_layer, n_head))
    with no_grad():
        _, cache = run_with_cache(model, clean, lambda n: n.endswith("attn.hook_z"))
        for layer in range(n_layer):
            name = f"blocks.{layer}.attn.hook_z"
            for h in range(n_head):
                index = (slice(None), slice(None), h)
                out[layer, h] = metric(_patched_logits(model, corrupted, name, cache[name], index))
    return out


# ------------------------------------------------------------------ QK and OV circuits
def head_weights(model: Module, layer: int, head: int) -> dict[str, np.ndarray]:
    r"""$W_Q^h, W_K^h, W_V^h$ ``(d_h, d)`` and $W_O^h$ ``(d, d_h)`` of one head (float64)."""
    attn = model.transformer.h[layer].attn
    n_head = attn.n_head
    if not 0 <= head < n_head:
        raise ValueError(f"head must be in [0, {n_head}), got {head}")
    W = attn.c_attn.weight.data.astype(np.float64)  # (3d, d): rows Q, K, V
    d = W.shape[1]
    dh = d // n_head
    rows = slice(head * dh, (head + 1) * dh)
    W_Q, W_K, W_V = (W[i * d : (i + 1) * d][rows] for i in range(3))  # (d_h, d) each
    W_O = attn.c_proj.weight.data.astype(np.float64)[:, rows]  # (d, d_h)
    return {"W_Q": W_Q, "W_K": W_K, "W_V": W_V, "W_O": W_O}


def qk_circuit(model: Module, layer: int, head: int) -> np.ndarray:
    r"""$W_{QK} = W_Q^{h\top} W_K^h$ ``(d, d)``: score$_{ij} = x_i W_{QK} x_j^\top/\sqrt{d_h}$."""
    w = head_weights(model, layer, head)
    return w["W_Q"].T @ w["W_K"]


def ov_circuit(model: Module, layer: int, head: int) -> np.ndarray:
    r"""$W_{OV} = W_V^{h\top} W_O^{h\top}$ ``(d, d)``: the head writes $\sum_j A_{ij} x_j W_{OV}$."""
    w = head_weights(model, layer, head)
    return w["W_V"].T @ w["W_O"].T


def _embed_unembed(model: Module) -> tuple[np.ndarray, np.ndarray]:
    W_E = model.transformer.wte.weight.data.astype(np.float64)  # (V, d)
    W_U = model.lm_head.weight.data.astype(np.float64)  # (V, d)
    return W_E, W_U


def full_qk_circuit(model: Module, layer: int, head: int) -> np.ndarray:
    r"""$W_E W_{QK} W_E^\top$ ``(V, V)``: how much query token $a$ attends to key token $b$."""
    W_E, _ = _embed_unembed(model)
    return W_E @ qk_circuit(model, layer, head) @ W_E.T


def full_ov_circuit(model: Module, layer: int, head: int) -> np.ndarray:
    r"""$W_E W_{OV} W_U^\top$ ``(V, V)``: attending to token $a$ raises the logit of token $b$."""
    W_E, W_U = _embed_unembed(model)
    return W_E @ ov_circuit(model, layer, head) @ W_U.T


def ov_eigenvalues(model: Module, layer: int, head: int) -> np.ndarray:
    r"""The $d_h$ (complex) eigenvalues of the full OV circuit that can be nonzero.

    Computed from the small matrix $W_O^{h\top} W_U^\top W_E W_V^{h\top}$ ``(d_h, d_h)``.
    """
    w = head_weights(model, layer, head)
    W_E, W_U = _embed_unembed(model)
    # BEGIN SOLUTION
    small = w["W_O"].T @ W_U.T @ W_E @ w["W_V"].T  # (d_h, d_h)
    return np.linalg.eigvals(small)
    # END SOLUTION


def copying_score(eigenvalues: np.ndarray) -> float:
    r"""$\sum_i \lambda_i / \sum_i |\lambda_i|$ (real part): 1 for a pure copier, -1 for its opposite."""
    lam = np.asarray(eigenvalues)
    return float(lam.sum().real / np.abs(lam).sum())
