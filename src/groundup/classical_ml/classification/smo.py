r"""Sequential minimal optimisation (SMO) for the kernel SVM dual, with libsvm's WSS2.

The soft-margin SVM dual for labels $y_t \in \{-1, +1\}$ is

$$ \min_\alpha \; f(\alpha) = \tfrac12 \alpha^\top Q \alpha - \mathbf 1^\top \alpha
\quad \text{s.t.} \quad y^\top \alpha = 0, \; 0 \le \alpha_t \le C, \qquad Q_{st} = y_s y_t K(x_s, x_t). $$

SMO (Platt 1998) changes two multipliers at a time, the smallest step that keeps
$y^\top\alpha = 0$, and solves that two-variable problem in closed form. Which pair
matters: with the gradient $G = \nabla f = Q\alpha - \mathbf 1$ and the index sets

$$ I_{\text{up}} = \{t : y_t = +1, \alpha_t < C\} \cup \{t : y_t = -1, \alpha_t > 0\}, \quad
   I_{\text{low}} = \{t : y_t = +1, \alpha_t > 0\} \cup \{t : y_t = -1, \alpha_t < C\}, $$

$\alpha$ is optimal (KKT) when $m(\alpha) = \max_{I_\text{up}} -y_t G_t \le M(\alpha) = \min_{I_\text{low}} -y_t G_t$.
The second-order working-set selection WSS2 of Fan, Chen & Lin (2005), used by libsvm,
takes $i = \arg\max_{t \in I_\text{up}} -y_t G_t$ (the maximal violator) and then the $j$
giving the largest decrease of $f$ along the pair:

$$ j = \arg\min_{t \in I_\text{low},\, -y_t G_t < -y_i G_i} \; -\frac{b_{it}^2}{a_{it}}, \qquad
   a_{it} = K_{ii} + K_{tt} - 2K_{it}, \quad b_{it} = -y_i G_i + y_t G_t > 0 . $$

It stops when $m(\alpha) - M(\alpha) <$ ``tol`` (libsvm's ``eps``). The bias is
$\rho = $ the mean of $y_t G_t$ over free multipliers ($0 < \alpha_t < C$), and the
decision function is $f(x) = \sum_t y_t \alpha_t K(x_t, x) - \rho$.

This is libsvm's solver without shrinking (which only skips bound multipliers for
speed). Kernel rows are computed on demand and cached up to ``cache_size`` MB.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

__all__ = ["KernelRows", "solve_smo"]

TAU = 1e-12
r"""Curvature used when $a_{it} \le 0$ (a non-PSD kernel, or two identical points)."""


class KernelRows:
    """Rows $K(x_t, X)$ of an (n, n) kernel matrix: all precomputed if they fit, else an LRU cache.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    kernel : callable
        ``kernel(A, B)`` -> ndarray of shape (len(A), len(B)).
    cache_size : float
        Megabytes of kernel rows to keep.
    """

    def __init__(
        self,
        X: np.ndarray,
        kernel: Callable[[np.ndarray, np.ndarray], np.ndarray],
        cache_size: float,
    ) -> None:
        self.X, self.kernel = X, kernel
        n = X.shape[0]
        self.capacity = max(2, int(cache_size * 2**20 // (8 * max(n, 1))))
        self.full = self.kernel(X, X) if self.capacity >= n else None  # (n, n)
        self.cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self.diag = (
            np.diag(self.full).copy()
            if self.full is not None
            else np.array([self.kernel(x[None], x[None])[0, 0] for x in X])
        )  # (n,): $K_{tt}$

    def __getitem__(self, t: int) -> np.ndarray:
        if self.full is not None:
            return self.full[t]
        row = self.cache.get(t)
        if row is None:
            row = self.kernel(self.X[t : t + 1], self.X)[0]  # (n,)
            self.cache[t] = row
            if len(self.cache) > self.capacity:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(t)
        return row


def _select_working_set(
    minus_yG: np.ndarray, up: np.ndarray, low: np.ndarray, K: KernelRows, tol: float
) -> tuple[int, int] | None:
    r"""WSS2: the pair (i, j), or ``None`` when $m(\alpha) - M(\alpha) <$ ``tol``.

    ``minus_yG`` is $-y_t G_t$, ``up`` / ``low`` the masks of $I_\text{up}$ / $I_\text{low}$.
    """
    masked = np.where(up, minus_yG, -np.inf)
    i = int(masked.argmax())
    # $m(\alpha) = \max_{I_\text{up}} -y_t G_t$, $M(\alpha) = \min_{I_\text{low}} -y_t G_t$
    m = masked[i]
    M = np.where(low, minus_yG, np.inf).min()
    if m - M < tol:  # also when either set is empty ($-\infty$ or $+\infty$)
        return None
    # $b_{it} = m - (-y_t G_t)$, $a_{it} = K_{ii} + K_{tt} - 2K_{it}$ (at least TAU)
    b = m - minus_yG
    a = K[i] * -2.0
    a += K.diag
    a += K.diag[i]
    np.maximum(a, TAU, out=a)
    # $j = \arg\max_{t \in I_\text{low}, b_{it} > 0} b_{it}^2 / a_{it}$ (the largest decrease of $f$)
    gain = b * b
    gain /= a
    j = int(np.where(low & (b > 0), gain, -np.inf).argmax())
    return i, j


def _update_pair(
    alpha: np.ndarray, minus_yG: np.ndarray, y: np.ndarray, C: float, K: KernelRows, i: int, j: int
) -> None:
    r"""Solve the two-variable subproblem in (i, j) exactly (libsvm's clipping), in place."""
    # BEGIN SOLUTION
    Ki, Kj = K[i], K[j]
    a_ij = K.diag[i] + K.diag[j] - 2.0 * Ki[j]
    a_ij = a_ij if a_ij > 0 else TAU
    G_i, G_j = -y[i] * minus_yG[i], -y[j] * minus_yG[j]
    old_i, old_j = alpha[i], alpha[j]
    if y[i] != y[j]:
        # move along $\alpha_i - \alpha_j = $ const
        delta = (-G_i - G_j) / a_ij
        diff = old_i - old_j
        ai, aj = old_i + delta, old_j + delta
        if diff > 0:
            if aj < 0:
                aj, ai = 0.0, diff
        elif ai < 0:
            ai, aj = 0.0, -diff
        if diff > 0:  # $C_i - C_j = 0$ with one C for both classes
            if ai > C:
                ai, aj = C, C - diff
        elif aj > C:
            aj, ai = C, C + diff
    else:
        # move along $\alpha_i + \alpha_j = $ const
        delta = (G_i - G_j) / a_ij
        total = old_i + old_j
        ai, aj = old_i - delta, old_j + delta
        if total > C:
            if ai > C:
                ai, aj = C, total - C
        elif aj < 0:
            aj, ai = 0.0, total
        if total > C:
            if aj > C:
                aj, ai = C, total - C
        elif ai < 0:
            ai, aj = 0.0, total
    alpha[i], alpha[j] = ai, aj
    # $G \mathrel{+}= Q_{:i}\Delta\alpha_i + Q_{:j}\Delta\alpha_j$ with $Q_{:t} = y\, y_t K_{:t}$, so
    # $-y \odot G$ changes by $-(y_i \Delta\alpha_i K_{:i} + y_j \Delta\alpha_j K_{:j})$
    minus_yG -= (y[i] * (ai - old_i)) * Ki
    minus_yG -= (y[j] * (aj - old_j)) * Kj
    # END SOLUTION


def _rho(alpha: np.ndarray, minus_yG: np.ndarray, y: np.ndarray, C: float) -> float:
    r"""$\rho$: mean of $y_t G_t$ over free $\alpha_t$; midpoint of the feasible interval if none."""
    yG = -minus_yG
    free = (alpha > 0) & (alpha < C)
    if free.any():
        return float(yG[free].mean())
    at_upper = alpha >= C
    # bound multipliers bracket $\rho$ (libsvm's calculate_rho)
    ub_mask = (at_upper & (y < 0)) | (~at_upper & (y > 0))
    lb_mask = (at_upper & (y > 0)) | (~at_upper & (y < 0))
    ub = yG[ub_mask].min() if ub_mask.any() else np.inf
    lb = yG[lb_mask].max() if lb_mask.any() else -np.inf
    return float((ub + lb) / 2)


def solve_smo(
    K: KernelRows, y: np.ndarray, C: float, tol: float, max_iter: int = -1
) -> tuple[np.ndarray, float, int, bool]:
    r"""Solve the SVM dual by SMO with WSS2.

    Parameters
    ----------
    K : KernelRows
        Kernel rows of the training points.
    y : ndarray of shape (n,)
        Labels in $\{-1, +1\}$.
    C : float
        Box constraint.
    tol : float
        Stop when $m(\alpha) - M(\alpha) <$ ``tol``.
    max_iter : int
        Iteration limit; -1 for none.

    Returns
    -------
    alpha : ndarray of shape (n,)
    rho : float
    n_iter : int
    converged : bool
    """
    alpha = np.zeros(y.shape[0])
    # $G = \nabla f(0) = -\mathbf 1$, kept as $-y \odot G$ (what the selection compares)
    minus_yG = y.astype(np.float64)
    positive = y > 0
    # at $\alpha = 0$: $I_\text{up} = \{y_t = +1\}$, $I_\text{low} = \{y_t = -1\}$; updated per pair
    up, low = positive.copy(), ~positive
    it = 0
    converged = False
    while max_iter < 0 or it < max_iter:
        pair = _select_working_set(minus_yG, up, low, K, tol)
        if pair is None:
            converged = True
            break
        _update_pair(alpha, minus_yG, y, C, K, *pair)
        for t in pair:
            above_zero, below_C = alpha[t] > 0, alpha[t] < C
            up[t] = below_C if positive[t] else above_zero
            low[t] = above_zero if positive[t] else below_C
        it += 1
    return alpha, _rho(alpha, minus_yG, y, C), it, converged
