r"""Scaled dot-product attention (Vaswani et al., 2017), as one fused, stable operation.

Each query $q_i$ scores every key $k_j$, the scores become weights by a softmax over the
keys, and the output is the weighted mean of the values:

$$Z = s\,QK^\top + M,\qquad P = \mathrm{softmax}_\text{row}(Z),\qquad O = PV,$$

for $L$ queries $Q$ $(L, E)$ and $S$ keys $K$ $(S, E)$ (PyTorch's letters): $Z$ is the
$(L, S)$ matrix of scores, $s = 1/\sqrt{E}$ by default ($E$ the query width: keeps the
scores' variance near 1 so the softmax does not saturate) and $M$ the mask ($0$ where a
query may look, $-\infty$ where it may not). The softmax subtracts each row's maximum
first, so large scores never overflow; a row whose keys are all masked gives zero weights
(PyTorch's "safe softmax"), not NaN.

The backward pass is derived by hand (the fused op never builds the graph of the
composite). With $G = \partial\mathcal L/\partial O$ ($\mathcal L$ the loss) and optional
dropout $P' = P \odot D$:

$$\bar V = P'^\top G,\quad \bar P = (G V^\top) \odot D,\quad
\bar Z = P \odot \big(\bar P - \textstyle\sum_j \bar P_{ij} P_{ij}\big),\quad
\bar Q = s\,\bar Z K,\quad \bar K = s\,\bar Z^\top Q,\quad \bar M = \bar Z.$$

The tests check it against the composite (``softmax(q @ k.mT * s + M) @ v``) and PyTorch.

>>> import numpy as np
>>> from groundup import Tensor
>>> q = k = v = Tensor(np.eye(2)[None])                 # (1, 2, 2)
>>> scaled_dot_product_attention(q, k, v, is_causal=True).data[0, 0].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from groundup.foundations.autograd import Function, Node, is_grad_enabled
from groundup.foundations.computational_graph import Tensor
from groundup.utils.seeding import make_rng

__all__ = ["causal_mask", "scaled_dot_product_attention"]


def causal_mask(L: int, S: int, offset: int = 0) -> np.ndarray:
    r"""Boolean mask of shape ``(L, S)``: query $i$ may attend to key $j$ iff $j \le i + \text{offset}$.

    ``offset = 0`` is PyTorch's ``is_causal`` (top-left aligned); with a key/value cache
    of ``S - L`` past positions, ``offset = S - L`` lines query $i$ up with key $S - L + i$.
    """
    return np.arange(S)[None, :] <= np.arange(L)[:, None] + offset  # (L, S)


def _additive_mask(attn_mask: Any, dtype: Any) -> np.ndarray:
    """A bool mask (True = attend) as $0 / -\\infty$; a float mask as it is."""
    if attn_mask.dtype == np.bool_:
        return np.where(attn_mask, 0.0, -np.inf).astype(dtype)
    return attn_mask


def _safe_softmax(Z: np.ndarray) -> np.ndarray:
    r"""$P = \mathrm{softmax}(Z)$ over the last axis; rows that are all $-\infty$ give zeros."""
    m = Z.max(axis=-1, keepdims=True)  # (..., L, 1)
    m[~np.isfinite(m)] = 0.0
    P = np.exp(Z - m)  # (..., L, S)
    z = P.sum(axis=-1, keepdims=True)  # (..., L, 1)
    z[z == 0] = 1.0  # a fully masked row: all weights stay 0
    P /= z
    return P


class SDPAFunction(Function):
    r"""$O = \mathrm{softmax}(sQK^\top + M)\,V$ (with dropout $D$); backward in the module docstring."""

    @staticmethod
    def forward(
        ctx: Node,
        q: np.ndarray,
        k: np.ndarray,
        v: np.ndarray,
        mask: Any = None,
        scale: float = 1.0,
        drop: Any = None,
    ) -> np.ndarray:
        # BEGIN SOLUTION
        # $Z = s\,QK^\top + M$
        Z = np.matmul(q, np.swapaxes(k, -1, -2))  # (..., L, S)
        Z *= scale
        if mask is not None:
            Z = Z + mask
        P = _safe_softmax(Z)  # (..., L, S)
        ctx.P, ctx.scale, ctx.drop = P, scale, drop
        Pd = P * drop if drop is not None else P
        ctx.Pd = Pd
        # $O = P' V$
        return np.matmul(Pd, v)  # (..., L, Ev)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Node, grad: Any) -> tuple[Any, ...]:
        q, k, v, mask = ctx.inputs
        s, drop = ctx.scale, ctx.drop
        if is_grad_enabled():
            # create_graph: rebuild $P$ from the inputs with tensor ops, so this is differentiable
            Z = (q @ k.mT) * s
            if mask is not None:
                Z = Z + mask
            P = Z.softmax(-1)
            Pd = P * drop if drop is not None else P
        else:
            P, Pd = Tensor._make(ctx.P, False), Tensor._make(ctx.Pd, False)
        # BEGIN SOLUTION
        need_q, need_k, need_v, need_m = ctx.needs_input_grad[:4]
        # $\bar V = P'^\top G$
        gv = Pd.mT @ grad if need_v else None  # (..., S, Ev)
        gq = gk = gm = None
        if need_q or need_k or need_m:
            # $\bar P = (G V^\top) \odot D$
            gP = grad @ v.mT  # (..., L, S)
            if drop is not None:
                gP = gP * drop
            # $\bar Z = P \odot (\bar P - \sum_j \bar P_{ij} P_{ij})$
            gZ = P * (gP - (gP * P).sum(-1, keepdim=True))  # (..., L, S)
            # $\bar Q = s\,\bar Z K$, $\bar K = s\,\bar Z^\top Q$
            gq = (gZ @ k) * s if need_q else None  # (..., L, E)
            gk = (gZ.mT @ q) * s if need_k else None  # (..., S, E)
            gm = gZ if need_m else None
        return gq, gk, gv, gm
        # END SOLUTION


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | np.ndarray | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    generator: np.random.Generator | None = None,
) -> Tensor:
    r"""$\mathrm{softmax}(s\,QK^\top + M)\,V$ (``torch.nn.functional.scaled_dot_product_attention``).

    Parameters
    ----------
    query : Tensor of shape ``(..., L, E)``
    key : Tensor of shape ``(..., S, E)``
    value : Tensor of shape ``(..., S, Ev)``
    attn_mask : bool or float Tensor/array broadcastable to ``(..., L, S)``, optional
        Bool: ``True`` where the query may attend. Float: added to the scores
        (differentiable if it requires grad).
    dropout_p : float
        Dropout on the attention weights (applied whenever ``> 0``, as in PyTorch: pass
        0 in evaluation).
    is_causal : bool
        Query $i$ attends to keys $j \le i$ (top-left aligned); not together with ``attn_mask``.
    scale : float, optional
        $s$; default $1/\sqrt{E}$.
    generator : np.random.Generator, optional
        For the dropout mask (groundup's addition).

    Returns
    -------
    Tensor of shape ``(..., L, Ev)``
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(
            f"scaled_dot_product_attention: query, key and value need at least 2 dimensions, "
            f"got shapes {query.shape}, {key.shape}, {value.shape}"
        )
    L, E = query.shape[-2:]
    S = key.shape[-2]
    if key.shape[-1] != E:
        raise ValueError(
            f"scaled_dot_product_attention: query of shape {query.shape} and key of shape "
            f"{key.shape} must have the same last dimension E"
        )
    if value.shape[-2] != S:
        raise ValueError(
            f"scaled_dot_product_attention: key of shape {key.shape} and value of shape "
            f"{value.shape} must have the same number of positions S"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p={dropout_p} not in [0, 1]")
    if is_causal and attn_mask is not None:
        raise ValueError(
            "scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both"
        )
    s = 1.0 / math.sqrt(E) if scale is None else float(scale)
    mask: Any = None
    if is_causal:
        mask = _additive_mask(causal_mask(L, S), query.dtype)  # (L, S)
    elif attn_mask is not None:
        if isinstance(attn_mask, Tensor) and attn_mask.dtype != np.bool_:
            mask = attn_mask  # float and perhaps learnable: stays in the graph
        else:
            mask = _additive_mask(np.asarray(attn_mask), query.dtype)
        try:
            np.broadcast_shapes(tuple(mask.shape), (*query.shape[:-1], S))
        except ValueError:
            raise ValueError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(mask.shape)} does not "
                f"broadcast to the scores' shape {(*query.shape[:-1], S)}"
            ) from None
    drop = None
    if dropout_p > 0.0:
        shape = np.broadcast_shapes(query.shape[:-2], key.shape[:-2]) + (L, S)
        keep = make_rng(generator).random(shape) >= dropout_p
        drop = (keep / (1.0 - dropout_p) if dropout_p < 1.0 else keep * 0.0).astype(query.dtype)
    return SDPAFunction.apply(query, key, value, mask, scale=s, drop=drop)
