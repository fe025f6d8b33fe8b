r"""Random forests (Breiman, 2001): bagged CART trees with random feature subsets at each split.

Tree $b$ is grown on a bootstrap sample (n draws with replacement; drawn $k$ times means
weight $k$) and searches only ``max_features`` random features per node. The forest averages:

$$ \hat p(y = k \mid x) = \frac1B \sum_{b=1}^B \hat p_b(y = k \mid x), \qquad
   \hat y(x) = \frac1B \sum_{b=1}^B \hat y_b(x). $$

A sample left out of tree $b$'s bootstrap (about $e^{-1} \approx 37\%$ of them) is
*out-of-bag* for it; averaging only those trees' predictions gives the OOB estimate
``oob_score_`` of the test accuracy (or $R^2$) without a held-out set.

All trees of a batch grow together, level by level (see ``_tree_split``).

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> forest = RandomForestClassifier(n_estimators=20, oob_score=True, random_state=0).fit(X, y)
>>> bool(forest.oob_score_ > 0.9)
True
"""

from __future__ import annotations

import numbers
import warnings
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
from groundup.classical_ml.classification._tree_split import grow_trees
from groundup.classical_ml.classification.decision_tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    check_sample_weight,
    resolve_max_features,
)
from groundup.utils.seeding import make_rng

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]

# Trees grown together are bounded so that (trees x samples x features) index arrays stay small.
_BATCH_ELEMENTS = 4_000_000


