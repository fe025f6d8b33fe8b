"""Classification: logistic regression, SVMs, k-nearest neighbours, naive Bayes (and trees)."""

__all__: list[str] = []
