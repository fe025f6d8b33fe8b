"""Module, Parameter, containers, state_dict and checkpoints, against torch.nn where it applies."""

from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np
import pytest
import torch

from groundup import Tensor, nn
from tests.helpers import assert_close


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8, generator=np.random.default_rng(0))
        self.blocks = nn.ModuleList(
            [nn.Linear(8, 8, generator=np.random.default_rng(i)) for i in range(2)]
        )
        self.heads = nn.ModuleDict({"a": nn.Linear(8, 3, generator=np.random.default_rng(5))})
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.register_buffer("scratch", np.zeros(2, dtype=np.float32), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        h = self.fc1(x)
        for block in self.blocks:
            h = block(h).relu()
        return self.heads["a"](h) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(8, 8) for _ in range(2)])
        self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(8, 3)})
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def forward(self, x):
        h = self.fc1(x)
        for block in self.blocks:
            h = block(h).relu()
        return self.heads["a"](h) * self.scale


def test_names_keys_and_shapes_match_torch() -> None:
    ours, theirs = Net(), TorchNet()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    assert all(tuple(sd[k].shape) == tuple(tsd[k].shape) for k in sd)
    assert "scratch" not in sd  # non-persistent


def test_forward_equals_torch_after_loading_its_weights() -> None:
    ours, theirs = Net(), TorchNet()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert_close(ours(Tensor(x)), theirs(torch.tensor(x)))


def test_repr_equals_torch() -> None:
    ours, theirs = Net(), TorchNet()
    assert repr(ours) == repr(theirs).replace("TorchNet(", "Net(", 1)
    assert "(0-1): 2 x Linear" in repr(ours)
    seq = nn.Sequential(
        nn.Linear(2, 3), nn.Flatten(), nn.Identity(), nn.Embedding(5, 2, padding_idx=0)
    )
    tseq = torch.nn.Sequential(
        torch.nn.Linear(2, 3),
        torch.nn.Flatten(),
        torch.nn.Identity(),
        torch.nn.Embedding(5, 2, padding_idx=0),
    )
    assert repr(seq) == repr(tseq)


def test_state_dict_round_trip_is_bit_identical(tmp_path) -> None:
    a = Net()
    x = Tensor(np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32))
    path = tmp_path / "sub" / "ckpt.npz"
    nn.save(a.state_dict(), path)
    b = Net()
    for p in b.parameters():
        p.data[...] = 0
    b.load_state_dict(nn.load(path))
    assert np.array_equal(a(x).data, b(x).data)
    assert list(np.load(path).files) == list(a.state_dict())  # readable with NumPy alone
    assert [f for f in os.listdir(path.parent) if f.startswith(".tmp")] == []


def test_load_keeps_parameter_identity_and_dtype() -> None:
    m = nn.Linear(3, 2)
    w = m.weight
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert m.weight is w and w.dtype == np.float32 and np.all(w.data == 1)


def test_wrong_shape_names_the_key_and_both_shapes() -> None:
    m = nn.Sequential(nn.Linear(3, 2))
    bad = {"0.weight": np.zeros((2, 4)), "0.bias": np.zeros(2)}
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight.*\(2, 4\).*\(2, 3\)"):
        m.load_state_dict(bad)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        m.load_state_dict(bad, strict=False)


def test_missing_and_unexpected_keys() -> None:
    m = nn.Sequential(nn.Linear(3, 2))
    state = {"0.weight": np.zeros((2, 3)), "extra": np.zeros(1)}
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: '0\.bias'"):
        m.load_state_dict(state)
    with pytest.raises(RuntimeError, match=r"Unexpected key\(s\) in state_dict: 'extra'"):
        m.load_state_dict(state)
    result = m.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]
    assert np.all(m[0].weight.data == 0)


