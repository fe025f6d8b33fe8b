"""First checks of the engine against PyTorch (the exhaustive suite lives beside this file)."""

import numpy as np
import torch

from groundup import Tensor
from tests.helpers import assert_close, to_torch


def test_broadcast_add_gradients_are_summed_back():
    # (3,1) + (1,4): each input's gradient is summed over the axis broadcasting stretched.
    a = Tensor(np.arange(3.0).reshape(3, 1), requires_grad=True)
    b = Tensor(np.arange(4.0).reshape(1, 4), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.tolist() == [[4.0], [4.0], [4.0]]
    assert b.grad.tolist() == [[3.0, 3.0, 3.0, 3.0]]


def test_mlp_forward_backward_matches_torch():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((8, 5)))
    w1 = Tensor(rng.standard_normal((5, 7)), requires_grad=True)
    w2 = Tensor(rng.standard_normal((7, 3)), requires_grad=True)
    y = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    logp = ((x @ w1).tanh() @ w2).log_softmax(-1)
    loss = -logp[np.arange(8), y].mean()
    loss.backward()

    xt, w1t, w2t = to_torch(x), to_torch(w1), to_torch(w2)
    losst = torch.nn.functional.cross_entropy((xt @ w1t).tanh() @ w2t, torch.tensor(y))
    losst.backward()
    assert_close(loss, losst)
    assert_close(w1.grad, w1t.grad)
    assert_close(w2.grad, w2t.grad)
