"""The examples in the part-A classical modules' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "groundup.classical_ml.base",
    "groundup.utils.validation",
    "groundup.classical_ml.regression.linear",
    "groundup.classical_ml.regression.ridge",
    "groundup.classical_ml.classification.logistic",
    "groundup.classical_ml.classification.svm",
    "groundup.classical_ml.classification.linear_svc",
    "groundup.classical_ml.classification.smo",
    "groundup.classical_ml.classification.knn",
    "groundup.classical_ml.classification.naive_bayes",
]


@pytest.mark.parametrize("name", MODULES)
def test_classical_a_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if not name.endswith("smo"):  # the solver module documents by formula, not example
        assert result.attempted > 0
