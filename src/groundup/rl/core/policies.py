r"""Policy networks $\pi_\theta(a \mid s)$: an MLP from observations to an action distribution.

* :class:`CategoricalPolicy` — discrete actions (REINFORCE, A2C, PPO on CartPole).
* :class:`GaussianPolicy` — continuous actions with a state-independent learned
  $\log\sigma$ (PPO on Pendulum, TRPO).
* :class:`SquashedGaussianPolicy` — SAC's actor: state-dependent $\mu(s), \log\sigma(s)$,
  $\log\sigma$ clipped to ``[log_std_min, log_std_max]``, actions squashed into the box.
* :class:`DeterministicPolicy` — DDPG's and TD3's actor $a = \mu_\theta(s)$ in the box.

:func:`orthogonal_init_` is the initialisation PPO implementations share (CleanRL,
SB3): orthogonal weights with gain $\sqrt 2$ in hidden layers, a small gain (0.01) on
the policy head so the first policy is close to uniform (or to $\mu = 0$), gain 1 on a
value head, zero biases.

>>> import numpy as np
>>> from groundup import Tensor
>>> pi = CategoricalPolicy(4, 2, hidden_sizes=(64, 64), generator=np.random.default_rng(0))
>>> dist = pi(Tensor(np.zeros((3, 4), np.float32)))
>>> np.round(dist.probs.detach().numpy(), 2)        # orthogonal init, head gain 0.01: near uniform
array([[0.5, 0.5],
       [0.5, 0.5],
       [0.5, 0.5]], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from groundup.architectures.mlp import MLP
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core import init
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module, Parameter
from groundup.rl.core.distributions import Categorical, DiagGaussian, TanhGaussian
from groundup.utils.seeding import make_rng

__all__ = [
    "CategoricalPolicy",
    "DeterministicPolicy",
    "GaussianPolicy",
    "SquashedGaussianPolicy",
    "clip_to_space",
    "orthogonal_init_",
    "policy_for",
]


def orthogonal_init_(
    net: Module,
    hidden_gain: float = math.sqrt(2.0),
    output_gain: float = 0.01,
    generator: np.random.Generator | None = None,
) -> Module:
    """Orthogonal weights (``hidden_gain``; ``output_gain`` for the last Linear), zero biases."""
    rng = make_rng(generator)
    linears = [m for m in net.modules() if isinstance(m, Linear)]
    # BEGIN SOLUTION
    for k, layer in enumerate(linears):
        gain = output_gain if k == len(linears) - 1 else hidden_gain
        init.orthogonal_(layer.weight, gain=gain, generator=rng)
        if layer.bias is not None:
            init.zeros_(layer.bias)
    # END SOLUTION
    return net


def _check_obs(obs: Tensor, obs_dim: int, who: str) -> Tensor:
    obs = obs if isinstance(obs, Tensor) else Tensor(np.asarray(obs, np.float32))
    if obs.ndim < 1 or obs.shape[-1] != obs_dim:
        raise ValueError(f"{who}: observations must have shape (..., {obs_dim}), got {obs.shape}")
    return obs


class CategoricalPolicy(Module):
    r"""$\pi_\theta(\cdot \mid s) = \operatorname{softmax}(f_\theta(s))$ over ``num_actions`` actions.

    Parameters
    ----------
    obs_dim, num_actions : int
    hidden_sizes : sequence of int
    activation : str
        Hidden nonlinearity (``"tanh"`` as in PPO's defaults).
    generator : np.random.Generator, optional
        For the initial weights.
    """

    def __init__(
        self,
        obs_dim: int,
        num_actions: int,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "tanh",
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim, self.num_actions = obs_dim, num_actions
        self.net = orthogonal_init_(
            MLP(obs_dim, hidden_sizes, num_actions, activation=activation, generator=generator),
            output_gain=0.01,
            generator=generator,
        )

    def forward(self, obs: Tensor) -> Categorical:
        return Categorical(self.net(_check_obs(obs, self.obs_dim, "CategoricalPolicy")))


class GaussianPolicy(Module):
    r"""$\pi_\theta(\cdot \mid s) = \mathcal N(\mu_\theta(s), \operatorname{diag} e^{2\log\sigma})$, $\log\sigma$ a learned vector."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "tanh",
        log_std_init: float = 0.0,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim, self.action_dim = obs_dim, action_dim
        self.mean_net = orthogonal_init_(
            MLP(obs_dim, hidden_sizes, action_dim, activation=activation, generator=generator),
            output_gain=0.01,
            generator=generator,
        )
        self.log_std = Parameter(np.full(action_dim, log_std_init, dtype=np.float32))

    def forward(self, obs: Tensor) -> DiagGaussian:
        mean = self.mean_net(_check_obs(obs, self.obs_dim, "GaussianPolicy"))
        return DiagGaussian(mean, self.log_std)


class SquashedGaussianPolicy(Module):
    r"""SAC's actor: $u \sim \mathcal N(\mu_\theta(s), \sigma_\theta(s)^2)$, $a = c\tanh u + b$ in ``[low, high]``."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        low: Any = -1.0,
        high: Any = 1.0,
        hidden_sizes: Sequence[int] = (256, 256),
        log_std_min: float = -5.0,
        log_std_max: float = 2.0,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if not log_std_min < log_std_max:
            raise ValueError(f"need log_std_min < log_std_max, got {log_std_min}, {log_std_max}")
        self.obs_dim, self.action_dim = obs_dim, action_dim
        self.low, self.high = low, high
        self.log_std_min, self.log_std_max = log_std_min, log_std_max
        # one trunk, two heads: mean and log-std (2 * action_dim outputs)
        self.net = MLP(
            obs_dim, hidden_sizes, 2 * action_dim, activation="relu", generator=generator
        )

    def forward(self, obs: Tensor) -> TanhGaussian:
        out = self.net(_check_obs(obs, self.obs_dim, "SquashedGaussianPolicy"))
        d = self.action_dim
        mean, log_std = out[..., :d], out[..., d:]
        # a bounded $\log\sigma$ keeps $\sigma$ away from 0 and from overflow
        log_std = log_std.clip(self.log_std_min, self.log_std_max)
        return TanhGaussian(mean, log_std, self.low, self.high)


class DeterministicPolicy(Module):
    r"""DDPG/TD3's actor $\mu_\theta(s) = c\tanh(f_\theta(s)) + b$, inside ``[low, high]``."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        low: Any = -1.0,
        high: Any = 1.0,
        hidden_sizes: Sequence[int] = (256, 256),
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim, self.action_dim = obs_dim, action_dim
        low = np.broadcast_to(np.asarray(low, np.float32), (action_dim,))
        high = np.broadcast_to(np.asarray(high, np.float32), (action_dim,))
        if not np.all(high > low):
            raise ValueError(f"need high > low for every action dimension, got {low}, {high}")
        self.scale, self.bias = (high - low) / 2, (high + low) / 2
        self.net = MLP(obs_dim, hidden_sizes, action_dim, activation="relu", generator=generator)

    def forward(self, obs: Tensor) -> Tensor:
        f = self.net(_check_obs(obs, self.obs_dim, "DeterministicPolicy"))
        return f.tanh() * Tensor(self.scale) + Tensor(self.bias)


def policy_for(
    observation_space: Any,
    action_space: Any,
    hidden_sizes: Sequence[int],
    who: str,
    log_std_init: float = 0.0,
    generator: np.random.Generator | None = None,
) -> CategoricalPolicy | GaussianPolicy:
    """The on-policy agents' policy for a Gymnasium env: categorical for ``Discrete`` actions,
    a diagonal Gaussian for ``Box`` ones; a clear error naming ``who`` for anything else."""
    import gymnasium as gym

    if not isinstance(observation_space, gym.spaces.Box) or len(observation_space.shape) != 1:
        raise ValueError(f"{who} needs a flat Box observation space, got {observation_space}")
    obs_dim = observation_space.shape[0]
    if isinstance(action_space, gym.spaces.Discrete):
        return CategoricalPolicy(obs_dim, int(action_space.n), hidden_sizes, generator=generator)
    if isinstance(action_space, gym.spaces.Box):
        return GaussianPolicy(
            obs_dim,
            action_space.shape[0],
            hidden_sizes,
            log_std_init=log_std_init,
            generator=generator,
        )
    raise ValueError(f"{who} needs a Discrete or Box action space, got {action_space}")


def clip_to_space(action: np.ndarray, action_space: Any) -> np.ndarray:
    """What the env receives: a Gaussian's unbounded sample clipped to a ``Box``; discrete as is."""
    low, high = getattr(action_space, "low", None), getattr(action_space, "high", None)
    return action if low is None else np.clip(action, low, high)
