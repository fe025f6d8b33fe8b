"""Classification: logistic regression, SVMs, k-nearest neighbours, naive Bayes (and trees)."""

from groundup.classical_ml.classification.decision_tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
)
from groundup.classical_ml.classification.knn import KNeighborsClassifier, KNeighborsRegressor
from groundup.classical_ml.classification.logistic import LogisticRegression
from groundup.classical_ml.classification.naive_bayes import GaussianNB, MultinomialNB
from groundup.classical_ml.classification.svm import SVC, LinearSVC

__all__ = [
    "SVC",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "GaussianNB",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "LinearSVC",
    "LogisticRegression",
    "MultinomialNB",
]
