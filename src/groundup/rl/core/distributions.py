r"""Action distributions with differentiable log-probabilities: the policies' output.

A policy $\pi_\theta(a \mid s)$ is a network that outputs the parameters of one of
these. Every policy-gradient loss needs $\log \pi_\theta(a \mid s)$ and its gradient
with respect to those parameters, and most add the entropy $\mathcal H[\pi(\cdot \mid s)]$:

* :class:`Categorical` — discrete actions: $\log \pi(a) = \ell_a - \log\sum_b e^{\ell_b}$
  from logits $\ell$ (``torch.distributions.Categorical``).
* :class:`DiagGaussian` — continuous actions, independent coordinates:
  $\log \pi(a) = \sum_i \big[-\tfrac12 \big(\tfrac{a_i - \mu_i}{\sigma_i}\big)^2 - \log\sigma_i
  - \tfrac12\log 2\pi\big]$ (``Independent(Normal(μ, σ), 1)``).
* :class:`TanhGaussian` — SAC's bounded actions $a = c\tanh(u) + b$ with
  $u \sim \mathcal N(\mu, \sigma^2)$; by the change of variables
  $$\log \pi(a) = \log \mathcal N(u; \mu, \sigma^2) - \sum_i \log\big(c_i\,(1 - \tanh^2 u_i)\big),$$
  with $\log(1 - \tanh^2 u) = 2(\log 2 - u - \operatorname{softplus}(-2u))$, which stays
  finite where $\tanh u$ rounds to $\pm 1$ (PyTorch's ``TanhTransform`` uses the same
  identity; the common ``log(1 - tanh(u)**2 + 1e-6)`` is biased by the ``1e-6``).

Samples come from a NumPy ``Generator`` passed in, never from global state.
``rsample`` is the reparameterised sample $\mu + \sigma\epsilon$, through which gradients
flow to $\mu$ and $\sigma$ (SAC, DDPG-style actor losses).

>>> import numpy as np
>>> from groundup import Tensor
>>> d = Categorical(Tensor(np.log(np.array([[0.5, 0.25, 0.25]]))))
>>> np.round(d.log_prob(np.array([1])).detach().numpy(), 4), np.round(d.entropy().detach().numpy(), 4)
(array([-1.3863]), array([1.0397]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.activations.sigmoid import softplus

__all__ = ["Categorical", "DiagGaussian", "TanhGaussian"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _as_tensor(x: Any, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=like.dtype))


class Categorical:
    r"""$\pi(a) = \operatorname{softmax}(\ell)_a$ over the last axis of ``logits``.

    Parameters
    ----------
    logits : Tensor of shape ``(..., K)``
        Unnormalised log-probabilities $\ell$ of the $K$ actions.
    """

    def __init__(self, logits: Tensor) -> None:
        if logits.ndim < 1:
            raise ValueError(f"logits must have shape (..., K), got {logits.shape}")
        self.logits = logits
        # $\log \pi(a) = \ell_a - \log \sum_b e^{\ell_b}$
        self.log_probs = logits.log_softmax(-1)
        self.num_actions = logits.shape[-1]

    @property
    def probs(self) -> Tensor:
        return self.log_probs.exp()

    def log_prob(self, actions: Any) -> Tensor:
        r"""$\log \pi(a)$ for integer ``actions`` of shape ``(...)``; returns shape ``(...)``."""
        a = np.asarray(actions)
        batch = self.logits.shape[:-1]
        if a.shape != batch:
            raise ValueError(
                f"actions must have shape {batch} (the logits' batch shape), got {a.shape}"
            )
        if not np.issubdtype(a.dtype, np.integer) or (
            a.size and (a.min() < 0 or a.max() >= self.num_actions)
        ):
            raise ValueError(f"actions must be integers in [0, {self.num_actions}), got {a}")
        one_hot = np.eye(self.num_actions, dtype=self.logits.dtype)[a]  # (..., K)
        # BEGIN SOLUTION
        # pick $\log\pi(a)$ out of the last axis with a one-hot mask (differentiable)
        return (self.log_probs * Tensor(one_hot)).sum(-1)
        # END SOLUTION

    def entropy(self) -> Tensor:
        r"""$\mathcal H = -\sum_a \pi(a)\log\pi(a)$, shape ``(...)``."""
        # BEGIN SOLUTION
        return -(self.probs * self.log_probs).sum(-1)
        # END SOLUTION

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Integer actions of shape ``(...)`` drawn by inverting the CDF."""
        p = np.exp(self.log_probs.detach().numpy().astype(np.float64))
        cdf = np.cumsum(p, axis=-1)
        u = rng.random(p.shape[:-1] + (1,)) * cdf[..., -1:]
        return np.minimum((u >= cdf).sum(-1), self.num_actions - 1).astype(np.int64)

    def mode(self) -> np.ndarray:
        """The most probable action (a greedy, deterministic policy)."""
        return self.logits.detach().numpy().argmax(-1)


