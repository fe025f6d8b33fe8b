"""Splits, minibatches and scalers: sizes as scikit-learn's, stratification within one sample,
scalers equal to scikit-learn's (rtol 1e-12 in float64), clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.model_selection as skms
import sklearn.preprocessing as skp
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone

from groundup.utils.data_utils import (
    MinMaxScaler,
    OneHotEncoder,
    StandardScaler,
    _allocate,
    iterate_minibatches,
    one_hot,
    train_test_split,
    train_val_test_split,
)

# ---------------------------------------------------------------------------- splitting


def _assert_within_one_per_class(y: np.ndarray, parts: list[np.ndarray]) -> None:
    classes, counts = np.unique(y, return_counts=True)
    n = len(y)
    assert sum(len(p) for p in parts) == n
    for part in parts:
        got = np.array([(part == c).sum() for c in classes])
        ideal = counts * len(part) / n
        assert np.all(np.abs(got - ideal) < 1), (got, ideal)


@given(
    st.integers(2, 60),
    st.one_of(st.floats(0.05, 0.9), st.integers(1, 10)),
    st.booleans(),
    st.integers(0, 1000),
)
def test_train_test_split_sizes_match_sklearn_and_partition(n, test_size, shuffle, seed) -> None:
    X = np.arange(2 * n).reshape(n, 2)
    y = np.arange(n)
    try:
        expected = skms.train_test_split(y, test_size=test_size, shuffle=shuffle, random_state=0)
    except ValueError:
        with pytest.raises(ValueError):
            train_test_split(X, y, test_size=test_size, shuffle=shuffle, rng=seed)
        return
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, shuffle=shuffle, rng=seed)
    assert (len(y_tr), len(y_te)) == tuple(len(e) for e in expected)
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(n))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay aligned across arrays
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    if not shuffle:  # in order, as sklearn's
        np.testing.assert_array_equal(y_tr, expected[0])
        np.testing.assert_array_equal(y_te, expected[1])


def test_train_size_and_test_size_together_match_sklearn() -> None:
    y = np.arange(50)
    for test_size, train_size in [(0.2, 0.5), (7, 20), (None, 0.6), (None, 12)]:
        ours = train_test_split(y, test_size=test_size, train_size=train_size, rng=0)
        ref = skms.train_test_split(y, test_size=test_size, train_size=train_size, random_state=0)
        assert [len(a) for a in ours] == [len(a) for a in ref]


def test_splits_are_reproducible_from_the_rng() -> None:
    y = np.arange(40)
    a = train_val_test_split(y, val_size=0.25, test_size=0.25, rng=3)
    b = train_val_test_split(y, val_size=0.25, test_size=0.25, rng=np.random.default_rng(3))
    c = train_val_test_split(y, val_size=0.25, test_size=0.25, rng=4)
    for x, z in zip(a, b):
        np.testing.assert_array_equal(x, z)
    assert not all(np.array_equal(x, z) for x, z in zip(a, c))


@st.composite
def labels_and_sizes(draw: st.DrawFn) -> tuple[np.ndarray, float | int, float | int]:
    counts = draw(st.lists(st.integers(1, 25), min_size=1, max_size=6))
    y = np.repeat(np.arange(len(counts)) * 10, counts)  # labels 0, 10, 20, ...
    y = np.random.default_rng(draw(st.integers(0, 99))).permutation(y)
    n = len(y)
    val = draw(st.one_of(st.floats(0.05, 0.4), st.integers(0, max(0, n // 3))))
    test = draw(st.one_of(st.floats(0.05, 0.4), st.integers(1, max(1, n // 3))))
    return y, val, test


@given(labels_and_sizes(), st.booleans())
def test_stratified_three_way_split_keeps_class_shares_within_one(data, shuffle) -> None:
    y, val_size, test_size = data
    try:
        y_tr, y_va, y_te = train_val_test_split(
            y, val_size=val_size, test_size=test_size, stratify=y, shuffle=shuffle, rng=0
        )
    except ValueError as err:  # only when the train part would be empty
        assert "train set must not be empty" in str(err)
        return
    _assert_within_one_per_class(y, [y_tr, y_va, y_te])


@given(labels_and_sizes())
def test_stratified_train_test_split_keeps_class_shares_within_one(data) -> None:
    y, _, test_size = data
    X = np.arange(len(y))
    try:
        X_tr, _, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y, rng=1)
    except ValueError:
        return
    np.testing.assert_array_equal(y[X_tr], y_tr)
    _assert_within_one_per_class(y, [y_tr, y_te])
    assert len(y_te) == len(skms.train_test_split(y, test_size=test_size, random_state=0)[1])


def test_allocation_needs_an_augmenting_path_and_finds_it() -> None:
    # Largest remainder alone gets stuck here; the max-flow completion must fix it.
    counts, sizes = np.array([2, 4, 2]), np.array([2, 3, 3])
    k = _allocate(counts, sizes)
    assert k.sum(axis=1).tolist() == counts.tolist() and k.sum(axis=0).tolist() == sizes.tolist()
    assert np.all(np.abs(k - np.outer(counts, sizes) / 8) < 1)


def test_split_errors_name_the_arguments() -> None:
    X, y = np.zeros((10, 2)), np.zeros(9)
    with pytest.raises(
        ValueError,
        match=r"arrays\[0\] and arrays\[1\] must have the same length.*\(10, 2\).*\(9,\)",
    ):
        train_test_split(X, y)
    with pytest.raises(ValueError, match=r"test_size=1.5 should be a float in the \(0, 1\) range"):
        train_test_split(X, test_size=1.5)
    with pytest.raises(ValueError, match="train set must not be empty"):
        train_val_test_split(X, val_size=5, test_size=5)
    with pytest.raises(ValueError, match=r"arrays\[0\] and stratify must have the same length"):
        train_val_test_split(X, val_size=2, test_size=2, stratify=np.zeros(3))
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()


# ---------------------------------------------------------------------------- minibatches


@given(st.integers(1, 40), st.integers(1, 12), st.booleans(), st.booleans())
def test_iterate_minibatches_visits_every_row_once(n, batch_size, shuffle, drop_last) -> None:
    X, y = np.arange(3 * n).reshape(n, 3), np.arange(n)
    batches = list(
        iterate_minibatches(
            X, y, batch_size=batch_size, shuffle=shuffle, rng=0, drop_last=drop_last
        )
    )
    sizes = [len(yb) for _, yb in batches]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([] if drop_last or rest == 0 else [rest])
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
    assert len(set(seen.tolist())) == len(seen) == sum(sizes)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 3 * yb)
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_minibatches_reproducible_and_single_array() -> None:
    a = [b.tolist() for b in iterate_minibatches(np.arange(10), batch_size=3, rng=5)]
    b = [b.tolist() for b in iterate_minibatches(np.arange(10), batch_size=3, rng=5)]
    flat = [v for batch in a for v in batch]
    assert a == b and sorted(flat) == list(range(10)) and flat != list(range(10))
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        next(iterate_minibatches(np.arange(3), batch_size=0))


# ---------------------------------------------------------------------------- scalers


@st.composite
def feature_matrices(draw: st.DrawFn) -> np.ndarray:
    """Random data with some constant and near-constant columns, as scalers meet them."""
    n = draw(st.integers(1, 30))
    f = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n, f)) * rng.choice([1e-3, 1.0, 1e3], f) + rng.choice([0, 5, 1e5], f)
    kinds = draw(st.lists(st.sampled_from(["random", "constant", "near"]), min_size=f, max_size=f))
    for j, kind in enumerate(kinds):
        if kind == "constant":
            X[:, j] = X[0, j]
        elif kind == "near":
            X[:, j] = 0.1 + 1e-17 * rng.standard_normal(n)
    return X


@given(feature_matrices(), st.booleans(), st.booleans())
def test_standard_scaler_matches_sklearn(X, with_mean, with_std) -> None:
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    ref = skp.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    for name in ("mean_", "var_", "scale_"):
        a, e = getattr(ours, name), getattr(ref, name)
        assert (a is None) == (e is None), name
        if a is not None:
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=0, err_msg=name)
    Z = np.random.default_rng(1).standard_normal((4, X.shape[1])) * 3 + X.mean(axis=0)
    for data in (X, Z):
        np.testing.assert_allclose(
            ours.transform(data), ref.transform(data), rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(
            ours.inverse_transform(data), ref.inverse_transform(data), rtol=1e-12, atol=1e-12
        )
    assert ours.n_samples_seen_ == ref.n_samples_seen_ and ours.n_features_in_ == X.shape[1]


@given(
    feature_matrices(),
    st.sampled_from([(0, 1), (-1, 1), (2.5, 7.0)]),
    st.booleans(),
)
def test_min_max_scaler_matches_sklearn(X, feature_range, clip) -> None:
    ours = MinMaxScaler(feature_range=feature_range, clip=clip).fit(X)
    ref = skp.MinMaxScaler(feature_range=feature_range, clip=clip).fit(X)
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(ref, name), rtol=1e-12, err_msg=name
        )
    Z = np.random.default_rng(2).standard_normal((5, X.shape[1])) * 10
    for data in (X, Z):
        np.testing.assert_allclose(
            ours.transform(data), ref.transform(data), rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(
            ours.inverse_transform(data), ref.inverse_transform(data), rtol=1e-12, atol=1e-9
        )


def test_scalers_keep_float32_and_match_sklearn() -> None:
    X = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32) * 4 + 2
    for ours, ref in (
        (StandardScaler(), skp.StandardScaler()),
        (MinMaxScaler(), skp.MinMaxScaler()),
    ):
        out = ours.fit_transform(X)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref.fit_transform(X), rtol=1e-5, atol=1e-6)


def test_scalers_follow_sklearn_estimator_conventions() -> None:
    est = StandardScaler(with_mean=False)
    assert est.get_params() == {"with_mean": False, "with_std": True}
    assert (
        repr(est) == "StandardScaler(with_mean=False)"
    )  # scikit-learn's repr: changed params only
    assert repr(est) == repr(skp.StandardScaler(with_mean=False))
    assert clone(est).get_params() == est.get_params()
    assert MinMaxScaler().set_params(clip=True).clip is True
    with pytest.raises(ValueError, match="Invalid parameter 'bogus' for estimator MinMaxScaler"):
        MinMaxScaler().set_params(bogus=1)


@pytest.mark.parametrize("est", [StandardScaler(), MinMaxScaler(), OneHotEncoder()], ids=repr)
def test_transform_before_fit_is_a_not_fitted_error(est) -> None:
    from groundup.classical_ml.base import NotFittedError

    with pytest.raises(
        NotFittedError, match=f"This {type(est).__name__} instance is not fitted yet"
    ):
        est.transform(np.zeros((2, 1)))


def test_scaler_input_errors() -> None:
    sc = StandardScaler().fit(np.zeros((4, 3)))
    with pytest.raises(
        ValueError, match=r"X has 2 features, but StandardScaler is expecting 3 features.*\(5, 2\)"
    ):
        sc.transform(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"X: expected a 2D array .* got shape \(4,\)"):
        StandardScaler().fit(np.zeros(4))
    with pytest.raises(
        ValueError, match=r"X contains NaN or infinity \(first at row, column \[1, 0\]\)"
    ):
        StandardScaler().fit(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        MinMaxScaler().fit(np.array([[np.inf, 1.0]]))
    with pytest.raises(ValueError, match="found array with 0 samples"):
        MinMaxScaler().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"feature_range: the minimum must be smaller .* \(1, 0\)"):
        MinMaxScaler(feature_range=(1, 0)).fit(np.zeros((2, 2)))


# ---------------------------------------------------------------------------- one-hot


@given(st.lists(st.integers(0, 6), min_size=1, max_size=20), st.integers(0, 3))
def test_one_hot_matches_torch(labels, extra) -> None:
    y = np.array(labels)
    for k in (-1, int(y.max()) + 1 + extra):
        expected = torch.nn.functional.one_hot(torch.from_numpy(y), num_classes=k).numpy()
        out = one_hot(y, num_classes=k)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, expected)
    assert one_hot(y.reshape(-1, 1), 7, dtype=np.float32).shape == (len(y), 1, 7)


def test_one_hot_errors() -> None:
    with pytest.raises(ValueError, match="labels: class 3 is out of range for num_classes=3"):
        one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="labels must be non-negative class indices, got -1"):
        one_hot([0, -1])
    with pytest.raises(ValueError, match="labels must be integers, got dtype float64"):
        one_hot([0.0, 1.0])


@given(st.lists(st.sampled_from(["cat", "dog", "emu", "yak"]), min_size=1, max_size=20))
def test_one_hot_encoder_matches_sklearn(labels) -> None:
    y = np.array(labels)
    ours = OneHotEncoder().fit(y)
    ref = skp.OneHotEncoder(sparse_output=False).fit(y.reshape(-1, 1))
    np.testing.assert_array_equal(ours.classes_, ref.categories_[0])
    Y = ours.transform(y)
    np.testing.assert_array_equal(Y, ref.transform(y.reshape(-1, 1)))
    np.testing.assert_array_equal(ours.fit_transform(y.reshape(-1, 1)), Y)
    np.testing.assert_array_equal(ours.inverse_transform(Y), y)
    np.testing.assert_array_equal(ours.inverse_transform(Y), ref.inverse_transform(Y).ravel())


def test_one_hot_encoder_errors() -> None:
    enc = OneHotEncoder().fit([3, 1, 3])
    with pytest.raises(
        ValueError, match=r"y contains labels not seen in fit: \[2, 7\] \(known: \[1, 3\]\)"
    ):
        enc.transform([1, 2, 7])
    with pytest.raises(
        ValueError, match=r"X: expected shape \(n, 2\) \(one column per class\), got \(1, 3\)"
    ):
        enc.inverse_transform([[0, 1, 0]])
    with pytest.raises(
        ValueError, match=r"y: expected labels of shape \(n,\) or \(n, 1\), got shape \(2, 2\)"
    ):
        enc.transform([[1, 3], [3, 1]])
