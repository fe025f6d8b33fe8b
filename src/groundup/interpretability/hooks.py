r"""Named activations of a model: ``run_with_cache`` and ``run_with_hooks`` (TransformerLens's API).

Mechanistic interpretability reads and edits a model's intermediate activations. Every
:class:`~groundup.nn_core.module.Module` already has PyTorch's forward hooks; this file
gives the activations of a transformer the names TransformerLens uses, so that a learner
can follow its tutorials with groundup's GPT::

    logits, cache = run_with_cache(model, tokens)
    cache["blocks.0.attn.hook_pattern"]        # (B, n_head, T, T) attention weights
    cache["pattern", 0]                        # the same, TransformerLens's short key

A *hook point* is a name, a module of the model and a way to read the activation from
that module's input or output (``view``) and to write a replacement back (``unview``).
No line of the model changes: everything is done with ``register_forward_hook`` and
``register_forward_pre_hook`` on existing submodules, so the cached tensors are exactly
those of an un-hooked forward pass.

The names of a GPT (``transformer.h[i]`` blocks with ``ln_1``, ``attn``, ``ln_2``,
``mlp``) and of an attention-only transformer (blocks with ``attn`` only):

============================================  ==============================  ======================
name                                          where                           shape
============================================  ==============================  ======================
``hook_embed``                                token embedding ``wte``         ``(B, T, d)``
``hook_pos_embed``                            position embedding ``wpe``      ``(T, d)``
``blocks.{i}.hook_resid_pre``                 input of block ``i``            ``(B, T, d)``
``blocks.{i}.ln1.hook_normalized``            output of ``ln_1``              ``(B, T, d)``
``blocks.{i}.attn.hook_q`` / ``_k`` / ``_v``  ``c_attn`` output, split        ``(B, T, n_head, d_head)``
``blocks.{i}.attn.hook_attn_scores``          $QK^\top/\sqrt{d_h}$, masked     ``(B, n_head, T, T)``
``blocks.{i}.attn.hook_pattern``              softmax of the scores           ``(B, n_head, T, T)``
``blocks.{i}.attn.hook_z``                    $\sum_j A_{ij} v_j$ per head     ``(B, T, n_head, d_head)``
``blocks.{i}.hook_attn_out``                  attention output                ``(B, T, d)``
``blocks.{i}.hook_resid_mid``                 input of ``ln_2``               ``(B, T, d)``
``blocks.{i}.mlp.hook_pre`` / ``hook_post``   MLP hidden, before/after GELU   ``(B, T, 4d)``
``blocks.{i}.hook_mlp_out``                   MLP output                      ``(B, T, d)``
``blocks.{i}.hook_resid_post``                output of block ``i``           ``(B, T, d)``
``ln_final.hook_normalized``                  output of ``ln_f``              ``(B, T, d)``
============================================  ==============================  ======================

The attention scores and pattern are read-only: groundup's attention is one fused
operation that never stores them, so they are computed from ``hook_q`` and ``hook_k``
(after RoPE, if the model uses it). Any other model (LeNet, an MLP) gets one hook point
per submodule, named by its dotted path (``"conv1"``, ``"fc2"``), on its output.

>>> import numpy as np
>>> from groundup.sequence.transformers.gpt import GPT, GPTConfig
>>> model = GPT(GPTConfig(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8), generator=0)
>>> logits, cache = run_with_cache(model, np.zeros((1, 5), dtype=np.int64))
>>> cache["blocks.0.attn.hook_pattern"].shape
(1, 2, 5, 5)
>>> np.allclose(cache["pattern", 0].sum(-1), 1.0)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.foundations.ops.join import stack
from groundup.nn_core.module import Module, RemovableHandle
from groundup.nn_core.positional.rope import rope_angles

__all__ = [
    "ActivationCache",
    "HookPoint",
    "hook_points",
    "model_logits",
    "run_with_cache",
    "run_with_hooks",
]

# TransformerLens's short keys: cache["pattern", 0] is cache["blocks.0.attn.hook_pattern"]
_SHORT = {
    "resid_pre": "hook_resid_pre",
    "resid_mid": "hook_resid_mid",
    "resid_post": "hook_resid_post",
    "attn_out": "hook_attn_out",
    "mlp_out": "hook_mlp_out",
    "q": "attn.hook_q",
    "k": "attn.hook_k",
    "v": "attn.hook_v",
    "z": "attn.hook_z",
    "pattern": "attn.hook_pattern",
    "attn_scores": "attn.hook_attn_scores",
    "pre": "mlp.hook_pre",
    "post": "mlp.hook_post",
}


@dataclass
class HookPoint:
    """One named activation: read from ``module``'s output (``"out"``) or first input (``"in"``).

    ``view(t)`` turns the module's tensor into the activation (a split, a reshape);
    ``unview(new, t)`` puts a replacement activation back (``None``: read-only).
    """

    name: str
    module: Module
    kind: str
    view: Callable[[Tensor], Tensor]
    unview: Callable[[Tensor, Tensor], Tensor] | None = None

    def add_hook(self, fn: Callable[[Any, HookPoint], Any]) -> RemovableHandle:
        """Register ``fn(activation, hook_point)``; a non-None return replaces the activation."""

        def replace(t: Tensor) -> Tensor | None:
            # BEGIN SOLUTION
            new = fn(self.view(t), self)
            if new is None:
                return None
            # END SOLUTION
            if self.unview is None:
                raise ValueError(f"hook point {self.name!r} is read-only (computed, not stored)")
            new = new if isinstance(new, Tensor) else Tensor(np.asarray(new, dtype=t.dtype))
            expected = self.view(t).shape
            if new.shape != expected:
                raise ValueError(
                    f"hook on {self.name!r} returned shape {new.shape}, expected {expected}"
                )
            # BEGIN SOLUTION
            return self.unview(new, t)
            # END SOLUTION

        if self.kind == "out":
            return self.module.register_forward_hook(lambda m, args, out: replace(out))

        def pre(m: Module, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
            new = replace(args[0])
            return None if new is None else (new, *args[1:])

        return self.module.register_forward_pre_hook(pre)


def _identity(t: Tensor) -> Tensor:
    return t


def _replace(new: Tensor, t: Tensor) -> Tensor:
    return new


def _qkv_point(name: str, attn: Module, which: int) -> HookPoint:
    h = attn.n_head

    def view(t: Tensor) -> Tensor:
        B, T, C3 = t.shape
        # BEGIN SOLUTION
        return t.reshape(B, T, 3, h, C3 // (3 * h))[:, :, which]  # (B, T, h, d)
        # END SOLUTION

    def unview(new: Tensor, t: Tensor) -> Tensor:
        B, T, C3 = t.shape
        parts = t.reshape(B, T, 3, h, C3 // (3 * h))  # (B, T, 3, h, d)
        pieces = [new if j == which else parts[:, :, j] for j in range(3)]
        return stack(pieces, dim=2).reshape(B, T, C3)

    return HookPoint(name, attn.c_attn, "out", view, unview)


def attention_scores(q: np.ndarray, k: np.ndarray, rope: bool = False) -> np.ndarray:
    r"""Causal scores $QK^\top/\sqrt{d_h}$ with $-\infty$ above the diagonal: ``(B, h, T, T)``.

    ``q``, ``k`` of shape ``(B, T, h, d_h)`` (hook_q, hook_k), rotated first if ``rope``.
    """
    q = np.asarray(q).transpose(0, 2, 1, 3)  # (B, h, T, d)
    k = np.asarray(k).transpose(0, 2, 1, 3)  # (B, h, T, d)
    T, d = q.shape[-2], q.shape[-1]
    if rope:
        cos, sin = rope_angles(T, d)
        q = _rotate(q, cos, sin)
        k = _rotate(k, cos, sin)
    # $S = QK^\top / \sqrt{d_h}$, query i sees keys j <= i
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)  # (B, h, T, T)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    return np.where(future, -np.inf, scores).astype(q.dtype)


def _rotate(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    from groundup.nn_core.positional.rope import apply_rotary

    return apply_rotary(Tensor(x), cos, sin).data


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _pattern_point(name: str, attn: Module, pattern: bool) -> HookPoint:
    q_view = _qkv_point("", attn, 0).view
    k_view = _qkv_point("", attn, 1).view

    def view(t: Tensor) -> Tensor:
        scores = attention_scores(q_view(t).data, k_view(t).data, attn.rope)
        return Tensor(_softmax(scores) if pattern else scores)

    return HookPoint(name, attn.c_attn, "out", view)


def _heads_point(name: str, attn: Module) -> HookPoint:
    h = attn.n_head

    def view(t: Tensor) -> Tensor:
        B, T, C = t.shape
        return t.reshape(B, T, h, C // h)  # (B, T, h, d)

    def unview(new: Tensor, t: Tensor) -> Tensor:
        return new.reshape(t.shape)

    return HookPoint(name, attn.c_proj, "in", view, unview)


def _transformer_points(model: Module) -> list[HookPoint]:
    tr = model.transformer
    points = [HookPoint("hook_embed", tr.wte, "out", _identity, _replace)]
    if "wpe" in tr:
        points.append(HookPoint("hook_pos_embed", tr.wpe, "out", _identity, _replace))
    for i, block in enumerate(tr.h):
        b = f"blocks.{i}."
        attn = block.attn
        points.append(HookPoint(b + "hook_resid_pre", block, "in", _identity, _replace))
        if getattr(block, "ln_1", None) is not None:
            points.append(
                HookPoint(b + "ln1.hook_normalized", block.ln_1, "out", _identity, _replace)
            )
        for j, letter in enumerate("qkv"):
            points.append(_qkv_point(b + f"attn.hook_{letter}", attn, j))
        points.append(_pattern_point(b + "attn.hook_attn_scores", attn, pattern=False))
        points.append(_pattern_point(b + "attn.hook_pattern", attn, pattern=True))
        points.append(_heads_point(b + "attn.hook_z", attn))
        points.append(HookPoint(b + "hook_attn_out", attn, "out", _identity, _replace))
        if getattr(block, "mlp", None) is not None:
            points += [
                HookPoint(b + "hook_resid_mid", block.ln_2, "in", _identity, _replace),
                HookPoint(b + "ln2.hook_normalized", block.ln_2, "out", _identity, _replace),
                HookPoint(b + "mlp.hook_pre", block.mlp.c_fc, "out", _identity, _replace),
                HookPoint(b + "mlp.hook_post", block.mlp.c_proj, "in", _identity, _replace),
                HookPoint(b + "hook_mlp_out", block.mlp, "out", _identity, _replace),
            ]
        points.append(HookPoint(b + "hook_resid_post", block, "out", _identity, _replace))
    if "ln_f" in tr:
        points.append(HookPoint("ln_final.hook_normalized", tr.ln_f, "out", _identity, _replace))
    return points


def hook_points(model: Module) -> dict[str, HookPoint]:
    """Every hook point of ``model`` by name, in the order the forward pass reaches them.

    A transformer (``model.transformer.h`` a list of blocks with ``attn``) gets the
    TransformerLens names of the module docstring; any other module one point per
    submodule output, named by its dotted path.
    """
    tr = getattr(model, "_modules", {}).get("transformer")
    if tr is not None and "h" in tr:
        points = _transformer_points(model)
    else:
        points = [
            HookPoint(name, m, "out", _identity, _replace)
            for name, m in model.named_modules()
            if name
        ]
    return {p.name: p for p in points}


def model_logits(out: Any) -> Tensor:
    """The logits of a forward's result: GPT returns ``(logits, loss)``, others the logits."""
    return out[0] if isinstance(out, tuple) else out


