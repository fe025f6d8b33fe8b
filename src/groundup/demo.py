"""A one-minute tour of the engine, run by `make demo`.

Fits $y = 3x - 1$ by gradient descent on a tensor expression, then checks the
gradient of a small network against central differences.
"""

from __future__ import annotations

import numpy as np

from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check


def main() -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.uniform(-1, 1, size=(64, 1)))
    y = 3 * x - 1
    w = Tensor(np.zeros((1, 1)), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)
    for _ in range(200):
        loss = ((x @ w + b - y) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        w.data -= 0.5 * w.grad.data
        b.data -= 0.5 * b.grad.data
    print(
        f"fit y = 3x - 1 by gradient descent: w = {w.item():.4f}, b = {b.item():.4f}, "
        f"loss = {loss.item():.2e}"
    )

    W1 = Tensor(rng.standard_normal((4, 8)), requires_grad=True)
    W2 = Tensor(rng.standard_normal((8, 3)), requires_grad=True)
    inputs = Tensor(rng.standard_normal((5, 4)))
    report = gradient_check(lambda a, c: (inputs @ a).tanh() @ c, [W1, W2])
    print(f"gradient check of a 2-layer tanh network: {report}")


if __name__ == "__main__":
    main()
