"""Classification: logistic regression, SVMs, k-nearest neighbours, naive Bayes (and trees)."""

from groundup.classical_ml.classification.naive_bayes import GaussianNB, MultinomialNB

__all__ = ["GaussianNB", "MultinomialNB"]
