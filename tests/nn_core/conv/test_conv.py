"""conv2d, conv1d and conv_transpose2d against PyTorch: values, all gradients, grad of grad."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import groundup
from groundup import Tensor
from groundup.foundations.gradient_check import gradient_check
from groundup.nn_core.conv.conv1d import Conv1d, conv1d
from groundup.nn_core.conv.conv2d import Conv2d, conv2d
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d, conv_transpose2d
from tests.helpers import assert_close, to_torch

# torch warns that its own 'same' padding with even kernels copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


@st.composite
def conv_cases(draw: st.DrawFn) -> dict:
    """A random but valid conv2d configuration (shapes, stride, padding, dilation, groups)."""
    groups = draw(st.integers(1, 3))
    c_g, o_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(
        st.one_of(
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.sampled_from(["same", "valid"]),
        )
    )
    stride = (
        1
        if padding == "same"
        else draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    )
    ph, pw = (
        (0, 0)
        if isinstance(padding, str)
        else ((padding, padding) if isinstance(padding, int) else padding)
    )
    # the padded input must hold at least one dilated kernel
    H = max(1, dh * (kh - 1) + 1 - 2 * ph + draw(st.integers(0, 5)))
    W = max(1, dw * (kw - 1) + 1 - 2 * pw + draw(st.integers(0, 5)))
    return {
        "x": (draw(st.integers(1, 3)), c_g * groups, H, W),
        "w": (o_g * groups, c_g, kh, kw),
        "stride": stride,
        "padding": padding,
        "dilation": (dh, dw),
        "groups": groups,
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }


def _conv_args(case: dict) -> dict:
    return {k: case[k] for k in ("stride", "padding", "dilation", "groups")}


def _tensors(case: dict, dtype: type = np.float64) -> list[Tensor]:
    rng = np.random.default_rng(case["seed"])
    shapes = [case["x"], case["w"]] + ([(case["w"][0],)] if case["bias"] else [])
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def _check_against_torch(fn, fn_t, inputs: list[Tensor], kwargs: dict) -> None:
    """Forward, then backward of sum(y * r): values and every gradient equal torch's."""
    y = fn(*inputs, **kwargs)
    r = np.random.default_rng(1).standard_normal(y.shape).astype(y.dtype)
    (y * Tensor(r)).sum().backward()
    ts = [to_torch(t) for t in inputs]
    y_t = fn_t(*ts, **kwargs)
    (y_t * torch.from_numpy(r)).sum().backward()
    assert_close(y, y_t, msg="forward")
    for i, (a, b) in enumerate(zip(inputs, ts)):
        assert_close(a.grad, b.grad, msg=f"gradient of input {i}")


@given(conv_cases())
def test_conv2d_matches_torch_float64(case: dict) -> None:
    _check_against_torch(conv2d, F.conv2d, _tensors(case), _conv_args(case))


@given(conv_cases())
def test_conv2d_matches_torch_float32(case: dict) -> None:
    inputs = _tensors(case, np.float32)
    y = conv2d(*inputs, **_conv_args(case))
    assert y.dtype == np.float32
    _check_against_torch(conv2d, F.conv2d, inputs, _conv_args(case))


