r"""Behaviour cloning: supervised learning of the expert's actions from its states.

Given expert transitions $\mathcal D = \{(s_i, a_i)\}$, behaviour cloning maximises the
likelihood of the expert's actions under the policy,

$$L_{\mathrm{BC}}(\theta) = -\frac1N \sum_i \log \pi_\theta(a_i \mid s_i),$$

the cross-entropy for discrete actions (a :class:`~groundup.rl.core.CategoricalPolicy`)
and the Gaussian negative log-likelihood for continuous ones (a
:class:`~groundup.rl.core.GaussianPolicy`: its mean regresses on the expert's actions and
its $\log\sigma$ shrinks to their residual spread). It needs no reward and no
environment. Its weakness is *compounding error*: a policy off by $\epsilon$ per step
drifts to states the expert never visited, where it was never trained, so its regret
can grow like $\epsilon T^2$ over a horizon $T$ (Ross & Bagnell, 2010) — which is why
more demonstrations (covering more states) help more than a longer fit.

>>> import numpy as np
>>> from groundup.rl.core.datasets import collect_transitions
>>> expert = lambda obs: int(obs[2] + obs[3] > 0)     # a hand-made CartPole controller
>>> data = collect_transitions(expert, "CartPole-v1", num_episodes=2, seed=0)
>>> bc = BehaviorCloning(4, 2, discrete=True, config=BCConfig(epochs=30, seed=0))
>>> losses = bc.fit(data)
>>> bool(losses[-1] < losses[0])
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.distributions import Categorical, DiagGaussian
from groundup.rl.core.policies import CategoricalPolicy, GaussianPolicy

__all__ = ["BCConfig", "BehaviorCloning", "bc_loss"]


@dataclass
class BCConfig:
    """Behaviour cloning's hyperparameters."""

    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden widths of the policy."""
    learning_rate: float = 1e-3
    """Adam's learning rate."""
    batch_size: int = 64
    """Transitions per gradient step."""
    epochs: int = 50
    """Passes over the dataset."""
    seed: int = 0
    """Seeds the policy's weights and the minibatch order."""

    def __post_init__(self) -> None:
        for name in ("batch_size", "epochs"):
            if getattr(self, name) < 1:
                raise ValueError(f"BCConfig.{name} must be positive, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"BCConfig.learning_rate must be positive, got {self.learning_rate}")


def bc_loss(dist: Categorical | DiagGaussian, actions: Any) -> Tensor:
    r"""$L_{\mathrm{BC}} = -\frac1N\sum_i \log\pi_\theta(a_i \mid s_i)$ for a batch of expert ``actions``.

    ``dist`` is the policy's distribution on the batch's states: a :class:`Categorical`
    (``actions`` integers of shape ``(N,)``: the cross-entropy) or a :class:`DiagGaussian`
    (``actions`` of shape ``(N, d)``: the Gaussian negative log-likelihood).
    """
    # BEGIN SOLUTION
    return -dist.log_prob(actions).mean()
    # END SOLUTION


class BehaviorCloning:
    """A policy fitted to expert transitions; ``fit(dataset)`` trains it, ``act`` runs its mode.

    Parameters
    ----------
    obs_dim : int
    action_dim : int
        The number of actions (``discrete``) or the action vector's length.
    discrete : bool
    config : BCConfig, optional
    """

    def __init__(
        self, obs_dim: int, action_dim: int, discrete: bool, config: BCConfig | None = None
    ) -> None:
        self.config = cfg = config or BCConfig()
        self.discrete = discrete
        rng = np.random.default_rng([cfg.seed, 0])
        policy_cls = CategoricalPolicy if discrete else GaussianPolicy
        self.policy = policy_cls(obs_dim, action_dim, cfg.hidden_sizes, generator=rng)
        self.optimizer = Adam(self.policy.parameters(), lr=cfg.learning_rate)
        self.rng = np.random.default_rng([cfg.seed, 1])

    @classmethod
    def for_env(cls, env: Any, config: BCConfig | None = None) -> BehaviorCloning:
        """The cloner for a Gymnasium env's (flat Box) observations and its actions."""
        import gymnasium as gym

        obs_space, act_space = env.observation_space, env.action_space
        if not isinstance(obs_space, gym.spaces.Box) or len(obs_space.shape) != 1:
            raise ValueError(f"BehaviorCloning needs a flat Box observation space, got {obs_space}")
        if isinstance(act_space, gym.spaces.Discrete):
            return cls(obs_space.shape[0], int(act_space.n), True, config)
        if isinstance(act_space, gym.spaces.Box):
            return cls(obs_space.shape[0], act_space.shape[0], False, config)
        raise ValueError(f"BehaviorCloning needs a Discrete or Box action space, got {act_space}")

    def train_epoch(self, observations: np.ndarray, actions: np.ndarray) -> float:
        """One shuffled pass over the arrays; the mean minibatch loss."""
        n, bs = len(observations), self.config.batch_size
        order = self.rng.permutation(n)
        losses = []
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            loss = bc_loss(self.policy(Tensor(observations[idx])), actions[idx])
            if not np.isfinite(loss.item()):
                raise FloatingPointError(f"behaviour cloning loss is {loss.item()}")
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    def fit(self, dataset: Any, epochs: int | None = None) -> list[float]:
        """Train on a :class:`~groundup.rl.core.datasets.TransitionDataset`; each epoch's loss."""
        obs = np.asarray(dataset.observations, np.float32)
        actions = np.asarray(dataset.actions)
        if self.discrete and not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"discrete behaviour cloning needs integer actions, got {actions.dtype}"
            )
        if len(obs) == 0:
            raise ValueError("the dataset is empty")
        return [self.train_epoch(obs, actions) for _ in range(epochs or self.config.epochs)]

    def act(self, obs: np.ndarray, deterministic: bool = True) -> Any:
        """The most probable action (``deterministic``) or a sample, for one observation."""
        with no_grad():
            dist = self.policy(Tensor(np.asarray(obs, np.float32)[None]))
            a = dist.mode() if deterministic else dist.sample(self.rng)
        return int(a[0]) if self.discrete else np.asarray(a[0], np.float32)