def test_nested_checkpoint_round_trip(tmp_path) -> None:
    obj = {
        "model": nn.Linear(2, 2).state_dict(),
        "optim": {"state": {0: {"step": 3, "exp_avg": Tensor(np.arange(4.0))}}, "lr": [0.1, None]},
        "epoch": 7,
        "name": "mlp",
        "pair": (1, 2.5),
    }
    nn.save(obj, tmp_path / "c.npz")
    back = nn.load(tmp_path / "c.npz")
    assert back["epoch"] == 7 and back["name"] == "mlp" and back["pair"] == (1, 2.5)
    assert back["optim"]["lr"] == [0.1, None] and back["optim"]["state"][0]["step"] == 3
    assert back["optim"]["state"][0]["exp_avg"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert np.array_equal(back["model"]["weight"].data, obj["model"]["weight"].data)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        nn.load(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="cannot store"):
        nn.save({"x": object()}, tmp_path / "d.npz")


def test_train_eval_zero_grad_apply_requires_grad() -> None:
    m = Net()
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m and not any(mod.training for mod in m.modules())
    m.train()
    assert m.blocks[1].training
    m(Tensor(np.ones((2, 4), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 4
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")  # type: ignore[arg-type]


def test_zero_grad_set_to_none_false_zeroes() -> None:
    m = nn.Linear(2, 2)
    m(Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    m.zero_grad(set_to_none=False)
    assert np.all(m.weight.grad.data == 0)


def test_shared_parameters_listed_once() -> None:
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_modules())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_registration_errors_and_attribute_rules() -> None:
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", nn.Parameter(np.zeros(1)))
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.register_parameter("w", Tensor(np.zeros(1)))  # type: ignore[arg-type]
    m.w = nn.Parameter(np.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'ndarray' as parameter 'w'"):
        m.w = np.zeros(1)
    m.register_buffer("b", np.zeros(2))
    m.b = np.ones(2)  # assigning to a buffer replaces it (stored as a Tensor)
    assert isinstance(m.b, Tensor) and m.b.tolist() == [1.0, 1.0]
    del m.w
    assert list(m.named_parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = m.nope
    with pytest.raises(NotImplementedError, match="forward"):
        m(1)

    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module\.__init__"):
        Early()


def test_hooks_and_submodule_access() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.Identity())
    calls = []
    h = m[1].register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out * 2)
    x = Tensor(np.ones((1, 2), dtype=np.float32))
    assert_close(m(x), m[0](x) * 2)
    h.remove()
    assert_close(m(x), m[0](x))
    assert calls == [(1, 2)]
    assert m.get_submodule("0") is m[0] and m.get_parameter("0.bias") is m[0].bias
    with pytest.raises(AttributeError, match="no submodule '5'"):
        m.get_submodule("5")


def test_containers_behave_like_torch() -> None:
    seq = nn.Sequential(OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.Identity())]))
    assert [n for n, _ in seq.named_children()] == ["a", "b"]
    assert isinstance(seq[-1], nn.Identity) and len(seq[:1]) == 1
    with pytest.raises(IndexError, match="out of range"):
        seq[2]
    seq.append(nn.Linear(3, 1))
    assert len(seq) == 3
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ["0", "1"]
    ml = nn.ModuleList([nn.Identity()])
    ml += [nn.Linear(1, 1)]
    ml.insert(0, nn.Linear(2, 2))
    assert [type(x).__name__ for x in ml] == ["Linear", "Identity", "Linear"]
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    md = nn.ModuleDict({"x": nn.Identity()})
    md["y"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["x", "y"] and "y" in md
    assert isinstance(md.pop("x"), nn.Identity) and len(md) == 1
    with pytest.raises(KeyError, match="no key 'z'"):
        md["z"]


def test_to_double_casts_parameters_and_buffers() -> None:
    m = Net().double()
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.steps.dtype == np.int64  # integer buffers untouched
    with pytest.raises(TypeError, match="floating"):
        m.to(np.int32)
    assert m.to("cpu") is m and m.cpu() is m and m.fc1.weight.dtype == np.float64


def test_parameter_repr_and_defaults() -> None:
    p = nn.Parameter(np.zeros(2, dtype=np.float32))
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert p.requires_grad and isinstance(p, Tensor)
    assert not nn.Parameter(np.zeros(1), requires_grad=False).requires_grad


def test_deepcopy_and_pickle_give_independent_equal_models() -> None:
    import copy
    import pickle

    m = Net()
    x = Tensor(np.random.default_rng(4).standard_normal((2, 4)).astype(np.float32))
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert np.array_equal(clone(x).data, m(x).data)
        assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in clone.parameters())
        clone.fc1.weight.data[...] = 0  # a target network: changing it leaves the original alone
        assert not np.array_equal(clone(x).data, m(x).data)


def test_forward_pre_hook_can_replace_the_input() -> None:
    m = nn.Linear(2, 2).double()
    x = Tensor(np.ones((1, 2)))
    handle = m.register_forward_pre_hook(lambda mod, args: args[0] * 0)
    assert_close(m(x), m.bias.data[None, :])  # the layer saw zeros
    handle.remove()
    assert not np.allclose(m(x).data, m.bias.data)


def test_checkpoint_keys_that_are_numpy_argument_names(tmp_path) -> None:
    state = {"file": np.arange(3.0), "allow_pickle": np.ones((2, 2), dtype=np.float32)}
    nn.save(state, tmp_path / "odd.npz")
    back = nn.load(tmp_path / "odd.npz")
    assert list(back) == ["file", "allow_pickle"]
    assert np.array_equal(back["file"].data, state["file"])
    assert back["allow_pickle"].dtype == np.float32


# ---------------------------------------------------------------- hooks, as torch.nn.Module's


def _twin_linears() -> tuple[nn.Linear, torch.nn.Linear]:
    """A groundup Linear and a torch Linear with the same float64 weights."""
    g = nn.Linear(3, 2, generator=np.random.default_rng(0)).double()
    t = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(g.weight.data))
        t.bias.copy_(torch.from_numpy(g.bias.data))
    return g, t


