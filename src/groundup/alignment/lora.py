r"""LoRA: low-rank adapters on frozen Linear layers (Hu et al., 2021), as PEFT's ``LoraModel``.

A frozen weight $W_0 \in \mathbb R^{d_\text{out}\times d_\text{in}}$ gets a trainable
low-rank update:

$$h = W_0x + \frac{\alpha}{r}\,B A x,\qquad A \in \mathbb R^{r\times d_\text{in}},\
B \in \mathbb R^{d_\text{out}\times r},\ r \ll \min(d_\text{in}, d_\text{out}).$$

$A$ starts Kaiming-uniform (as ``nn.Linear``: $a = \sqrt5$) and $B = 0$, so the
adapted model starts *exactly* as the base model. rsLoRA (Kalajdzievski, 2023) scales
by $\alpha/\sqrt r$ instead of $\alpha/r$, so that larger ranks keep learning. Only $A$
and $B$ train: $r(d_\text{in} + d_\text{out})$ numbers per layer instead of
$d_\text{in}d_\text{out}$.

Merging folds the update into the weight, $W = W_0 + \frac{\alpha}{r}BA$ (no extra cost
at inference); unmerging subtracts it again; ``merge_and_unload`` merges and puts plain
``Linear`` layers back. With the adapters *disabled* the model is the base model — the
reference policy of RLHF for free (TRL does this with PEFT).

Implementation details (as PEFT): dropout acts on the adapter's input only; the bias
stays in the base layer; merging twice is refused (PEFT warns).

>>> import numpy as np
>>> from groundup import Tensor
>>> from groundup.nn_core.layers.linear import Linear
>>> layer = LoRALinear(Linear(4, 3, generator=0), r=2, lora_alpha=4, generator=1)
>>> layer.scaling, layer.lora_A.weight.shape, layer.lora_B.weight.shape
(2.0, (2, 4), (3, 2))
>>> x = Tensor(np.ones((1, 4), dtype=np.float32))
>>> bool(np.allclose(layer(x).data, layer.base_layer(x).data))   # B = 0
True
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module, Parameter
from groundup.nn_core.regularization.dropout import Dropout
from groundup.utils.seeding import make_rng

__all__ = [
    "LoRALinear",
    "apply_lora",
    "disable_adapters",
    "lora_parameters",
    "merge_adapters",
    "merge_and_unload",
    "unmerge_adapters",
]


class LoRALinear(Module):
    r"""$h = W_0x + b + s\,B(A(\text{dropout}(x)))$ with $s = \alpha/r$ (or $\alpha/\sqrt r$).

    Parameters
    ----------
    base_layer : Linear
        The layer to adapt; its parameters are frozen (``requires_grad=False``).
    r : int
        Rank of the update.
    lora_alpha : float
        $\alpha$.
    lora_dropout : float
        Dropout probability on the adapter's input.
    use_rslora : bool
        Scale by $\alpha/\sqrt r$.
    generator : np.random.Generator or int, optional
        For $A$'s initial values and the dropout.

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``; ``lora_A.weight`` is
    ``(r, in_features)``, ``lora_B.weight`` is ``(out_features, r)``.
    """

    def __init__(
        self,
        base_layer: Linear,
        r: int = 8,
        lora_alpha: float = 8.0,
        lora_dropout: float = 0.0,
        use_rslora: bool = False,
        generator: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(base_layer, Linear):
            raise TypeError(f"LoRALinear adapts a Linear layer, got {type(base_layer).__name__}")
        if r < 1:
            raise ValueError(f"LoRA rank r must be >= 1, got {r}")
        rng = make_rng(generator)
        dtype = base_layer.weight.dtype
        self.base_layer = base_layer
        base_layer.requires_grad_(False)
        self.r = int(r)
        self.lora_alpha = float(lora_alpha)
        # $s = \alpha / r$, or rsLoRA's $\alpha / \sqrt{r}$
        self.scaling = self.lora_alpha / (math.sqrt(r) if use_rslora else r)
        self.lora_dropout = Dropout(lora_dropout, generator=rng)
        # A: Kaiming-uniform (a = sqrt 5), as nn.Linear; B = 0, so the update starts at 0
        self.lora_A = Linear(base_layer.in_features, r, bias=False, dtype=dtype, generator=rng)
        self.lora_B = Linear(r, base_layer.out_features, bias=False, dtype=dtype, generator=rng)
        init.zeros_(self.lora_B.weight)
        self.merged = False
        self.disabled = False

    @property
    def in_features(self) -> int:
        return self.base_layer.in_features

    @property
    def out_features(self) -> int:
        return self.base_layer.out_features

    def delta_weight(self) -> np.ndarray:
        r"""$\Delta W = s\,BA$, of shape ``(out_features, in_features)``."""
        return (self.scaling * (self.lora_B.weight.data @ self.lora_A.weight.data)).astype(
            self.base_layer.weight.dtype
        )

    def forward(self, x: Tensor) -> Tensor:
        y = self.base_layer(x)  # (*, out), $W_0x + b$ (or the merged $Wx + b$)
        if self.merged or self.disabled:
            return y
        # BEGIN SOLUTION
        # $h = W_0x + b + s\,B A\,\text{dropout}(x)$
        return y + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling  # (*, out)
        # END SOLUTION

    def merge(self) -> None:
        r"""$W \leftarrow W_0 + s\,BA$; the forward then skips the adapter."""
        if self.merged:
            raise RuntimeError("LoRALinear.merge: the adapter is already merged (unmerge first)")
        update = self.delta_weight()
        if not np.isfinite(update).all():
            raise ValueError("LoRALinear.merge: the adapter holds NaN or inf; nothing was merged")
        self.base_layer.weight.data += update
        self.merged = True

    def unmerge(self) -> None:
        r"""$W \leftarrow W - s\,BA$, back to $W_0$ (up to float rounding)."""
        if not self.merged:
            raise RuntimeError("LoRALinear.unmerge: the adapter is not merged")
        self.base_layer.weight.data -= self.delta_weight()
        self.merged = False

    def extra_repr(self) -> str:
        return f"r={self.r}, lora_alpha={self.lora_alpha}, scaling={self.scaling:g}"


def _lora_layers(model: Module) -> Iterator[LoRALinear]:
    for m in model.modules():
        if isinstance(m, LoRALinear):
            yield m


def apply_lora(
    model: Module,
    target_modules: Sequence[str] | None = None,
    r: int = 8,
    lora_alpha: float = 8.0,
    lora_dropout: float = 0.0,
    use_rslora: bool = False,
    generator: Any = None,
) -> Module:
    """Replace the targeted Linear layers of ``model`` by :class:`LoRALinear`; freeze the rest.

    Parameters
    ----------
    model : Module
        Changed in place (and returned).
    target_modules : sequence of str, optional
        Names whose last component selects a layer (``"c_attn"`` matches every
        ``transformer.h.N.attn.c_attn``). Default: every Linear except ``lm_head``
        (tied to the token embedding in a GPT).
    r, lora_alpha, lora_dropout, use_rslora
        As :class:`LoRALinear`.
    generator : np.random.Generator or int, optional

    Returns
    -------
    Module
        ``model``; afterwards only the adapters' ``lora_A``/``lora_B`` weights require gradients.
    """
    rng = make_rng(generator)
    targets = []
    for name, m in model.named_modules():
        last = name.rsplit(".", 1)[-1]
        if not isinstance(m, Linear) or ".lora_" in f".{name}":
            continue
        if (target_modules is None and last != "lm_head") or (
            target_modules is not None and last in target_modules
        ):
            targets.append(name)
    if not targets:
        raise ValueError(f"apply_lora: no Linear layer matches target_modules={target_modules}")
    model.requires_grad_(False)
    for name in targets:
        parent_name, _, last = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        base = getattr(parent, last)
        setattr(parent, last, LoRALinear(base, r, lora_alpha, lora_dropout, use_rslora, rng))
    return model


def lora_parameters(model: Module) -> list[Parameter]:
    """The adapters' parameters ($A$ and $B$ of every :class:`LoRALinear`)."""
    return [p for layer in _lora_layers(model) for p in (layer.lora_A.weight, layer.lora_B.weight)]


