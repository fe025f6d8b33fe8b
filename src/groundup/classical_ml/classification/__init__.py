"""Classification: logistic regression, SVMs, k-nearest neighbours, naive Bayes (and trees)."""

from groundup.classical_ml.classification.knn import KNeighborsClassifier, KNeighborsRegressor
from groundup.classical_ml.classification.logistic import LogisticRegression
from groundup.classical_ml.classification.naive_bayes import GaussianNB, MultinomialNB

__all__ = [
    "GaussianNB",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "LogisticRegression",
    "MultinomialNB",
]
