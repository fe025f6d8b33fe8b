r"""Deep Q-Networks (Mnih et al., 2015) and Double DQN (van Hasselt et al., 2016).

DQN fits $Q_\phi(s, a)$ to bootstrapped targets from a replay buffer, acting
$\epsilon$-greedily. The target uses a slowly refreshed copy $\phi'$:

$$y = r + \gamma^m\,(1 - \text{terminated})\,Q_{\phi'}\big(s', a^*\big),\qquad
a^* = \begin{cases}\arg\max_{a'} Q_{\phi'}(s', a') & \text{DQN}\\
\arg\max_{a'} Q_{\phi}(s', a') & \text{Double DQN}\end{cases}$$

and minimises the Huber loss $\ell_\delta(Q_\phi(s, a) - y)$ (``smooth_l1`` with
$\delta = 1$, as DQN's "error clipping"). Taking the max of noisy estimates overestimates
$Q$; Double DQN lets the online network choose $a^*$ and the target network evaluate
it, which removes most of that bias. $\gamma^m$ is the replay buffer's ``discounts``
($\gamma$ for one-step transitions).

Defaults are rl-baselines3-zoo's CartPole-v1 setting (500 within 50k steps): a
256-256 MLP, lr $2.3\cdot10^{-3}$, batch 64, 128 gradient steps every 256 environment
steps, the target refreshed every 10 environment steps (so once per training phase),
$\epsilon$ from 1 to 0.04 over the first 16% of training, learning from step 1,000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.gradient_utils.clipping import clip_grad_norm_
from groundup.optimization.losses.mse import smooth_l1_loss
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.off_policy import OffPolicyAgent
from groundup.rl.core.replay_buffer import ReplayBuffer
from groundup.rl.core.value_functions import QFunction, hard_update

__all__ = ["DQN", "DQNConfig", "dqn_targets"]


@dataclass
class DQNConfig:
    """DQN's hyperparameters (defaults: rl-baselines3-zoo, CartPole-v1)."""

    env_id: str = "CartPole-v1"
    """Gymnasium id of an environment with a Discrete action space."""
    total_timesteps: int = 50_000
    """Environment steps to train for."""
    learning_rate: float = 2.3e-3
    """Adam's learning rate."""
    buffer_size: int = 100_000
    """Replay capacity."""
    learning_starts: int = 1_000
    """Environment steps of random play before the first update."""
    batch_size: int = 64
    """Transitions per gradient step."""
    gamma: float = 0.99
    """Discount factor."""
    train_freq: int = 256
    """Environment steps between training phases."""
    gradient_steps: int = 128
    """Gradient steps per training phase."""
    target_update_interval: int = 10
    """Environment steps between hard copies into the target network."""
    exploration_fraction: float = 0.16
    """Fraction of training over which epsilon decays linearly."""
    exploration_initial_eps: float = 1.0
    """Epsilon at the start."""
    exploration_final_eps: float = 0.04
    """Epsilon after the decay."""
    max_grad_norm: float = 10.0
    """Global gradient-norm clip (SB3's default)."""
    double: bool = False
    """Double DQN: the online network chooses the next action, the target evaluates it."""
    n_step: int = 1
    """Steps summed into each stored return."""
    hidden_sizes: tuple[int, ...] = (256, 256)
    """Hidden widths of the Q-network."""
    seed: int = 0
    """Seeds the network, the environment, exploration and sampling."""

    def __post_init__(self) -> None:
        for name in (
            "total_timesteps",
            "buffer_size",
            "batch_size",
            "train_freq",
            "gradient_steps",
            "target_update_interval",
            "n_step",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"DQNConfig.{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.exploration_final_eps <= self.exploration_initial_eps <= 1.0:
            raise ValueError("need 0 <= exploration_final_eps <= exploration_initial_eps <= 1")


def dqn_targets(
    rewards: np.ndarray,
    next_q_target: np.ndarray,
    terminated: np.ndarray,
    discounts: np.ndarray,
    next_q_online: np.ndarray | None = None,
) -> np.ndarray:
    r"""$y = r + \gamma^m (1 - \text{terminated})\,Q_{\phi'}(s', a^*)$ for a batch, shape ``(B,)``.

    Parameters
    ----------
    rewards, terminated, discounts : ndarray of shape ``(B,)``
    next_q_target : ndarray of shape ``(B, A)``
        $Q_{\phi'}(s', \cdot)$.
    next_q_online : ndarray of shape ``(B, A)``, optional
        $Q_\phi(s', \cdot)$: given, $a^*$ is its argmax (Double DQN); else the target's.
    """
    B = len(rewards)
    if next_q_target.ndim != 2 or next_q_target.shape[0] != B:
        raise ValueError(
            f"next_q_target must have shape ({B}, num_actions), got {next_q_target.shape}"
        )
    if next_q_online is not None:  # Double DQN: the online network chooses a*
        from groundup.rl.value_based.double_dqn import double_dqn_targets

        return double_dqn_targets(rewards, next_q_online, next_q_target, terminated, discounts)
    # BEGIN SOLUTION
    # $\max_{a'} Q_{\phi'}(s', a')$: the target network both chooses and evaluates
    next_q = next_q_target.max(-1)  # (B,)
    return rewards + discounts * (1.0 - terminated) * next_q
    # END SOLUTION


class DQN(OffPolicyAgent):
    """The DQN agent: ``DQN(DQNConfig(...)).learn()`` trains it; ``act`` runs it greedily."""

    name = "DQN"
    return_window = 20

    def __init__(
        self, config: DQNConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or DQNConfig()
        obs_space, act_space = self._init_env(
            env_fn or cfg.env_id, gym.spaces.Discrete, "for continuous actions use DDPG, TD3 or SAC"
        )
        obs_dim, self.num_actions = obs_space.shape[0], int(act_space.n)
        rng = np.random.default_rng([cfg.seed, 0])
        self.q = QFunction(obs_dim, self.num_actions, cfg.hidden_sizes, generator=rng)
        self.q_target = hard_update(
            QFunction(obs_dim, self.num_actions, cfg.hidden_sizes, generator=rng), self.q
        )
        self.optimizer = Adam(self.q.parameters(), lr=cfg.learning_rate)
        self.buffer = ReplayBuffer(
            cfg.buffer_size, obs_space.shape, n_step=cfg.n_step, gamma=cfg.gamma
        )
        self.rng = np.random.default_rng([cfg.seed, 1])
        # one row per training phase
        self.log_every = cfg.train_freq
        self._reset_env(cfg.seed)

    def _modules(self) -> dict[str, Any]:
        return {"q": self.q, "q_target": self.q_target, "optimizer": self.optimizer}

    def epsilon(self) -> float:
        """The exploration rate now: linear from initial to final over ``exploration_fraction``."""
        cfg = self.config
        frac = min(1.0, self.global_step / (cfg.exploration_fraction * cfg.total_timesteps))
        return cfg.exploration_initial_eps + frac * (
            cfg.exploration_final_eps - cfg.exploration_initial_eps
        )

    def act(self, obs: np.ndarray, deterministic: bool = True) -> int:
        """The greedy action (``deterministic``) or an epsilon-greedy one."""
        if not deterministic and self.rng.random() < self.epsilon():
            return int(self.rng.integers(self.num_actions))
        with no_grad():
            return int(self.q(Tensor(np.asarray(obs, np.float32)[None])).numpy()[0].argmax())

    def random_action(self) -> np.ndarray:
        return np.array([int(self.rng.integers(self.num_actions))])

    def explore(self, obs: np.ndarray) -> np.ndarray:
        return np.array([self.act(obs[0], deterministic=False)])

    def train_step(self) -> float:
        """One gradient step on a sampled minibatch; returns the loss."""
        cfg = self.config
        b = self.buffer.sample(cfg.batch_size, self.rng)
        with no_grad():
            next_obs = Tensor(b.next_observations)
            next_q_target = self.q_target(next_obs).numpy()
            next_q_online = self.q(next_obs).numpy() if cfg.double else None
        y = dqn_targets(b.rewards, next_q_target, b.terminated, b.discounts, next_q_online)
        q_all = self.q(Tensor(b.observations))  # (B, A)
        one_hot = np.eye(self.num_actions, dtype=np.float32)[b.actions]
        q_taken = (q_all * Tensor(one_hot)).sum(-1)  # (B,): never (B, 1) against y's (B,)
        assert q_taken.shape == y.shape, (q_taken.shape, y.shape)
        loss = smooth_l1_loss(q_taken, Tensor(y.astype(np.float32)))
        if not np.isfinite(loss.item()):
            raise FloatingPointError(f"DQN loss is {loss.item()} at step {self.global_step}")
        self.optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(list(self.q.parameters()), cfg.max_grad_norm)
        self.optimizer.step()
        return loss.item()

    def train(self) -> dict[str, float] | None:
        """Sync the target every ``target_update_interval`` steps; every ``train_freq``
        steps from ``learning_starts``, ``gradient_steps`` gradient steps."""
        cfg = self.config
        if self.global_step % cfg.target_update_interval == 0:
            hard_update(self.q_target, self.q)
        if self.global_step < cfg.learning_starts or self.global_step % cfg.train_freq != 0:
            return None
        losses = [self.train_step() for _ in range(cfg.gradient_steps)]
        return {"loss": float(np.mean(losses)), "epsilon": self.epsilon()}