class _BaseForest(BaseEstimator):
    """Bootstrap, batched growth, out-of-bag bookkeeping and importances for both forests."""

    _tree_class: type = DecisionTreeClassifier

    def _check_forest_params(self) -> None:
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ValueError(f"n_estimators must be an int >= 1, got {self.n_estimators!r}.")
        if self.oob_score and not self.bootstrap:
            raise ValueError("Out of bag estimation only available if bootstrap=True")

    def _n_bootstrap(self, n: int) -> int:
        if self.max_samples is None:
            return n
        if isinstance(self.max_samples, numbers.Integral) and 1 <= self.max_samples <= n:
            return int(self.max_samples)
        if isinstance(self.max_samples, numbers.Real) and 0.0 < self.max_samples <= 1.0:
            return max(1, round(n * self.max_samples))
        raise ValueError(f"max_samples must be None, an int in [1, {n}] or a float in (0, 1]; got {self.max_samples!r}.")  # fmt: skip

    def _fit_trees(
        self, X: np.ndarray, y: np.ndarray, sw: np.ndarray, n_classes: int
    ) -> np.ndarray:
        """Grow ``n_estimators`` trees; returns the bootstrap counts, shape (n_estimators, n)."""
        self._check_forest_params()
        probe = self._make_tree()
        probe._check_params()
        n, f = X.shape
        rng = make_rng(self.random_state)
        B = int(self.n_estimators)
        # BEGIN SOLUTION
        if self.bootstrap:
            # tree b's bootstrap: n_bootstrap draws with replacement -> counts (B, n)
            draws = rng.integers(0, n, size=(B, self._n_bootstrap(n)))
            counts = np.zeros((B, n))
            np.add.at(counts, (np.repeat(np.arange(B), draws.shape[1]), draws.ravel()), 1.0)
        else:
            counts = np.ones((B, n))
        # END SOLUTION
        weights = counts * sw  # (B, n)
        empty = ~np.any(weights > 0, axis=1)
        weights[empty] = sw  # a bootstrap with only zero-weight samples: use them all
        batch = max(1, _BATCH_ELEMENTS // max(1, n * f))
        self.estimators_ = []
        for b0 in range(0, B, batch):
            trees = grow_trees(
                X,
                y,
                weights[b0 : b0 + batch],
                criterion=self.criterion,
                n_classes=n_classes,
                max_depth=self.max_depth,
                min_samples_split=int(self.min_samples_split),
                min_samples_leaf=int(self.min_samples_leaf),
                max_features=resolve_max_features(self.max_features, f),
                min_impurity_decrease=float(self.min_impurity_decrease),
                rng=rng,
            )
            for tree_arrays in trees:
                est = self._make_tree()
                est.tree_ = tree_arrays
                est.n_features_in_ = f
                self.estimators_.append(est)
        return counts

    def _make_tree(self) -> Any:
        return self._tree_class(
            criterion=self.criterion,
            max_depth=self.max_depth,
            min_samples_split=self.min_samples_split,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            min_impurity_decrease=self.min_impurity_decrease,
        )

    def _tree_mean(self, X: np.ndarray, tree_weight: np.ndarray | None = None) -> np.ndarray:
        r"""$\sum_b a_{bi}\, \text{out}_b(x_i) / \sum_b a_{bi}$: leaf values averaged over trees, (n, n_values).

        ``tree_weight`` (n_estimators, n) is $a_{bi}$ (all ones: the plain mean).
        """
        # BEGIN SOLUTION
        total = np.zeros((X.shape[0], self.estimators_[0].tree_.value.shape[2]))
        for b, est in enumerate(self.estimators_):
            out = est.tree_.value[est.tree_.apply(X), 0]  # (n, n_values)
            total += out if tree_weight is None else tree_weight[b][:, None] * out
        norm = len(self.estimators_) if tree_weight is None else tree_weight.sum(axis=0)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / norm
        # END SOLUTION

    def _oob_average(self, X: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Average over the trees for which each sample is out-of-bag, (n, n_values); NaN if none."""
        oob = (counts == 0).astype(np.float64)  # (B, n)
        if np.any(oob.sum(axis=0) == 0):
            warnings.warn(
                "Some inputs do not have OOB scores. This probably means too few trees were "
                "used to compute any reliable OOB estimates.",
                UserWarning,
                stacklevel=3,
            )
        return self._tree_mean(X, oob)

    def _validate_X_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def apply(self, X: Any) -> np.ndarray:
        """Leaf index of each sample in each tree, shape (n_samples, n_estimators)."""
        X = self._validate_X_predict(X)
        return np.stack([est.tree_.apply(X) for est in self.estimators_], axis=1)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean over trees of each tree's normalised impurity decrease, shape (n_features,)."""
        check_is_fitted(self, "estimators_")
        per_tree = [
            est.tree_.feature_importances(self.n_features_in_)
            for est in self.estimators_
            if est.tree_.node_count > 1
        ]
        if not per_tree:
            return np.zeros(self.n_features_in_)
        mean = np.mean(per_tree, axis=0)
        return mean / mean.sum()


class RandomForestClassifier(ClassifierMixin, _BaseForest):
    """A forest of CART classification trees averaging their class probabilities.

    Parameters
    ----------
    n_estimators : int
        Number of trees $B$.
    criterion, max_depth, min_samples_split, min_samples_leaf, min_impurity_decrease
        As for :class:`DecisionTreeClassifier`.
    max_features : int, float, "sqrt", "log2" or None
        Features searched per split ("sqrt": $\\lfloor\\sqrt{d}\\rfloor$).
    bootstrap : bool
        Grow each tree on a bootstrap sample (else on all samples).
    oob_score : bool
        Compute ``oob_score_`` (accuracy of out-of-bag predictions).
    random_state : int, Generator or None
    max_samples : int, float or None
        Bootstrap size (None: n_samples).

    Attributes
    ----------
    estimators_ : list of DecisionTreeClassifier
    classes_ : ndarray of shape (n_classes,)
    oob_score_ : float
    oob_decision_function_ : ndarray of shape (n_samples, n_classes)
    feature_importances_ : ndarray of shape (n_features,)
    """

    _tree_class = DecisionTreeClassifier

    def __init__(
        self,
        n_estimators: int = 100,
        criterion: str = "gini",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        max_features: Any = "sqrt",
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        random_state: Any = None,
        max_samples: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RandomForestClassifier:
        """Grow the forest on X (n_samples, n_features) and labels y (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        sw = check_sample_weight(sample_weight, X.shape[0])
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        counts = self._fit_trees(X, y_enc, sw, self.n_classes_)
        for est in self.estimators_:
            est.classes_, est.n_classes_ = self.classes_, self.n_classes_
        if self.oob_score:
            self.oob_decision_function_ = self._oob_average(X, counts)  # (n, n_classes)
            has = ~np.isnan(self.oob_decision_function_[:, 0])
            pred = np.argmax(self.oob_decision_function_[has], axis=1)
            self.oob_score_ = float(np.mean(pred == y_enc[has]))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""$\frac1B\sum_b \hat p_b(y \mid x)$, shape (n_samples, n_classes)."""
        X = self._validate_X_predict(X)
        return self._tree_mean(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, shape (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Class of highest averaged probability, shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class RandomForestRegressor(RegressorMixin, _BaseForest):
    """A forest of CART regression trees averaging their predictions.

    Parameters are those of :class:`RandomForestClassifier`, with
    ``criterion="squared_error"`` and ``max_features=1.0`` (all features) by default.

    Attributes
    ----------
    estimators_ : list of DecisionTreeRegressor
    oob_score_ : float
        $R^2$ of the out-of-bag predictions.
    oob_prediction_ : ndarray of shape (n_samples,)
    feature_importances_ : ndarray of shape (n_features,)
    """

    _tree_class = DecisionTreeRegressor

    def __init__(
        self,
        n_estimators: int = 100,
        criterion: str = "squared_error",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        max_features: Any = 1.0,
        min_impurity_decrease: float = 0.0,
        bootstrap: bool = True,
        oob_score: bool = False,
        random_state: Any = None,
        max_samples: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RandomForestRegressor:
        """Grow the forest on X (n_samples, n_features) and targets y (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = y.astype(np.float64)
        sw = check_sample_weight(sample_weight, X.shape[0])
        counts = self._fit_trees(X, y, sw, 1)
        if self.oob_score:
            self.oob_prediction_ = self._oob_average(X, counts)[:, 0]  # (n,)
            has = ~np.isnan(self.oob_prediction_)
            resid = np.sum((y[has] - self.oob_prediction_[has]) ** 2)
            total = np.sum((y[has] - y[has].mean()) ** 2)
            # $R^2 = 1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2$
            self.oob_score_ = float(1.0 - resid / total) if total > 0 else 0.0
        return self

    def predict(self, X: Any) -> np.ndarray:
        r"""$\frac1B\sum_b \hat y_b(x)$, shape (n_samples,)."""
        X = self._validate_X_predict(X)
        return self._tree_mean(X)[:, 0]
