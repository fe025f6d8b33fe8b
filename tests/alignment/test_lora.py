"""LoRA: identity at init, merge/unmerge, merge_and_unload, only adapters train; PyTorch twin and PEFT."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from groundup import Tensor
from groundup.alignment.lora import (
    LoRALinear,
    apply_lora,
    disable_adapters,
    lora_parameters,
    merge_adapters,
    merge_and_unload,
    unmerge_adapters,
)
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.layers.linear import Linear
from groundup.sequence.transformers.gpt import GPT, GPTConfig
from tests.helpers import assert_close

CFG = GPTConfig(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=8)
IDX = np.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])


def tiny_gpt(dtype=np.float64):
    return GPT(CFG, dtype=dtype, generator=0)


def randomize_b(model, seed=1):
    rng = np.random.default_rng(seed)
    for layer in model.modules():
        if isinstance(layer, LoRALinear):
            layer.lora_B.weight.data[:] = rng.normal(size=layer.lora_B.weight.shape) * 0.5


def test_init_leaves_the_logits_unchanged_and_b_is_zero():
    model = tiny_gpt()
    before = model(IDX)[0].data.copy()
    apply_lora(model, r=4, lora_alpha=8, generator=0)
    layers = [m for m in model.modules() if isinstance(m, LoRALinear)]
    assert len(layers) == 4 * CFG.n_layer  # c_attn, attn.c_proj, c_fc, mlp.c_proj
    assert all(np.all(m.lora_B.weight.data == 0) for m in layers)
    assert np.array_equal(model(IDX)[0].data, before)


def test_a_is_kaiming_uniform_and_scaling_is_alpha_over_r():
    layer = LoRALinear(Linear(256, 64, generator=0), r=64, lora_alpha=16, generator=0)
    a = layer.lora_A.weight.data.ravel()
    bound = 1 / math.sqrt(256)  # kaiming_uniform(a=sqrt 5) on fan_in 256
    assert np.abs(a).max() <= bound
    assert stats.kstest(a, stats.uniform(-bound, 2 * bound).cdf).pvalue > 0.05
    assert stats.kstest(a, stats.norm(0, a.std()).cdf).pvalue < 0.05
    assert layer.scaling == 16 / 64
    rs = LoRALinear(Linear(256, 64, generator=0), r=64, lora_alpha=16, use_rslora=True)
    assert rs.scaling == 16 / 8


def test_forward_and_gradients_match_the_formula_in_torch():
    rng = np.random.default_rng(0)
    layer = LoRALinear(Linear(5, 3, dtype=np.float64, generator=0), r=2, lora_alpha=3, generator=1)
    layer.lora_B.weight.data[:] = rng.normal(size=(3, 2))
    x0 = rng.normal(size=(4, 5))
    x = Tensor(x0.copy(), requires_grad=True)
    w = rng.normal(size=(4, 3))
    (layer(x) * w).sum().backward()
    W0, b = (torch.tensor(p.data) for p in (layer.base_layer.weight, layer.base_layer.bias))
    A = torch.tensor(layer.lora_A.weight.data, requires_grad=True)
    B = torch.tensor(layer.lora_B.weight.data, requires_grad=True)
    xt = torch.tensor(x0, requires_grad=True)
    # h = W0 x + b + (alpha / r) B A x
    h = xt @ W0.T + b + (3 / 2) * (xt @ A.T) @ B.T
    (h * torch.tensor(w)).sum().backward()
    assert_close(layer(x).data, h.detach())
    assert_close(x.grad, xt.grad)
    assert_close(layer.lora_A.weight.grad, A.grad)
    assert_close(layer.lora_B.weight.grad, B.grad)
    assert layer.base_layer.weight.grad is None and layer.base_layer.bias.grad is None
    xs = Tensor(x0.copy(), requires_grad=True)
    assert gradient_check(lambda a: layer(a), [xs]).passed


def test_merge_unmerge_and_merge_and_unload():
    model = apply_lora(tiny_gpt(), r=2, lora_alpha=4, generator=0)
    randomize_b(model)
    w0 = {n: p.data.copy() for n, p in model.named_parameters() if "base_layer" in n}
    adapted = model(IDX)[0].data.copy()
    base = tiny_gpt()(IDX)[0].data
    assert np.abs(adapted - base).max() > 1e-3  # the adapters do something
    merge_adapters(model)
    assert_close(model(IDX)[0].data, adapted, rtol=0, atol=1e-10)
    with pytest.raises(RuntimeError, match="already merged"):
        merge_adapters(model)
    with pytest.raises(RuntimeError, match="unmerge the adapters first"):
        with disable_adapters(model):
            pass
    unmerge_adapters(model)
    for n, p in model.named_parameters():
        if n in w0:
            assert_close(p.data, w0[n], rtol=0, atol=1e-12)
    with disable_adapters(model):
        assert_close(model(IDX)[0].data, base, rtol=0, atol=1e-12)
    assert_close(model(IDX)[0].data, adapted, rtol=0, atol=1e-12)
    merged = merge_and_unload(model)
    assert not any(isinstance(m, LoRALinear) for m in merged.modules())
    assert_close(merged(IDX)[0].data, adapted, rtol=0, atol=1e-6)
    # float32, the 1e-6 tolerance
    m32 = apply_lora(tiny_gpt(np.float32), r=2, lora_alpha=4, generator=0)
    randomize_b(m32)
    a32 = m32(IDX)[0].data.copy()
    assert np.abs(merge_and_unload(m32)(IDX)[0].data - a32).max() < 1e-6


def test_only_adapter_parameters_receive_gradients():
    model = apply_lora(tiny_gpt(), r=2, generator=0)
    randomize_b(model)
    _, loss = model(IDX, targets=IDX)
    loss.backward()
    adapters = {id(p) for p in lora_parameters(model)}
    assert len(adapters) == 2 * 4 * CFG.n_layer
    for name, p in model.named_parameters():
        if id(p) in adapters:
            assert p.requires_grad and p.grad is not None and np.abs(p.grad.data).max() > 0, name
        else:
            assert not p.requires_grad and p.grad is None, name


def test_errors():
    with pytest.raises(ValueError, match="rank r must be >= 1"):
        LoRALinear(Linear(2, 2), r=0)
    with pytest.raises(TypeError, match="adapts a Linear"):
        LoRALinear(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="no Linear layer matches"):
        apply_lora(tiny_gpt(), target_modules=["q_proj"])
    layer = LoRALinear(Linear(2, 2), r=1)
    with pytest.raises(RuntimeError, match="not merged"):
        layer.unmerge()


def test_equals_peft():
    """The same weights in PEFT's LoraModel: outputs, adapter gradients, merged weights."""
    from peft import LoraConfig, get_peft_model

    for use_rslora in (False, True):
        rng = np.random.default_rng(2)
        ours = LoRALinear(
            Linear(6, 4, dtype=np.float64, generator=0),
            r=3,
            lora_alpha=5,
            use_rslora=use_rslora,
            generator=0,
        )
        ours.lora_B.weight.data[:] = rng.normal(size=(4, 3))
        net = torch.nn.Sequential(torch.nn.Linear(6, 4)).double()
        with torch.no_grad():
            net[0].weight.copy_(torch.tensor(ours.base_layer.weight.data))
            net[0].bias.copy_(torch.tensor(ours.base_layer.bias.data))
        peft_model = get_peft_model(
            net, LoraConfig(r=3, lora_alpha=5, target_modules=["0"], use_rslora=use_rslora)
        )
        lora = peft_model.base_model.model[0]
        assert lora.scaling["default"] == ours.scaling
        with torch.no_grad():
            lora.lora_A["default"].weight.copy_(torch.tensor(ours.lora_A.weight.data))
            lora.lora_B["default"].weight.copy_(torch.tensor(ours.lora_B.weight.data))
        x0 = rng.normal(size=(5, 6))
        w = rng.normal(size=(5, 4))
        out = ours(Tensor(x0))
        (out * w).sum().backward()
        ref = peft_model(torch.tensor(x0))
        (ref * torch.tensor(w)).sum().backward()
        assert_close(out.data, ref.detach())
        assert_close(ours.lora_A.weight.grad, lora.lora_A["default"].weight.grad)
        assert_close(ours.lora_B.weight.grad, lora.lora_B["default"].weight.grad)
        trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
        assert trainable == {n for n in trainable if "lora_" in n} and len(trainable) == 2
        merged = peft_model.merge_and_unload()
        ours.merge()
        assert_close(ours.base_layer.weight.data, merged[0].weight.detach())
