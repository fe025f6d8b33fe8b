"""ViT against a PyTorch ViT of the same architecture and weights; the vit-mnist --quick run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from groundup import Tensor
from groundup.sequence.transformers.vit import ViT
from tests.helpers import assert_close

tnn = torch.nn


class TorchViT(tnn.Module):
    def __init__(
        self, image_size, patch_size, num_classes, dim, depth, heads, mlp_dim, in_channels
    ):
        super().__init__()
        f64 = torch.float64
        n = (image_size // patch_size) ** 2
        self.patch_embed = tnn.Conv2d(in_channels, dim, patch_size, patch_size, dtype=f64)
        self.cls_token = tnn.Parameter(torch.zeros(1, 1, dim, dtype=f64))
        self.pos_embedding = tnn.Parameter(torch.zeros(1, n + 1, dim, dtype=f64))
        layer = tnn.TransformerEncoderLayer(
            dim,
            heads,
            mlp_dim,
            0.0,
            lambda x: tnn.functional.gelu(x, approximate="tanh"),
            batch_first=True,
            norm_first=True,
            dtype=f64,
        )
        self.encoder = tnn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = tnn.LayerNorm(dim, dtype=f64)
        self.head = tnn.Linear(dim, num_classes, dtype=f64)

    def forward(self, x):
        p = self.patch_embed(x).flatten(2).transpose(1, 2)
        z = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), p], 1) + self.pos_embedding
        return self.head(self.norm(self.encoder(z)[:, 0]))


@given(
    patch=st.sampled_from([2, 4]),
    channels=st.integers(1, 3),
    depth=st.integers(1, 2),
    N=st.integers(1, 3),
)
def test_vit_logits_and_gradients_match_torch(patch, channels, depth, N):
    kw = dict(
        image_size=8, patch_size=patch, num_classes=5, dim=8, depth=depth, heads=2, mlp_dim=12
    )
    ours = ViT(**kw, in_channels=channels, dtype=np.float64, generator=depth)
    ref = TorchViT(**kw, in_channels=channels)
    assert set(ours.state_dict()) == set(ref.state_dict())
    ref.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(N).standard_normal((N, channels, 8, 8))
    xg, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, t_out = ours(xg), ref(xt)
    assert_close(out, t_out)
    (out * out).sum().backward()
    (t_out * t_out).sum().backward()
    assert_close(xg.grad, xt.grad)
    t_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, t_params[name].grad, msg=name)


def test_vit_layers_start_different_and_bad_input():
    vit = ViT(image_size=8, patch_size=4, dim=8, depth=2, heads=2, mlp_dim=8, generator=0)
    w0, w1 = (vit.encoder.layers[i].linear1.weight.data for i in range(2))
    assert not np.allclose(w0, w1)
    with pytest.raises(ValueError, match=r"expected images of shape \(N, C, 8, 8\)"):
        vit(Tensor(np.zeros((1, 1, 9, 9), dtype=np.float32)))
    with pytest.raises(ValueError, match="image_size=10 is not a multiple of patch_size=4"):
        ViT(image_size=10, patch_size=4)


def test_vit_mnist_quick_run(tmp_path):
    from groundup.milestones.runner import run_milestone

    result = run_milestone("vit-mnist", quick=True, runs_dir=tmp_path, show_progress=False)
    assert result.summary["epochs"] == 6
    # six epochs on 768 digits: twice chance (10%) or better
    assert result.summary["test_accuracy"] > 0.2
    assert (result.out_dir / "checkpoint.npz").exists()
