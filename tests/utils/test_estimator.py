"""The estimator base on the ground floor: one base for the scalers and the classical models."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

import groundup.classical_ml.base as classical_base
import groundup.classical_ml.validation as classical_validation
from groundup.classical_ml import LinearRegression
from groundup.utils import estimator, validation
from groundup.utils.data_utils import MinMaxScaler, OneHotEncoder, StandardScaler

UTILS = Path(__file__).resolve().parents[2] / "src" / "groundup" / "utils"


def test_no_module_of_utils_imports_from_above() -> None:
    upward = []
    for path in sorted(UTILS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            upward += [f"{path.name}: {n}" for n in names if n.startswith("groundup.classical_ml")]
    assert upward == []


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler, OneHotEncoder, LinearRegression])
def test_scalers_and_models_share_one_base(cls) -> None:
    assert issubclass(cls, estimator.BaseEstimator)
    assert classical_base.BaseEstimator is estimator.BaseEstimator


def test_classical_paths_re_export_the_ground_floor() -> None:
    for name in classical_validation.__all__:
        assert getattr(classical_validation, name) is getattr(validation, name)
        assert getattr(classical_base, name) is getattr(validation, name)
    for name in estimator.__all__:
        assert getattr(classical_base, name) is getattr(estimator, name)


def test_scaler_not_fitted_error_is_the_classical_one() -> None:
    with pytest.raises(
        classical_base.NotFittedError, match="StandardScaler instance is not fitted"
    ):
        StandardScaler().transform(np.zeros((2, 1)))


def test_scaler_params_clone_and_fit_transform() -> None:
    est = MinMaxScaler(feature_range=(-1, 1))
    assert repr(est) == "MinMaxScaler(feature_range=(-1, 1))"
    copy = clone(est)
    assert copy is not est and copy.get_params() == {"clip": False, "feature_range": (-1, 1)}
    assert est.fit_transform([[0.0], [2.0]]).ravel().tolist() == [-1.0, 1.0]
