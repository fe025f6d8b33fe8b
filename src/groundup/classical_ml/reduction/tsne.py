r"""t-SNE: t-distributed stochastic neighbour embedding (van der Maaten & Hinton, 2008).

Similarities in the input space are Gaussian conditionals, each with its own width:

$$ p_{j|i} = \frac{\exp(-\beta_i \lVert x_i - x_j\rVert^2)}{\sum_{k \ne i}\exp(-\beta_i
   \lVert x_i - x_k\rVert^2)}, \qquad 2^{H(P_i)} = \text{perplexity}, $$

$\beta_i$ found by bisection so that each point's entropy $H(P_i) = -\sum_j p_{j|i} \log_2
p_{j|i}$ matches the perplexity (an effective number of neighbours). Only the
$\lfloor 3\cdot\text{perplexity}\rfloor + 1$ nearest neighbours get a nonzero $p_{j|i}$, so $P$
is sparse. Symmetrised: $p_{ij} = (p_{j|i} + p_{i|j}) / \sum_{kl}(p_{k|l} + p_{l|k})$.

In the embedding, similarities follow a Student-t with one degree of freedom,
$q_{ij} = (1 + \lVert y_i - y_j\rVert^2)^{-1} / Z$, $Z = \sum_{k \ne l} (1 + \lVert y_k -
y_l\rVert^2)^{-1}$, and gradient descent minimises $\mathrm{KL}(P\,\Vert\,Q) = \sum_{ij} p_{ij}
\log(p_{ij}/q_{ij})$, whose gradient splits into attraction and repulsion:

$$ \frac{\partial\, \mathrm{KL}}{\partial y_i} = 4 \Big( \underbrace{\sum_j p_{ij} K_{ij}
   (y_i - y_j)}_{\text{sparse } P} - \frac{1}{Z} \underbrace{\sum_j K_{ij}^2 (y_i -
   y_j)}_{\text{all pairs}} \Big), \qquad K_{ij} = (1 + \lVert y_i - y_j\rVert^2)^{-1}. $$

The attraction costs $O(n \cdot \text{perplexity})$. The all-pairs repulsion and $Z$ are where
the $O(n^2)$ is: ``method="fft"`` (default) computes them by polynomial interpolation on a grid
and FFT convolution (FIt-SNE, Linderman et al. 2019; see ``_tsne_fft``), in
$O(n + G^2\log G)$ for a $G\times G$ grid: sub-quadratic, fully vectorised, and no tree to walk
point by point in Python (which is why it replaces scikit-learn's Barnes-Hut here);
``method="exact"`` computes them directly in $O(n^2)$.

Optimisation as scikit-learn's: PCA initialisation scaled to standard deviation $10^{-4}$;
learning rate ``"auto"`` $= \max(n / \text{early\_exaggeration} / 4, 50)$; 250 iterations of
early exaggeration ($P \times 12$, momentum 0.5), then momentum 0.8; per-coordinate gains
(delta-bar-delta: $+0.2$ when the gradient's sign flips against the update, $\times 0.8$
otherwise, at least 0.01).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from groundup.classical_ml.base import BaseEstimator, validate_data
from groundup.classical_ml.reduction._tsne_fft import repulsion
from groundup.classical_ml.reduction.pca import PCA
from groundup.utils.seeding import make_rng

__all__ = ["TSNE", "binary_search_perplexity", "joint_probabilities"]

_EXPLORATION_ITER = 250  # iterations with early exaggeration
_CHECK_EVERY = 50  # iterations between KL / convergence checks
_EPS = float(np.finfo(np.float64).eps)
# Below this many pairs the direct all-pairs sum is cheaper than the FFT grid (about 50^2 x 9).
_DIRECT_BELOW = 600 * 600


def binary_search_perplexity(D2: np.ndarray, perplexity: float, tol: float = 1e-5) -> np.ndarray:
    r"""Conditional $p_{j|i}$ from squared distances to each point's neighbours, all rows at once.

    Bisection on $\beta_i$ (100 steps at most) until $|H(P_i) - \ln \text{perplexity}| \le$ tol
    (entropy in nats, the same condition as in bits).

    Parameters
    ----------
    D2 : ndarray of shape (n, k)
        Squared distances from each point to its k neighbours.
    perplexity : float

    Returns
    -------
    P : ndarray of shape (n, k)
        Rows sum to 1.
    """
    # BEGIN SOLUTION
    n = D2.shape[0]
    beta = np.ones(n)
    lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
    target = np.log(perplexity)
    active = np.ones(n, dtype=bool)
    for _ in range(100):
        P = np.exp(-D2 * beta[:, None])  # (n, k)
        sum_P = np.maximum(P.sum(axis=1), _EPS)
        # $H = \ln \sum_j e^{-\beta d_j} + \beta \sum_j p_j d_j$
        H = np.log(sum_P) + beta * np.sum(D2 * P, axis=1) / sum_P
        active &= np.abs(H - target) > tol
        if not active.any():
            break
        too_flat = active & (H > target)  # entropy too high: narrow the Gaussian
        too_peaked = active & ~too_flat
        lo[too_flat] = beta[too_flat]
        beta[too_flat] = np.where(
            np.isinf(hi[too_flat]), beta[too_flat] * 2.0, (beta[too_flat] + hi[too_flat]) / 2.0
        )
        hi[too_peaked] = beta[too_peaked]
        beta[too_peaked] = np.where(
            np.isinf(lo[too_peaked]),
            beta[too_peaked] / 2.0,
            (beta[too_peaked] + lo[too_peaked]) / 2.0,
        )
    P = np.exp(-D2 * beta[:, None])
    return P / np.maximum(P.sum(axis=1, keepdims=True), _EPS)
    # END SOLUTION


def _nearest_neighbours(X: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other points of every row (brute force in row blocks): indices, squared distances (n, k)."""
    n = X.shape[0]
    sq = np.sum(X**2, axis=1)
    idx = np.empty((n, k), dtype=np.intp)
    dist = np.empty((n, k))
    for s in range(0, n, block):
        rows = np.arange(s, min(s + block, n))
        D = np.maximum(sq[rows, None] - 2.0 * X[rows] @ X.T + sq[None, :], 0.0)  # (b, n)
        D[np.arange(rows.size), rows] = np.inf  # not its own neighbour
        part = np.argpartition(D, k - 1, axis=1)[:, :k]
        d = np.take_along_axis(D, part, axis=1)
        order = np.argsort(d, axis=1)
        idx[rows] = np.take_along_axis(part, order, axis=1)
        dist[rows] = np.take_along_axis(d, order, axis=1)
    return idx, dist