@st.composite
def transposed_cases(draw: st.DrawFn) -> dict:
    groups = draw(st.integers(1, 3))
    c_g, o_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    oph = draw(st.integers(0, max(sh, dh) - 1))
    opw = draw(st.integers(0, max(sw, dw) - 1))
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    # keep the output size positive: (H-1)s - 2p + d(k-1) + op + 1 >= 1
    ph = min(ph, ((H - 1) * sh + dh * (kh - 1) + oph) // 2)
    pw = min(pw, ((W - 1) * sw + dw * (kw - 1) + opw) // 2)
    return {
        "x": (draw(st.integers(1, 3)), c_g * groups, H, W),
        "w": (c_g * groups, o_g, kh, kw),
        "kwargs": {
            "stride": (sh, sw),
            "padding": (ph, pw),
            "output_padding": (oph, opw),
            "groups": groups,
            "dilation": (dh, dw),
        },
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }


@given(transposed_cases())
def test_conv_transpose2d_matches_torch_float64(case: dict) -> None:
    rng = np.random.default_rng(case["seed"])
    shapes = [case["x"], case["w"]] + (
        [(case["w"][1] * case["kwargs"]["groups"],)] if case["bias"] else []
    )
    inputs = [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    _check_against_torch(conv_transpose2d, F.conv_transpose2d, inputs, case["kwargs"])


@given(
    st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2),
    st.sampled_from([0, 1, 2, "same", "valid"]), st.integers(1, 2), st.integers(0, 2**16),
)  # fmt: skip
def test_conv1d_matches_torch(groups, k, stride, dilation, padding, c_g, seed) -> None:
    if padding == "same":
        stride = 1
    rng = np.random.default_rng(seed)
    L = dilation * (k - 1) + 1 + int(rng.integers(0, 6))
    shapes = [(2, c_g * groups, L), (2 * groups, c_g, k), (2 * groups,)]
    inputs = [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    _check_against_torch(conv1d, F.conv1d, inputs, kwargs)


@pytest.mark.parametrize(
    "fn, shapes, kwargs",
    [
        (conv2d, [(2, 4, 6, 5), (6, 2, 3, 2), (6,)], {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}),
        (conv2d, [(1, 3, 5, 5), (3, 1, 3, 3)], {"padding": "same", "groups": 3}),  # depthwise
        (conv_transpose2d, [(2, 2, 3, 3), (2, 3, 3, 2), (3,)], {"stride": 2, "padding": 1, "output_padding": 1}),
        (conv1d, [(2, 2, 7), (3, 2, 3), (3,)], {"stride": 2, "padding": 1}),
    ],
)  # fmt: skip
def test_conv_finite_differences(fn, shapes, kwargs) -> None:
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    report = gradient_check(lambda *ts: fn(*ts, **kwargs), inputs)
    assert report.passed, str(report)


@pytest.mark.parametrize("fn_name", ["conv2d", "conv_transpose2d"])
def test_double_backward_hessian_vector_product_matches_torch(fn_name: str) -> None:
    """grad of grad through the convolution: d/d(x, w) of <dL/dx, v>, as WGAN-GP needs."""
    fn, fn_t = {
        "conv2d": (conv2d, F.conv2d),
        "conv_transpose2d": (conv_transpose2d, F.conv_transpose2d),
    }[fn_name]
    rng = np.random.default_rng(3)
    kwargs = {"stride": 2, "padding": 1, "groups": 2}
    channels = 6 if fn_name == "conv2d" else 4  # (O, C/G) = (4, 3) vs (C_in, C_out/G) = (4, 3)
    x = Tensor(rng.standard_normal((2, channels, 5, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = fn(x, w, **kwargs)
    v = rng.standard_normal(x.shape)
    loss = (y * y * y).sum()  # cubic, so the Hessian depends on (x, w)
    (gx,) = groundup.grad(loss, x, create_graph=True)
    (gx * Tensor(v)).sum().backward()

    xt, wt = to_torch(x), to_torch(w)
    yt = fn_t(xt, wt, **kwargs)
    (gxt,) = torch.autograd.grad((yt**3).sum(), xt, create_graph=True)
    hx, hw = torch.autograd.grad((gxt * torch.from_numpy(v)).sum(), (xt, wt))
    assert_close(gx, gxt, msg="first gradient")
    assert_close(x.grad, hx, msg="Hessian-vector product w.r.t. x")
    assert_close(w.grad, hw, msg="mixed second derivative w.r.t. w")


def test_conv_layers_match_torch_modules_after_copying_weights() -> None:
    rng = np.random.default_rng(0)
    pairs = [
        (Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2), torch.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2)),
        (ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1), torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)),
        (Conv1d(4, 6, 3, padding="same", bias=False), torch.nn.Conv1d(4, 6, 3, padding="same", bias=False)),
    ]  # fmt: skip
    for layer, layer_t in pairs:
        assert [(n, p.shape) for n, p in layer.named_parameters()] == [
            (n, tuple(p.shape)) for n, p in layer_t.named_parameters()
        ]
        layer_t.load_state_dict(
            {k: torch.from_numpy(v.data) for k, v in layer.state_dict().items()}
        )
        x = rng.standard_normal(
            (2, 4, 5, 5) if isinstance(layer, Conv2d | ConvTranspose2d) else (2, 4, 9)
        )
        x = x.astype(np.float32)
        assert_close(layer(Tensor(x)), layer_t(torch.from_numpy(x)))


def test_default_init_has_pytorch_bounds() -> None:
    layer = Conv2d(8, 16, 3, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(8 * 9)  # kaiming_uniform(a=sqrt(5)) and the bias both give 1/sqrt(fan_in)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.9 * bound


def test_channel_mismatch_names_expected_and_received_channels() -> None:
    x, w = Tensor(np.zeros((2, 5, 8, 8))), Tensor(np.zeros((6, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"expected input with 3 channels.*got 5 channels"):
        conv2d(x, w)
    with pytest.raises(ValueError, match=r"expected input with 6 channels.*got 5 channels"):
        conv2d(x, Tensor(np.zeros((6, 3, 3, 3))), groups=2)
    with pytest.raises(ValueError, match=r"expected input with 4 channels.*got 5 channels"):
        conv_transpose2d(x, Tensor(np.zeros((4, 2, 3, 3))))
    with pytest.raises(ValueError, match=r"divisible by groups=2"):
        Conv2d(3, 4, 3, groups=2)


def test_input_smaller_than_kernel_says_so() -> None:
    with pytest.raises(
        ValueError, match=r"input of spatial size \(4, 4\).*smaller than the kernel \(5, 5\)"
    ):
        conv2d(Tensor(np.zeros((1, 1, 4, 4))), Tensor(np.zeros((1, 1, 5, 5))))
    # dilation makes the kernel span larger: 3 taps with gaps of 2 cover 5 pixels
    with pytest.raises(ValueError, match=r"smaller than the kernel \(5, 5\).*dilation \(2, 2\)"):
        conv2d(Tensor(np.zeros((1, 1, 4, 4))), Tensor(np.zeros((1, 1, 3, 3))), dilation=2)


def test_bad_arguments_are_named() -> None:
    x, w = Tensor(np.zeros((1, 1, 6, 6))), Tensor(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"bias must have shape \(1,\)"):
        conv2d(x, w, Tensor(np.zeros(2)))
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"4-D input"):
        conv2d(Tensor(np.zeros((6, 6))), w)


def test_unbatched_input_is_accepted_as_in_torch() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 6, 6)), rng.standard_normal((2, 3, 3, 3))
    assert_close(
        conv2d(Tensor(x), Tensor(w), padding=1),
        F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1),
    )


@pytest.mark.parametrize("padding", [0, 1])
def test_im2col_rows_are_the_patches_for_either_memory_layout(padding: int) -> None:
    """Row (n, h, w) of group g holds x~[n, g*C/G + c, s*h + i, s*w + j] at column (i, j, c),
    whether x is NCHW or channels-last in memory (unpadded NCHW input is transposed first)."""
    from groundup.nn_core.conv.conv2d import conv2d_geometry
    from groundup.nn_core.conv.im2col import channels_last, im2col

    x = np.random.default_rng(0).standard_normal((2, 4, 6, 5))  # (N, C, H, W), NCHW
    geometry = conv2d_geometry(x.shape, (4, 2, 3, 2), stride=(2, 1), padding=padding, groups=2)
    (Ho, Wo), (s_h, s_w) = geometry.out_size, geometry.stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    expected = np.empty((2, 2 * Ho * Wo, 3 * 2 * 2))  # (G, N*Ho*Wo, kh*kw*C/G)
    for g in range(2):
        for n in range(2):
            for h in range(Ho):
                for w in range(Wo):
                    patch = x_pad[
                        n, 2 * g : 2 * g + 2, s_h * h : s_h * h + 3, s_w * w : s_w * w + 2
                    ]
                    expected[g, (n * Ho + h) * Wo + w] = patch.transpose(1, 2, 0).ravel()
    x_last = channels_last(x)
    assert x_last.transpose(0, 2, 3, 1).flags.c_contiguous and np.array_equal(x_last, x)
    for layout in (x, x_last):
        for reuse in (False, True):
            np.testing.assert_array_equal(im2col(layout, geometry, reuse=reuse), expected)
