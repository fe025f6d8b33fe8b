r"""Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen and Aila, 2019).

FD folds quality and coverage into one number. Precision and recall separate them by
estimating each distribution's *manifold* as a union of balls: around every feature
vector $\phi$ of a set $\Phi$, a ball whose radius is the distance to its $k$-th nearest
neighbour in the same set, $\mathrm{NN}_k(\phi, \Phi)$.

$$f(\phi, \Phi) = \begin{cases}1 & \text{if } \lVert\phi-\phi'\rVert_2 \le
\lVert\phi'-\mathrm{NN}_k(\phi', \Phi)\rVert_2 \text{ for some } \phi' \in \Phi\\
0 & \text{otherwise}\end{cases}$$

$$\text{precision} = \frac{1}{|\Phi_g|}\sum_{\phi_g\in\Phi_g} f(\phi_g, \Phi_r),\qquad
\text{recall} = \frac{1}{|\Phi_r|}\sum_{\phi_r\in\Phi_r} f(\phi_r, \Phi_g).$$

Precision: the share of generated samples that look real (inside the real manifold).
Recall: the share of real samples the generator covers (inside the generated manifold).
A collapsed generator has high precision and recall near 0.

>>> import numpy as np
>>> real = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> fake = np.array([[0.5, 0.5], [3.0, 3.0]])
>>> precision_recall(real, fake, k=1)  # (3, 3) is outside every unit ball of the square
(0.5, 1.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["kth_neighbour_radii", "pairwise_distances", "precision_recall"]


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""Euclidean distances $\lVert a_i - b_j\rVert_2$, in float64.

    Parameters
    ----------
    a : ndarray of shape (N, D)
    b : ndarray of shape (M, D)

    Returns
    -------
    ndarray of shape (N, M)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    # $\|a-b\|^2 = \|a\|^2 + \|b\|^2 - 2a\cdot b$, clipped at 0 against rounding
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T  # (N, M)
    return np.sqrt(np.clip(sq, 0.0, None))


def kth_neighbour_radii(features: np.ndarray, k: int = 3) -> np.ndarray:
    """The distance from each vector to its ``k``-th nearest *other* vector of the set.

    Parameters
    ----------
    features : ndarray of shape (N, D), N > k

    Returns
    -------
    ndarray of shape (N,)
    """
    n = len(features)
    if not 1 <= k < n:
        raise ValueError(f"k must be in [1, N-1] = [1, {n - 1}] for {n} feature vectors, got {k}")
    d = pairwise_distances(features, features)  # (N, N)
    # column 0 of the sorted distances is the vector itself (distance 0)
    return np.partition(d, k, axis=1)[:, k]  # (N,)


def _inside(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each query, whether it lies in some ball ``(centres[j], radii[j])``: bool ``(Q,)``."""
    inside = np.zeros(len(queries), dtype=bool)
    # blocks of 1,024 queries keep the distance matrix small for large sets
    for i in range(0, len(queries), 1024):
        d = pairwise_distances(queries[i : i + 1024], centres)  # (q, M)
        inside[i : i + 1024] = (d <= radii[None, :]).any(axis=1)
    return inside


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of ``fake`` against ``real`` (module docstring).

    Parameters
    ----------
    real : ndarray of shape (N, D)
        Features of real samples (from data the feature network never saw, ideally).
    fake : ndarray of shape (M, D)
        Features of generated samples.
    k : int
        The neighbour that sets each ball's radius (3 in the paper).

    Returns
    -------
    (precision, recall) : floats in [0, 1]
    """
    real, fake = np.asarray(real), np.asarray(fake)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake must be (N, D) and (M, D) with one D, got {real.shape} and {fake.shape}"
        )
    precision = _inside(fake, real, kth_neighbour_radii(real, k)).mean()
    recall = _inside(real, fake, kth_neighbour_radii(fake, k)).mean()
    return float(precision), float(recall)