class DiagGaussian:
    r"""$\mathcal N(\mu, \operatorname{diag}\sigma^2)$ over the last axis, $\sigma = e^{\log\sigma}$.

    Parameters
    ----------
    mean : Tensor of shape ``(..., d)``
    log_std : Tensor broadcastable to ``mean``
        State-dependent (same shape) or a learned vector of shape ``(d,)``.
    """

    def __init__(self, mean: Tensor, log_std: Tensor) -> None:
        if mean.ndim < 1:
            raise ValueError(f"mean must have shape (..., d), got {mean.shape}")
        try:
            np.broadcast_shapes(log_std.shape, mean.shape)
        except ValueError:
            raise ValueError(
                f"log_std of shape {log_std.shape} does not broadcast to mean's {mean.shape}"
            ) from None
        self.mean = mean
        self.log_std = log_std
        self.std = log_std.exp()

    def log_prob(self, actions: Any) -> Tensor:
        r"""$\sum_i \log\mathcal N(a_i; \mu_i, \sigma_i^2)$, shape ``(...)``."""
        a = _as_tensor(actions, self.mean)
        if a.shape != self.mean.shape:
            raise ValueError(f"actions must have shape {self.mean.shape}, got {a.shape}")
        # BEGIN SOLUTION
        z = (a - self.mean) / self.std
        # $-\tfrac12 z^2 - \log\sigma - \tfrac12\log 2\pi$, summed over the action axis
        return (-0.5 * z * z - self.log_std - _LOG_SQRT_2PI).sum(-1)
        # END SOLUTION

    def entropy(self) -> Tensor:
        r"""$\sum_i (\tfrac12 + \tfrac12\log 2\pi + \log\sigma_i)$, shape ``(...)``."""
        return (self.log_std.expand_as(self.mean) + (0.5 + _LOG_SQRT_2PI)).sum(-1)

    def rsample(self, rng: np.random.Generator) -> Tensor:
        r"""The reparameterised sample $\mu + \sigma\epsilon$, $\epsilon \sim \mathcal N(0, I)$."""
        eps = rng.standard_normal(self.mean.shape).astype(self.mean.dtype)
        return self.mean + self.std * Tensor(eps)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """A sample as an array (no gradient)."""
        return self.rsample(rng).detach().numpy()

    def mode(self) -> np.ndarray:
        return self.mean.detach().numpy()


class TanhGaussian:
    r"""The squashed Gaussian $a = c\tanh(u) + b$, $u \sim \mathcal N(\mu, \sigma^2)$, in $[b-c, b+c]$.

    Parameters
    ----------
    mean, log_std : Tensor of shape ``(..., d)``
        Of the Gaussian $u$ before squashing.
    low, high : array_like of shape ``(d,)``
        The action box; $c = (\text{high} - \text{low})/2$, $b = (\text{high} + \text{low})/2$.
    """

    def __init__(self, mean: Tensor, log_std: Tensor, low: Any = -1.0, high: Any = 1.0) -> None:
        self.base = DiagGaussian(mean, log_std)
        d = mean.shape[-1]
        low = np.broadcast_to(np.asarray(low, dtype=np.float64), (d,))
        high = np.broadcast_to(np.asarray(high, dtype=np.float64), (d,))
        if not np.all(high > low):
            raise ValueError(
                f"need high > low for every action dimension, got low={low}, high={high}"
            )
        self.scale = ((high - low) / 2).astype(mean.dtype)
        self.bias = ((high + low) / 2).astype(mean.dtype)

    def _log_det(self, u: Tensor) -> Tensor:
        r"""$\sum_i \log\big(c_i(1 - \tanh^2 u_i)\big)$, the log-Jacobian of $u \mapsto a$."""
        # BEGIN SOLUTION
        # $\log(1 - \tanh^2 u) = 2(\log 2 - u - \operatorname{softplus}(-2u))$
        log_one_minus_tanh2 = 2.0 * (math.log(2.0) - u - softplus(-2.0 * u))
        return (log_one_minus_tanh2 + Tensor(np.log(self.scale))).sum(-1)
        # END SOLUTION

    def rsample(self, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
        """A reparameterised action and its log-probability, both differentiable."""
        u = self.base.rsample(rng)
        action = u.tanh() * Tensor(self.scale) + Tensor(self.bias)
        return action, self.base.log_prob(u) - self._log_det(u)

    def log_prob(self, actions: Any) -> Tensor:
        r"""$\log\pi(a)$ of given actions (inverted through $\operatorname{atanh}$, clipped inside the box)."""
        a = np.asarray(
            actions.detach().numpy() if isinstance(actions, Tensor) else actions, np.float64
        )
        y = np.clip((a - self.bias) / self.scale, -1 + 1e-6, 1 - 1e-6)
        u = Tensor(np.arctanh(y).astype(self.base.mean.dtype))
        return self.base.log_prob(u) - self._log_det(u)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.rsample(rng)[0].detach().numpy()

    def mode(self) -> np.ndarray:
        """$c\\tanh(\\mu) + b$: the deterministic action used for evaluation (Spinning Up)."""
        return np.tanh(self.base.mean.detach().numpy()) * self.scale + self.bias