def _register_all(m, log: list[str]) -> list:
    """The same five hooks on either library: replacements compose in registration order."""
    return [
        m.register_forward_pre_hook(lambda mod, args: log.append("pre1") or (args[0] * 2,)),
        m.register_forward_pre_hook(lambda mod, args: log.append("pre2") or args[0] + 1),
        m.register_forward_hook(lambda mod, args, out: log.append("post1") or out * 3),
        m.register_forward_hook(lambda mod, args, out: log.append("post2")),  # reads only
        m.register_forward_hook(
            lambda mod, args, out: log.append("post0") or out - 5, prepend=True
        ),
    ]


def test_hooks_order_and_replacement_match_torch() -> None:
    g, t = _twin_linears()
    x = np.random.default_rng(1).standard_normal((4, 3))
    log_g: list[str] = []
    log_t: list[str] = []
    handles_g = _register_all(g, log_g)
    handles_t = _register_all(t, log_t)
    out_g = g(Tensor(x))
    out_t = t(torch.from_numpy(x))
    assert log_g == log_t == ["pre1", "pre2", "post0", "post1", "post2"]
    assert_close(out_g, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    # ((W(2x + 1) + b) - 5) * 3: the hooks really replaced the values
    expected = ((2 * x + 1) @ g.weight.data.T + g.bias.data - 5) * 3
    assert np.allclose(out_g.data, expected, rtol=1e-12, atol=1e-12)
    # removing one hook in the middle: the others keep their order, the removed one is silent
    handles_g[2].remove()
    handles_t[2].remove()
    log_g.clear()
    log_t.clear()
    assert_close(g(Tensor(x)), t(torch.from_numpy(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    assert log_g == log_t == ["pre1", "pre2", "post0", "post2"]
    for h in handles_g:
        h.remove()
    h = handles_g[0]
    h.remove()  # removing twice is harmless, as in torch
    assert not g._forward_hooks and not g._forward_pre_hooks
    assert np.array_equal(g(Tensor(x)).data, x @ g.weight.data.T + g.bias.data)


def test_a_hook_returning_its_input_changes_nothing_and_gradients_flow() -> None:
    from groundup.architectures.lenet import LeNet5

    net = LeNet5(generator=np.random.default_rng(0))
    x = Tensor(np.random.default_rng(1).standard_normal((2, 1, 28, 28)).astype(np.float32))
    ref = net(x).data.copy()
    handles = [m.register_forward_hook(lambda mod, args, out: out) for m in net.modules()]
    handles += [m.register_forward_pre_hook(lambda mod, args: args) for m in net.modules()]
    assert np.array_equal(net(x).data, ref)  # bit for bit
    x.requires_grad_(True)
    net(x).sum().backward()
    assert x.grad is not None and np.abs(x.grad.data).sum() > 0
    for h in handles:
        h.remove()


def test_hook_handle_is_a_context_manager_and_kwargs_hooks() -> None:
    g, _ = _twin_linears()
    x = np.ones((1, 3))
    seen = []
    with g.register_forward_hook(lambda mod, args, out: seen.append(out.shape)):
        g(Tensor(x))
    g(Tensor(x))
    assert seen == [(1, 2)]  # fired inside the block only

    # with_kwargs: the hook sees keyword arguments and may replace them (torch's contract)
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    class TScale(torch.nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    results = []
    for m, wrap in ((Scale(), Tensor), (TScale(), torch.from_numpy)):
        m.register_forward_pre_hook(
            lambda mod, args, kwargs: (args, {"factor": kwargs["factor"] * 10}), with_kwargs=True
        )
        m.register_forward_hook(
            lambda mod, args, kwargs, out: out + kwargs["factor"], with_kwargs=True
        )
        results.append(
            np.asarray(m(wrap(x), factor=2.0).data if wrap is Tensor else m(wrap(x), factor=2.0))
        )
    assert np.array_equal(results[0], results[1]) and results[0][0, 0] == 40.0
    bad = Scale()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"with_kwargs=True must return None or a tuple"):
        bad(Tensor(x))
    with pytest.raises(TypeError, match="hook must be callable"):
        g.register_forward_hook(None)
