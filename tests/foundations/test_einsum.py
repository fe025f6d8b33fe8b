"""``einsum`` (``groundup.foundations.ops.einsum``) against ``torch.einsum``.

Forward values, gradients, Hessian-vector products (the backward is itself an einsum, so
it must be differentiable) and a float64 finite-difference check, on the equations a
learner meets in papers and on random equations with diagonals, lone letters and
broadcasting; and every malformed equation raises an error that names the problem.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from groundup import Tensor, einsum, grad
from groundup.foundations.ops.einsum import parse_equation
from tests.foundations.foundations_oracle import DTYPES, check_op, normal, seeds

PAPER_EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),  # matrix product
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),  # batched
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),  # attention output
    ("ii->", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("ij->ji", [(2, 3)]),  # transpose
    ("ij->", [(2, 3)]),  # sum
    ("ij->j", [(2, 3)]),  # column sums
    ("i,i->", [(4,), (4,)]),  # dot product
    ("i,j->ij", [(2,), (3,)]),  # outer product
    ("ij,j->i", [(2, 3), (3,)]),  # matrix-vector
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output: ik
    ("ba", [(2, 3)]),  # implicit: ab, a transpose
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),  # broadcast batch
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),  # size-1 broadcast
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),  # bilinear (three operands)
    ("iij->j", [(2, 2, 3)]),  # diagonal summed
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("equation", "shapes"), PAPER_EQUATIONS, ids=[e for e, _ in PAPER_EQUATIONS]
)
def test_paper_equations_match_torch(equation, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [normal(rng, s) for s in shapes]
    check_op(
        lambda *xs: einsum(equation, *xs), lambda *ts: torch.einsum(equation, *ts), arrays, dtype
    )


@st.composite
def equations(draw):
    """A random equation: 1-3 operands over letters a-d, repeats, lone letters, any output."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    specs = [
        "".join(draw(st.lists(st.sampled_from("abcd"), min_size=0, max_size=3)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    used = sorted(set("".join(specs)))
    if draw(st.booleans()):
        out = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
        equation = ",".join(specs) + "->" + out
    else:
        equation = ",".join(specs)
    return equation, [tuple(sizes[c] for c in s) for s in specs]


@settings(deadline=None, max_examples=60)
@given(eq=equations(), seed=seeds)
def test_random_equations_match_torch(eq, seed):
    equation, shapes = eq
    rng = np.random.default_rng(seed)
    arrays = [normal(rng, s) for s in shapes]
    check_op(
        lambda *xs: einsum(equation, *xs),
        lambda *ts: torch.einsum(equation, *ts),
        arrays,
        np.float64,
        seed=seed,
    )


def test_only_the_operands_that_require_grad_get_one():
    rng = np.random.default_rng(1)
    a, b = normal(rng, (2, 3)), normal(rng, (3, 4))
    check_op(
        lambda x, y: einsum("ij,jk->ik", x, y),
        lambda x, y: torch.einsum("ij,jk->ik", x, y),
        [a, b],
        requires_grad=[False, True],
    )


def test_second_derivative_of_a_quadratic_form():
    # f(x) = x^T A x; grad = (A + A^T) x; Hessian = A + A^T
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    (g,) = grad(einsum("i,ij,j->", x, Tensor(A), x), x, create_graph=True)
    np.testing.assert_allclose(g.data, (A + A.T) @ x.data)
    rows = [grad(g[i], x, retain_graph=True)[0].data for i in range(2)]
    np.testing.assert_allclose(np.stack(rows), A + A.T)


def test_parse_spells_out_the_ellipsis_and_the_implicit_output():
    assert parse_equation("ij,jk", ((2, 3), (3, 4))) == (("ij", "jk"), "ik")
    assert parse_equation("ba", ((2, 3),)) == (("ba",), "ab")
    specs, out = parse_equation("...ij,...jk->...ik", ((7, 5, 2, 3), (3, 4)))
    assert specs[1] == "jk" and len(specs[0]) == 4 and out == specs[0][:2] + "ik"


@pytest.mark.parametrize(
    ("equation", "shapes", "message"),
    [
        ("ij,jk->ik", [(2, 3)], "names 2 operands, got 1"),
        ("ijk->i", [(2, 3)], r"operand 0 has 2 axes \(shape \(2, 3\)\) but its subscripts 'ijk'"),
        (
            "ij,jk->ik",
            [(2, 3), (4, 5)],
            "letter 'j' of 'ij,jk->ik' has size 3 in one operand and 4",
        ),
        ("ij->k", [(2, 3)], "output letter 'k'"),
        ("ij->ii", [(2, 3)], "output letter 'i'"),
        ("ii->i", [(2, 3)], "letter 'i' repeats in operand 0"),
        ("i1->i", [(2, 3)], "must be letters"),
    ],
)
def test_malformed_equations_name_the_problem(equation, shapes, message):
    xs = [Tensor(np.ones(s)) for s in shapes]
    with pytest.raises(ValueError, match=message):
        einsum(equation, *xs)


def test_mixed_dtypes_raise_as_torch():
    with pytest.raises(TypeError, match="same dtype"):
        einsum("i,i->", Tensor(np.ones(2, np.float32)), Tensor(np.ones(2, np.float64)))
    with pytest.raises(RuntimeError):
        torch.einsum("i,i->", torch.ones(2), torch.ones(2, dtype=torch.float64))


def test_a_list_of_operands_is_accepted_as_torch_does():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))
    np.testing.assert_array_equal(einsum("ij,jk->ik", [a, b]).data, np.full((2, 2), 3.0))
