r"""Decision trees by CART: DecisionTreeClassifier and DecisionTreeRegressor.

A tree splits the data recursively; each split picks the feature $j$ and threshold $\tau$
that most reduce the weighted impurity (Breiman et al., 1984),

$$ \Delta(t) = W_t H(t) - W_L H(L) - W_R H(R), $$

with $H$ the Gini index $1-\sum_k p_k^2$, the entropy $-\sum_k p_k\log_2 p_k$, or (regression)
the variance of $y$. A leaf predicts its class fractions $p_k$ or its mean $\bar y$. The search
itself lives in :mod:`._tree_split`: all thresholds of all features of all nodes of one depth
are scored at once by sorting and cumulative sums.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
>>> tree = DecisionTreeClassifier().fit(X, [0, 0, 1, 1])
>>> float(tree.tree_.threshold[0]), tree.predict([[0.4], [2.6]]).tolist()
(1.5, [0, 1])
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from groundup.classical_ml.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_classification_targets,
    check_is_fitted,
    validate_data,
)
from groundup.classical_ml.classification._tree_split import TreeArrays, grow_trees
from groundup.utils.seeding import make_rng

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]


def resolve_max_features(max_features: Any, n_features: int) -> int:
    """Number of features searched per split: int, float fraction, "sqrt", "log2" or None (all)."""
    if max_features is None:
        return n_features
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(np.sqrt(n_features)))
        if max_features == "log2":
            return max(1, int(np.log2(n_features)))
        raise ValueError(
            f"max_features must be an int, a float in (0, 1], 'sqrt', 'log2' or None; "
            f"got {max_features!r}."
        )
    if isinstance(max_features, numbers.Integral) and not isinstance(max_features, bool):
        if not 1 <= max_features <= n_features:
            raise ValueError(
                f"max_features == {max_features} must be in [1, n_features={n_features}]."
            )
        return int(max_features)
    if isinstance(max_features, numbers.Real) and 0.0 < max_features <= 1.0:
        return max(1, int(max_features * n_features))
    raise ValueError(
        f"max_features must be an int, a float in (0, 1], 'sqrt', 'log2' or None; "
        f"got {max_features!r}."
    )


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray:
    """Sample weights as a float64 array of shape (n_samples,) (ones when None)."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, float(sample_weight))
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n_samples},) to match X's samples."
        )
    if not np.all(np.isfinite(sw)) or np.any(sw < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(sw > 0):
        raise ValueError(
            "sample_weight must not be all zero: at least one weight must be positive."
        )
    return sw


class _BaseDecisionTree(BaseEstimator):
    """Hyper-parameter checks, growth and traversal shared by both trees."""

    _criteria: tuple[str, ...] = ()

    def _check_params(self) -> None:
        if self.criterion not in self._criteria:
            raise ValueError(f"criterion must be one of {self._criteria}, got {self.criterion!r}.")
        if self.max_depth is not None and (
            not isinstance(self.max_depth, numbers.Integral) or self.max_depth < 1
        ):
            raise ValueError(f"max_depth must be None or an int >= 1, got {self.max_depth!r}.")
        for name, low in (("min_samples_split", 2), ("min_samples_leaf", 1)):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or v < low:
                raise ValueError(f"{name} must be an int >= {low}, got {v!r}.")
        if self.min_impurity_decrease < 0:
            raise ValueError(
                f"min_impurity_decrease must be >= 0, got {self.min_impurity_decrease!r}."
            )

    def _grow(
        self, X: np.ndarray, y: np.ndarray, weights: np.ndarray, n_classes: int, rng: Any
    ) -> list[TreeArrays]:
        """Grow one tree per row of ``weights`` (n_trees, n_samples)."""
        return grow_trees(
            X,
            y,
            weights,
            criterion=self.criterion,
            n_classes=n_classes,
            max_depth=self.max_depth,
            min_samples_split=int(self.min_samples_split),
            min_samples_leaf=int(self.min_samples_leaf),
            max_features=resolve_max_features(self.max_features, X.shape[1]),
            min_impurity_decrease=float(self.min_impurity_decrease),
            rng=make_rng(rng),
        )

    def _validate_X_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "tree_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def apply(self, X: Any) -> np.ndarray:
        """Index of the leaf each sample ends in; X (n, n_features) -> (n,)."""
        return self.tree_.apply(self._validate_X_predict(X))

    def get_depth(self) -> int:
        """Depth of the tree (a lone root has depth 0)."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self) -> np.ndarray:
        """Normalised total impurity decrease brought by each feature, shape (n_features,)."""
        check_is_fitted(self, "tree_")
        return self.tree_.feature_importances(self.n_features_in_)


class DecisionTreeClassifier(ClassifierMixin, _BaseDecisionTree):
    """A CART classification tree.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}
        Impurity $H$: Gini $1-\\sum_k p_k^2$ or entropy $-\\sum_k p_k \\log_2 p_k$.
    max_depth : int or None
        Grow until leaves are pure (or too small) when None.
    min_samples_split : int
        A node with fewer samples is a leaf.
    min_samples_leaf : int
        A split must leave at least this many samples in each child.
    max_features : int, float, "sqrt", "log2" or None
        Features drawn at random at each node (None: all of them).
    random_state : int, Generator or None
        Seeds the feature draws.
    min_impurity_decrease : float
        Split only if $\\frac{W_t}{W}(H_t - \\frac{W_L}{W_t}H_L - \\frac{W_R}{W_t}H_R)$ reaches it.

    Attributes
    ----------
    tree_ : TreeArrays
        Node arrays; ``tree_.value`` has shape (node_count, 1, n_classes) (class fractions).
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    n_features_in_ : int
    feature_importances_ : ndarray of shape (n_features,)
    """

    _criteria = ("gini", "entropy", "log_loss")

    def __init__(
        self,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        max_features: Any = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> DecisionTreeClassifier:
        """Grow the tree on X (n_samples, n_features) and labels y (n_samples,)."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        sw = check_sample_weight(sample_weight, X.shape[0])
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        (self.tree_,) = self._grow(X, y_enc, sw[None, :], self.n_classes_, self.random_state)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class fractions of the leaf each sample reaches, shape (n_samples, n_classes)."""
        X = self._validate_X_predict(X)
        return self.tree_.value[self.tree_.apply(X), 0]  # (n, n_classes)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, shape (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most frequent class in each sample's leaf, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, _BaseDecisionTree):
    """A CART regression tree: leaves predict the mean $\\bar y$; splits minimise squared error.

    Parameters are those of :class:`DecisionTreeClassifier`, with ``criterion="squared_error"``.

    Attributes
    ----------
    tree_ : TreeArrays
        Node arrays; ``tree_.value`` has shape (node_count, 1, 1) (the node means).
    n_features_in_ : int
    feature_importances_ : ndarray of shape (n_features,)
    """

    _criteria = ("squared_error",)

    def __init__(
        self,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        max_features: Any = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> DecisionTreeRegressor:
        """Grow the tree on X (n_samples, n_features) and targets y (n_samples,)."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        sw = check_sample_weight(sample_weight, X.shape[0])
        (self.tree_,) = self._grow(X, y.astype(np.float64), sw[None, :], 1, self.random_state)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Mean target of the leaf each sample reaches, shape (n_samples,)."""
        X = self._validate_X_predict(X)
        return self.tree_.value[self.tree_.apply(X), 0, 0]