def merge_adapters(model: Module) -> None:
    """Merge every adapter of ``model`` into its base weight."""
    for layer in _lora_layers(model):
        layer.merge()


def unmerge_adapters(model: Module) -> None:
    """Undo :func:`merge_adapters`."""
    for layer in _lora_layers(model):
        layer.unmerge()


def merge_and_unload(model: Module) -> Module:
    """Merge every adapter and put the plain (merged) ``Linear`` back in its place; returns ``model``."""
    for name, m in list(model.named_modules()):
        if isinstance(m, LoRALinear):
            if not m.merged:
                m.merge()
            parent_name, _, last = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, last, m.base_layer)
    return model


@contextlib.contextmanager
def disable_adapters(model: Module) -> Iterator[Module]:
    """Within the block ``model`` is its base model (the adapters are skipped).

    >>> from groundup.nn_core.layers.linear import Linear
    >>> from groundup import Tensor
    >>> import numpy as np
    >>> layer = LoRALinear(Linear(2, 2, generator=0), r=1, generator=0)
    >>> layer.lora_B.weight.data[:] = 1.0
    >>> x = Tensor(np.ones((1, 2), dtype=np.float32))
    >>> with disable_adapters(layer):
    ...     bool(np.allclose(layer(x).data, layer.base_layer(x).data))
    True
    """
    layers = list(_lora_layers(model))
    if any(layer.merged for layer in layers):
        raise RuntimeError("disable_adapters: unmerge the adapters first (they are in the weights)")
    before = [layer.disabled for layer in layers]
    for layer in layers:
        layer.disabled = True
    try:
        yield model
    finally:
        for layer, b in zip(layers, before):
            layer.disabled = b