HookSpec = tuple[str | Callable[[str], bool], Callable[[Any, HookPoint], Any]]


def _matching(
    points: dict[str, HookPoint], which: str | Callable[[str], bool]
) -> Iterator[HookPoint]:
    if callable(which):
        yield from (p for name, p in points.items() if which(name))
        return
    if which not in points:
        known = ", ".join(list(points)[:6])
        raise KeyError(f"no hook point {which!r}; the model's first ones: {known}, ...")
    yield points[which]


def run_with_hooks(
    model: Module, inputs: Any, fwd_hooks: Iterable[HookSpec] = (), **kwargs: Any
) -> Tensor:
    """The logits of ``model(inputs)`` with each ``(name or predicate, fn)`` hook in place.

    ``fn(activation, hook_point)`` may return a replacement (a Tensor or an array of the
    activation's shape) or ``None``. The hooks are removed afterwards, even on an error.
    """
    points = hook_points(model)
    handles = [p.add_hook(fn) for which, fn in fwd_hooks for p in _matching(points, which)]
    try:
        return model_logits(model(inputs, **kwargs))
    finally:
        for handle in handles:
            handle.remove()


class ActivationCache(dict):
    """Activations by hook-point name (``ndarray`` values), as TransformerLens's cache.

    ``cache["pattern", 1]`` is short for ``cache["blocks.1.attn.hook_pattern"]`` (the
    keys of ``_SHORT``), ``cache["embed"]`` for ``cache["hook_embed"]``.
    """

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            short, layer = key
            key = f"blocks.{layer}.{_SHORT[short]}"
        elif key not in self and "hook_" + key in self:
            key = "hook_" + key  # cache["embed"] is cache["hook_embed"]
        return super().__getitem__(key)