def joint_probabilities(
    X: np.ndarray, perplexity: float, n_neighbors: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Sparse symmetric $p_{ij}$ as (rows, cols, values), each of shape (nnz,), summing to 1."""
    n = X.shape[0]
    idx, D2 = _nearest_neighbours(X, n_neighbors)
    P_cond = binary_search_perplexity(D2, perplexity)  # (n, k)
    rows = np.repeat(np.arange(n), n_neighbors)
    cols = idx.ravel()
    # $p_{j|i} + p_{i|j}$: add the transpose, merging duplicate (i, j) entries
    key = np.concatenate([rows * n + cols, cols * n + rows])
    val = np.concatenate([P_cond.ravel(), P_cond.ravel()])
    uniq, inv = np.unique(key, return_inverse=True)
    P = np.bincount(inv, val)
    return uniq // n, uniq % n, P / np.maximum(P.sum(), _EPS)


def direct_repulsion(Y: np.ndarray, block: int = 512) -> tuple[np.ndarray, np.ndarray]:
    r"""$\sum_{j \ne i} K_{ij}$ (n,) and $\sum_j K_{ij}^2 (y_i - y_j)$ (n, d) over all pairs, in row blocks."""
    n = Y.shape[0]
    sq = np.sum(Y**2, axis=1)
    sum_K = np.empty(n)
    rep = np.empty_like(Y)
    for s in range(0, n, block):
        r = slice(s, min(s + block, n))
        # $K_{ij} = 1 / (1 + \lVert y_i\rVert^2 - 2 y_i^\top y_j + \lVert y_j\rVert^2)$
        K = 1.0 / (1.0 + np.maximum(sq[r, None] - 2.0 * Y[r] @ Y.T + sq[None, :], 0.0))  # (b, n)
        K[np.arange(K.shape[0]), np.arange(s, r.stop)] = 0.0
        sum_K[r] = K.sum(axis=1)
        K2 = K * K
        rep[r] = Y[r] * K2.sum(axis=1)[:, None] - K2 @ Y  # $\sum_j K_{ij}^2 (y_i - y_j)$
    return sum_K, rep


def kl_gradient(
    Y: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    P: np.ndarray,
    method: str = "fft",
    compute_error: bool = True,
) -> tuple[float, np.ndarray]:
    r"""$\mathrm{KL}(P\Vert Q)$ and its gradient (n, d) for a sparse $P$ (see the module docstring)."""
    attract = np.zeros_like(Y)
    diff = [Y[rows, c] - Y[cols, c] for c in range(Y.shape[1])]  # $y_i - y_j$ per coordinate
    K_P = 1.0 / (1.0 + sum(dc * dc for dc in diff))  # $K_{ij}$ on the nonzeros of P, (nnz,)
    PK = P * K_P
    for c, dc in enumerate(diff):
        # $\sum_j p_{ij} K_{ij} (y_i - y_j)$
        attract[:, c] = np.bincount(rows, PK * dc, minlength=Y.shape[0])
    n = Y.shape[0]
    if method == "fft" and Y.shape[1] == 2 and n * n > _DIRECT_BELOW:
        sum_K, rep = repulsion(Y)
    else:
        sum_K, rep = direct_repulsion(Y)
    Z = max(float(sum_K.sum()), _EPS)
    grad = 4.0 * (attract - rep / Z)
    error = np.nan
    if compute_error:
        # $\sum p_{ij} \log(p_{ij} / q_{ij})$ with $q_{ij} = K_{ij} / Z$
        error = float(np.sum(P * np.log(np.maximum(P, _EPS) / np.maximum(K_P / Z, _EPS))))
    return error, grad


class TSNE(BaseEstimator):
    """t-SNE embedding.

    Parameters
    ----------
    n_components : int
        Embedding dimension.
    perplexity : float
        Effective number of neighbours; must be less than n_samples.
    early_exaggeration : float
        $P$ is multiplied by it for the first 250 iterations.
    learning_rate : float or "auto"
    max_iter : int
        Total iterations (at least 250).
    n_iter_without_progress : int
        Stop when the KL divergence has not improved for this many iterations.
    min_grad_norm : float
        Stop when the gradient norm falls below it.
    init : {"pca", "random"} or ndarray of shape (n_samples, n_components)
    method : {"fft", "exact"}
        "fft": $P$ on the nearest neighbours only, repulsion by grid interpolation + FFT (for a
        2-D embedding of more than 600 points; below that, or in other dimensions, the direct
        all-pairs sum is used, which is then cheaper). "exact": $P$ over all pairs and direct
        repulsion, $O(n^2)$.
    random_state : int, Generator or None

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
    n_iter_ : int
    learning_rate_ : float
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 2,
        perplexity: float = 30.0,
        early_exaggeration: float = 12.0,
        learning_rate: Any = "auto",
        max_iter: int = 1000,
        n_iter_without_progress: int = 300,
        min_grad_norm: float = 1e-7,
        init: Any = "pca",
        method: str = "fft",
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.init = init
        self.method = method
        self.random_state = random_state

    def _check_params(self, n: int) -> None:
        if self.method not in ("fft", "exact"):
            raise ValueError(f"method must be 'fft' or 'exact', got {self.method!r}.")
        if not isinstance(self.n_components, numbers.Integral) or self.n_components < 1:
            raise ValueError(f"n_components must be an int >= 1, got {self.n_components!r}.")
        if not self.perplexity > 0 or self.perplexity >= n:
            raise ValueError(f"perplexity ({self.perplexity}) must be positive and less than n_samples ({n}).")  # fmt: skip
        if self.early_exaggeration < 1:
            raise ValueError(f"early_exaggeration must be at least 1, got {self.early_exaggeration!r}.")  # fmt: skip
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < _EXPLORATION_ITER:
            raise ValueError(f"max_iter should be at least {_EXPLORATION_ITER}, got {self.max_iter!r}.")  # fmt: skip
        if not (self.learning_rate == "auto" or (isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0)):  # fmt: skip
            raise ValueError(f"learning_rate must be 'auto' or a positive number, got {self.learning_rate!r}.")  # fmt: skip

    def _initial_embedding(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, d = X.shape[0], self.n_components
        if isinstance(self.init, str) and self.init == "pca":
            if X.shape[1] < d:
                raise ValueError(f"init='pca' needs n_features >= n_components, got {X.shape[1]} < {d}.")  # fmt: skip
            Y = PCA(d).fit_transform(X)
            return Y / max(float(np.std(Y[:, 0])), _EPS) * 1e-4  # std $10^{-4}$
        if isinstance(self.init, str) and self.init == "random":
            return 1e-4 * rng.standard_normal((n, d))
        if isinstance(self.init, str):
            raise ValueError(f"init must be 'pca', 'random' or an array, got {self.init!r}.")
        Y = np.array(self.init, dtype=np.float64)
        if Y.shape != (n, d):
            raise ValueError(f"init array has shape {Y.shape}, expected (n_samples, n_components) = {(n, d)}.")  # fmt: skip
        return Y

    def _gradient_descent(
        self, Y: np.ndarray, P_parts: tuple, start: int, stop: int, momentum: float, patience: int
    ) -> tuple[np.ndarray, float, int]:
        """Iterations ``start..stop-1`` of momentum descent with gains; returns Y, KL, last iteration."""
        update = np.zeros_like(Y)
        gains = np.ones_like(Y)
        error, best_error, best_iter = np.inf, np.inf, start
        i = start
        for i in range(start, stop):
            check = (i + 1) % _CHECK_EVERY == 0 or i == stop - 1
            error_i, grad = kl_gradient(Y, *P_parts, method=self.method, compute_error=check)
            # delta-bar-delta: grow a gain when the gradient opposes the last update
            opposed = update * grad < 0.0
            gains = np.maximum(np.where(opposed, gains + 0.2, gains * 0.8), 0.01)
            update = momentum * update - self.learning_rate_ * gains * grad
            Y = Y + update
            if check:
                error = error_i
                if error < best_error:
                    best_error, best_iter = error, i
                elif i - best_iter > patience:
                    break
                if np.linalg.norm(grad) <= self.min_grad_norm:
                    break
        return Y, error, i

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Embed X (n_samples, n_features); returns ``embedding_`` (n_samples, n_components)."""
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        self._check_params(n)
        rng = make_rng(self.random_state)
        self.learning_rate_ = (
            max(n / self.early_exaggeration / 4.0, 50.0)
            if self.learning_rate == "auto"
            else float(self.learning_rate)
        )
        if self.method == "exact":
            k = n - 1  # every pair, as the exact method's P
        else:
            k = min(n - 1, int(3.0 * self.perplexity + 1))
        rows, cols, P = joint_probabilities(X, self.perplexity, k)
        Y = self._initial_embedding(X, rng)
        # Early exaggeration: $P \times \alpha$ pulls clusters together while they form.
        Y, kl, it = self._gradient_descent(
            Y, (rows, cols, P * self.early_exaggeration), 0, _EXPLORATION_ITER, 0.5,
            _EXPLORATION_ITER,
        )  # fmt: skip
        if self.max_iter > _EXPLORATION_ITER or it < _EXPLORATION_ITER - 1:
            Y, kl, it = self._gradient_descent(
                Y, (rows, cols, P), it + 1, self.max_iter, 0.8, self.n_iter_without_progress
            )
        self.embedding_ = Y
        self.kl_divergence_ = float(kl)
        self.n_iter_ = it
        return Y

    def fit(self, X: Any, y: Any = None) -> TSNE:
        """Embed X; the result is ``embedding_``."""
        self.fit_transform(X)
        return self

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags
