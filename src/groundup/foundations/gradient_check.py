r"""Central-difference gradient check, in float64.

For a function $f$ with tensor output, the check reduces it to a scalar
$L = \sum_k r_k f_k$ with a fixed random $r$ (so every output element matters and no
two errors cancel by symmetry), then compares the gradient from ``backward`` with

$$\frac{\partial L}{\partial x_i} \approx \frac{L(x + \varepsilon e_i) - L(x - \varepsilon e_i)}{2\varepsilon},$$

whose error is $O(\varepsilon^2)$. With float64 and $\varepsilon = 10^{-6}$ a correct
gradient agrees to about $10^{-8}$ relative error; a wrong one is off by far more.

>>> import numpy as np
>>> from groundup import Tensor
>>> x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
>>> gradient_check(lambda t: t.tanh() * t, [x]).passed
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor


@dataclass
class GradCheckReport:
    """The outcome of a gradient check.

    ``max_rel_error`` is the worst $|a - n| / \\max(|a|, |n|, \\text{atol})$ over every input
    element; ``input_index`` and ``where`` say which input and which element.
    """

    passed: bool
    max_rel_error: float
    max_abs_error: float
    input_index: int
    where: tuple[int, ...]
    analytic: float
    numeric: float

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"{verdict}: worst relative error {self.max_rel_error:.2e} (absolute "
            f"{self.max_abs_error:.2e}) at input {self.input_index}, index {self.where}: "
            f"analytic {self.analytic:.6g}, numeric {self.numeric:.6g}"
        )


def numerical_gradient(
    fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6, seed: int = 0
) -> tuple[list[np.ndarray], np.ndarray]:
    """Central-difference gradients of $L = \\sum_k r_k f_k$; returns them and $r$.

    Inputs that do not require a gradient get zeros (they are not perturbed).
    """
    # BEGIN SOLUTION
    with no_grad():
        out = fn(*inputs)
    r = np.random.default_rng(seed).standard_normal(np.shape(out.data))

    def loss() -> float:
        with no_grad():
            return float(np.sum(fn(*inputs).data * r))

    grads = []
    for x in inputs:
        g = np.zeros(x.shape, dtype=np.float64)
        if not x.requires_grad:
            grads.append(g)
            continue
        # element by element, in place: x.data may be a non-contiguous view
        for i in np.ndindex(x.shape):
            old = x.data[i]
            x.data[i] = old + eps
            plus = loss()
            x.data[i] = old - eps
            minus = loss()
            x.data[i] = old
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads, r
    # END SOLUTION


def gradient_check(
    fn: Callable[..., Tensor],
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    seed: int = 0,
) -> GradCheckReport:
    """Compare ``backward`` with central differences for every input that requires grad.

    ``inputs`` must be float64 tensors (float32 differences are too coarse); ``fn`` must
    be deterministic. Passes when every element has $|a-n| \\le \\text{atol} + \\text{rtol}|n|$.
    """
    for i, x in enumerate(inputs):
        if x.dtype != np.float64:
            raise TypeError(f"gradient_check: input {i} is {x.dtype}; use float64 tensors")
    checked = [x for x in inputs if x.requires_grad]
    if not checked:
        raise ValueError("gradient_check: no input has requires_grad=True")
    numeric, r = numerical_gradient(fn, inputs, eps, seed)
    for x in checked:
        x.grad = None
    out = fn(*inputs)
    (out * Tensor(r)).sum().backward()

    worst = GradCheckReport(True, 0.0, 0.0, -1, (), 0.0, 0.0)
    for i, (x, n) in enumerate(zip(inputs, numeric)):
        if not x.requires_grad:
            continue
        a = np.zeros_like(n) if x.grad is None else x.grad.data.astype(np.float64)
        abs_err = np.abs(a - n)
        rel_err = abs_err / np.maximum(np.maximum(np.abs(a), np.abs(n)), atol)
        ok = bool(np.all(abs_err <= atol + rtol * np.abs(n)))
        k = int(np.argmax(rel_err)) if rel_err.size else 0
        if rel_err.size and (rel_err.flat[k] >= worst.max_rel_error or worst.input_index < 0):
            worst = GradCheckReport(
                worst.passed and ok,
                float(rel_err.flat[k]),
                float(abs_err.flat[k]),
                i,
                tuple(int(j) for j in np.unravel_index(k, n.shape)),
                float(a.flat[k]),
                float(n.flat[k]),
            )
        else:
            worst.passed = worst.passed and ok
    return worst