def run_with_cache(
    model: Module,
    inputs: Any,
    names_filter: str | Callable[[str], bool] | Iterable[str] | None = None,
    **kwargs: Any,
) -> tuple[Tensor, ActivationCache]:
    """``(logits, cache)``: one forward pass, every (or each filtered) activation stored.

    ``names_filter``: a name, a list of names or a predicate on names (``None``: all).
    The values are copies of the forward's arrays, so later edits do not change them.
    """
    points = hook_points(model)
    if names_filter is None:
        chosen = list(points.values())
    elif callable(names_filter):
        chosen = [p for name, p in points.items() if names_filter(name)]
    else:
        names = [names_filter] if isinstance(names_filter, str) else list(names_filter)
        chosen = [p for name in names for p in _matching(points, name)]
    cache = ActivationCache()

    def store(act: Tensor, point: HookPoint) -> None:
        # BEGIN SOLUTION
        cache[point.name] = np.array(
            act.data
        )  # a copy: later edits of the forward's arrays do not leak in
        # END SOLUTION

    logits = run_with_hooks(model, inputs, [(p.name, store) for p in chosen], **kwargs)
    # the forward's order, not the order in which hooks on one module happened to fire
    ordered = ActivationCache((name, cache[name]) for name in points if name in cache)
    return logits, ordered
