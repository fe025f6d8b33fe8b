r"""Trust Region Policy Optimisation (Schulman et al., 2015), discrete actions.

TRPO maximises the surrogate advantage under a hard bound on how far the policy moves:

$$\max_\theta\; L(\theta) = \mathbb E_t\Big[\frac{\pi_\theta(a_t \mid s_t)}{\pi_{\theta_\text{old}}(a_t \mid s_t)}\,\hat A_t\Big]
\quad\text{s.t.}\quad \bar D_\text{KL}(\theta) = \mathbb E_t\big[D_\text{KL}\big(\pi_{\theta_\text{old}}(\cdot \mid s_t)\,\|\,\pi_\theta(\cdot \mid s_t)\big)\big] \le \delta.$$

Near $\theta_\text{old}$ the objective is linear, $L \approx g^\top \Delta$, and the KL is
quadratic, $\bar D_\text{KL} \approx \tfrac12 \Delta^\top F \Delta$, with $F$ the Fisher
information (the Hessian of $\bar D_\text{KL}$ at $\theta_\text{old}$). The solution of
that model problem is the natural gradient scaled onto the boundary:

$$s = F^{-1} g, \qquad \Delta = \sqrt{\frac{2\delta}{s^\top F s}}\; s.$$

$F$ has one row per parameter (thousands), so it is never built: conjugate gradient
(:func:`conjugate_gradient`) solves $F s = g$ from products $F v$ alone, and each
product is a second backward pass (:func:`fisher_vector_product`):
$F v = \nabla_\theta\big[(\nabla_\theta \bar D_\text{KL})^\top v\big]$ — the first
gradient is taken with ``create_graph=True`` so the second can differentiate it. The
quadratic model can be wrong, so a backtracking line search (:func:`line_search`)
shrinks $\Delta$ until the true KL is within $\delta$ and $L$ has improved.

The critic $V_\phi$ is fitted separately, by Adam on $(V_\phi - \hat R)^2$ for a few
epochs per rollout; advantages are GAE over same-step-autoreset vector envs, the
rollout collector PPO and A2C use.

Implementation details (sb3-contrib's ``TRPO``, whose CartPole-v1 setting of
rl-baselines3-zoo is the default here): advantages whitened per rollout; damping
$0.1$ added to $F$ ($F + 0.1 I$ is what CG inverts); 15 CG iterations; the line search
shrinks by 0.8 up to 10 times and keeps $\theta_\text{old}$ if none is accepted; the
network is a 64-64 tanh MLP with orthogonal init. Truncated episodes bootstrap from
$V(s'_\text{final})$.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from groundup.foundations.autograd import grad, no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.optimization.optimizers.adam import Adam
from groundup.rl.core.envs import evaluate_policy, make_vector_env
from groundup.rl.core.policies import CategoricalPolicy
from groundup.rl.core.rollout_buffer import RolloutCollector
from groundup.rl.core.value_functions import ValueFunction

__all__ = [
    "TRPO",
    "TRPOConfig",
    "categorical_kl",
    "conjugate_gradient",
    "fisher_vector_product",
    "line_search",
]


@dataclass
class TRPOConfig:
    """TRPO's hyperparameters (defaults: rl-baselines3-zoo / sb3-contrib, CartPole-v1)."""

    env_id: str = "CartPole-v1"
    """Gymnasium id of an environment with a Discrete action space."""
    num_envs: int = 2
    """Environments stepped together."""
    num_steps: int = 512
    """Steps per environment in each rollout (one policy step per rollout)."""
    total_timesteps: int = 100_000
    """Environment steps to train for."""
    target_kl: float = 0.01
    r"""The trust region's radius $\delta$ on the mean KL."""
    cg_iters: int = 15
    """Conjugate-gradient iterations per update."""
    cg_damping: float = 0.1
    """Added to the Fisher matrix's diagonal, so CG inverts F + damping * I."""
    line_search_shrink: float = 0.8
    """Factor the step shrinks by at each rejected line-search trial."""
    line_search_max_iter: int = 10
    """Line-search trials before keeping the old parameters."""
    critic_learning_rate: float = 1e-3
    """Adam's learning rate for the value function."""
    critic_epochs: int = 20
    """Passes of the critic over each rollout."""
    critic_batch_size: int = 512
    """Minibatch size of the critic's steps."""
    gamma: float = 0.98
    """Discount factor."""
    gae_lambda: float = 0.8
    """GAE's lambda."""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden widths of the policy and of the critic."""
    seed: int = 0
    """Seeds the networks, the environments and the action samples."""

    def __post_init__(self) -> None:
        for name in (
            "num_envs",
            "num_steps",
            "total_timesteps",
            "cg_iters",
            "line_search_max_iter",
            "critic_epochs",
            "critic_batch_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"TRPOConfig.{name} must be positive, got {getattr(self, name)}")
        if self.target_kl <= 0:
            raise ValueError(f"TRPOConfig.target_kl must be positive, got {self.target_kl}")
        if not 0.0 < self.line_search_shrink < 1.0:
            raise ValueError(
                f"TRPOConfig.line_search_shrink must be in (0, 1), got {self.line_search_shrink}"
            )


def categorical_kl(old_log_probs: np.ndarray, log_probs: Tensor) -> Tensor:
    r"""$D_\text{KL}(\pi_\text{old} \| \pi) = \sum_a \pi_\text{old}(a)\,[\log\pi_\text{old}(a) - \log\pi(a)]$.

    Parameters
    ----------
    old_log_probs : ndarray of shape ``(B, K)``
        $\log\pi_{\theta_\text{old}}(\cdot \mid s)$, held fixed (no gradient).
    log_probs : Tensor of shape ``(B, K)``
        $\log\pi_\theta(\cdot \mid s)$.

    Returns
    -------
    Tensor of shape ``(B,)``
    """
    if np.shape(old_log_probs) != log_probs.shape:
        raise ValueError(
            f"old_log_probs {np.shape(old_log_probs)} and log_probs {log_probs.shape} must have "
            "one shape (B, num_actions)"
        )
    old = np.asarray(old_log_probs, log_probs.dtype)
    return (Tensor(np.exp(old)) * (Tensor(old) - log_probs)).sum(-1)


def fisher_vector_product(
    kl: Tensor,
    params: Sequence[Tensor],
    damping: float = 0.0,
) -> Callable[[np.ndarray], np.ndarray]:
    r"""$v \mapsto (F + \text{damping}\,I)\,v$ with $F = \nabla^2_\theta \bar D_\text{KL}$, by double backward.

    Parameters
    ----------
    kl : Tensor, scalar
        $\bar D_\text{KL}(\theta)$, the mean KL from the old policy, built with gradients on.
    params : sequence of Tensor
        $\theta$; the vectors $v$ are their concatenation, flattened in this order.
    damping : float
        Added times $v$ (Tikhonov damping, keeps CG stable where $F$ is near singular).

    Returns
    -------
    callable
        ``fvp(v)`` for ``v`` of shape ``(P,)`` (``P`` the number of parameters),
        returning shape ``(P,)`` in float64. The graph of $\nabla\bar D_\text{KL}$ is built once
        and reused by every call. A parameter the KL does not depend on gets zero rows.

    >>> from groundup import Tensor
    >>> x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    >>> fvp = fisher_vector_product((x * x * x).sum(), [x])   # Hessian diag(6x)
    >>> fvp(np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    params = list(params)
    # BEGIN SOLUTION
    # $\nabla_\theta \bar D_\text{KL}$, recorded so that it can be differentiated again
    grads = grad(kl, params, create_graph=True, allow_unused=True)

    def fvp(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, np.float64)
        pieces = _unflatten(v, params)
        # $(\nabla_\theta \bar D_\text{KL})^\top v$, a scalar whose gradient is $F v$
        g_dot_v = sum(
            (g * Tensor(piece.astype(g.dtype))).sum()
            for g, piece in zip(grads, pieces)
            if g is not None  # a parameter the KL does not depend on: its rows of F are 0
        )
        if not isinstance(g_dot_v, Tensor) or not g_dot_v.requires_grad:
            return damping * v  # the KL is at most linear in theta: F = 0
        hv = grad(g_dot_v, params, retain_graph=True, allow_unused=True)
        return (
            _flatten([np.zeros(p.shape) if h is None else h.numpy() for h, p in zip(hv, params)])
            + damping * v
        )

    # END SOLUTION
    return fvp


def conjugate_gradient(
    Avp: Callable[[np.ndarray], np.ndarray],
    b: np.ndarray,
    iters: int = 15,
    residual_tol: float = 1e-10,
) -> np.ndarray:
    r"""Solve $A x = b$ for symmetric positive definite $A$, given only $v \mapsto A v$.

    Starting from $x = 0$, each iteration moves along a search direction $p$ that is
    $A$-conjugate to the previous ones; in exact arithmetic it ends in at most
    $\dim b$ iterations.

    Parameters
    ----------
    Avp : callable
        ``Avp(v) -> A @ v``, both of shape ``(P,)``.
    b : ndarray of shape ``(P,)``
    iters : int
        At most this many products with $A$.
    residual_tol : float
        Stop once $\|r\|^2$ is below it.

    Returns
    -------
    ndarray of shape ``(P,)``

    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> conjugate_gradient(lambda v: A @ v, np.array([1.0, 2.0]), iters=2) * 11
    array([1., 7.])
    """
    b = np.asarray(b, np.float64)
    x = np.zeros_like(b)
    # BEGIN SOLUTION
    r = b.copy()  # $r = b - A x$ with $x = 0$
    p = r.copy()
    rr = r @ r
    for _ in range(iters):
        if rr < residual_tol:
            break
        Ap = Avp(p)
        # $\alpha = r^\top r / p^\top A p$: the exact minimiser along $p$
        alpha = rr / (p @ Ap)
        x += alpha * p
        r -= alpha * Ap
        rr_new = r @ r
        # $p \leftarrow r + \beta p$, $\beta = r_\text{new}^\top r_\text{new} / r^\top r$
        p = r + (rr_new / rr) * p
        rr = rr_new
    # END SOLUTION
    return x


def line_search(
    evaluate: Callable[[np.ndarray], tuple[float, float]],
    theta_old: np.ndarray,
    full_step: np.ndarray,
    loss_old: float,
    max_kl: float,
    shrink: float = 0.8,
    max_iter: int = 10,
) -> tuple[np.ndarray, int]:
    r"""Backtrack from $\theta_\text{old} + \Delta$ until the KL is within $\delta$ and the surrogate improved.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(theta) -> (surrogate, kl)``: $L(\theta)$ (to maximise) and
        $\bar D_\text{KL}(\theta_\text{old}, \theta)$ at the flat parameters ``theta``.
    theta_old, full_step : ndarray of shape ``(P,)``
    loss_old : float
        $L(\theta_\text{old})$.
    max_kl : float
        $\delta$.
    shrink, max_iter : float, int
        Trial $k$ (from 0) tries $\theta_\text{old} + \text{shrink}^k\,\Delta$.

    Returns
    -------
    theta : ndarray of shape ``(P,)``
        The first accepted trial, or ``theta_old`` if none was.
    trial : int
        Its index $k$, or ``-1`` if none was accepted.

    >>> evaluate = lambda th: (float(th[0]), float(th[0] ** 2))   # L = KL^(1/2) = theta
    >>> line_search(evaluate, np.zeros(1), np.ones(1), 0.0, max_kl=0.5, shrink=0.5)
    (array([0.5]), 1)
    """
    # BEGIN SOLUTION
    for k in range(max_iter):
        theta = theta_old + shrink**k * full_step
        loss, kl = evaluate(theta)
        if kl <= max_kl and loss > loss_old:
            return theta, k
    return theta_old, -1
    # END SOLUTION


def _flatten(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(a, np.float64).ravel() for a in arrays])


def _unflatten(flat: np.ndarray, like: Sequence[Tensor]) -> list[np.ndarray]:
    sizes = [p.data.size for p in like]
    if flat.shape != (sum(sizes),):
        raise ValueError(f"expected a flat vector of shape ({sum(sizes)},), got {flat.shape}")
    pieces = np.split(flat, np.cumsum(sizes)[:-1])
    return [piece.reshape(p.shape) for piece, p in zip(pieces, like)]


class TRPO:
    """The TRPO agent: ``TRPO(TRPOConfig(...)).learn()`` trains it; ``act`` runs the mode."""

    def __init__(
        self, config: TRPOConfig | None = None, env_fn: Callable[[], gym.Env] | None = None
    ) -> None:
        self.config = cfg = config or TRPOConfig()
        self.env_source = env_fn or cfg.env_id
        self.envs = make_vector_env(self.env_source, cfg.num_envs, seed=cfg.seed)
        obs_space, act_space = self.envs.single_observation_space, self.envs.single_action_space
        if not isinstance(act_space, gym.spaces.Discrete):
            raise ValueError(
                f"TRPO here needs a Discrete action space, got {act_space}: for continuous "
                "actions use PPO, DDPG, TD3 or SAC"
            )
        if not isinstance(obs_space, gym.spaces.Box) or len(obs_space.shape) != 1:
            raise ValueError(f"TRPO needs a flat Box observation space, got {obs_space}")
        rng = np.random.default_rng([cfg.seed, 0])
        obs_dim = obs_space.shape[0]
        self.policy = CategoricalPolicy(obs_dim, int(act_space.n), cfg.hidden_sizes, generator=rng)
        self.value = ValueFunction(obs_dim, cfg.hidden_sizes, generator=rng)
        self.params = list(self.policy.parameters())
        self.critic_optimizer = Adam(self.value.parameters(), lr=cfg.critic_learning_rate)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.collector = RolloutCollector(
            self.envs, self.policy, self.value, cfg.gamma, cfg.gae_lambda, seed=cfg.seed
        )
        self.global_step = 0

    def act(self, obs: np.ndarray, deterministic: bool = True) -> int:
        """The most probable action (``deterministic``) or a sampled one."""
        with no_grad():
            dist = self.policy(Tensor(np.asarray(obs, np.float32)[None]))
            return int(dist.mode()[0] if deterministic else dist.sample(self.rng)[0])

    # ------------------------------------------------------------------ flat parameters
    def get_flat_params(self) -> np.ndarray:
        return _flatten([p.data for p in self.params])

    def set_flat_params(self, theta: np.ndarray) -> None:
        for p, piece in zip(self.params, _unflatten(theta, self.params)):
            p.data[...] = piece

    # ------------------------------------------------------------------ one update
    def policy_update(
        self, obs: np.ndarray, actions: np.ndarray, advantages: np.ndarray
    ) -> dict[str, float]:
        """One natural-gradient step in the trust region; ``obs (B, obs_dim)``, the rest ``(B,)``."""
        cfg = self.config
        o = Tensor(obs)
        with no_grad():
            old_all = self.policy(o).log_probs.numpy()  # (B, K)
        old_taken = old_all[np.arange(len(actions)), actions]  # (B,)
        A = Tensor(advantages.astype(np.float32))

        def surrogate(dist: Any) -> Tensor:
            # $L = \mathbb E[\rho_t \hat A_t]$, $\rho_t = \exp(\log\pi_\theta - \log\pi_{\theta_\text{old}})$
            ratio = (dist.log_prob(actions) - Tensor(old_taken)).exp()
            return (ratio * A).mean()

        dist = self.policy(o)
        loss = surrogate(dist)
        # $g = \nabla_\theta L$ (the graph is kept: the KL below shares its forward pass)
        g = _flatten([x.numpy() for x in grad(loss, self.params, retain_graph=True)])  # (P,)
        kl = categorical_kl(old_all, dist.log_probs).mean()
        fvp = fisher_vector_product(kl, self.params, cfg.cg_damping)
        # $s = (F + cI)^{-1} g$
        s = conjugate_gradient(fvp, g, cfg.cg_iters)
        # $\Delta = \sqrt{2\delta / s^\top F s}\; s$ puts the quadratic model's KL at $\delta$
        sFs = float(s @ fvp(s))
        full_step = np.sqrt(2.0 * cfg.target_kl / max(sFs, 1e-12)) * s
        theta_old = self.get_flat_params()

        def evaluate(theta: np.ndarray) -> tuple[float, float]:
            self.set_flat_params(theta)
            with no_grad():
                d = self.policy(o)
                return surrogate(d).item(), categorical_kl(old_all, d.log_probs).mean().item()

        theta, trial = line_search(
            evaluate,
            theta_old,
            full_step,
            loss.item(),
            cfg.target_kl,
            cfg.line_search_shrink,
            cfg.line_search_max_iter,
        )
        surr, kl_new = evaluate(theta)
        return {
            "surrogate_gain": surr - loss.item(),
            "kl": kl_new,
            "line_search_trial": float(trial),
        }

    def critic_update(self, obs: np.ndarray, returns: np.ndarray) -> float:
        r"""``critic_epochs`` passes of Adam on $\tfrac12(V_\phi - \hat R)^2$; the last loss."""
        cfg = self.config
        B = len(returns)
        loss_value = float("nan")
        for _ in range(cfg.critic_epochs):
            order = self.rng.permutation(B)
            for start in range(0, B, cfg.critic_batch_size):
                idx = order[start : start + cfg.critic_batch_size]
                v = self.value(Tensor(obs[idx]))  # (b,)
                loss = 0.5 * ((v - Tensor(returns[idx].astype(np.float32))) ** 2).mean()
                self.critic_optimizer.zero_grad()
                loss.backward()
                self.critic_optimizer.step()
                loss_value = loss.item()
        return loss_value

    def learn(
        self, callback: Callable[[dict[str, float]], Any] | None = None
    ) -> list[dict[str, float]]:
        """Rollout, one trust-region step, critic epochs; ``callback(row)`` after each rollout."""
        history, recent = [], []
        t0 = time.perf_counter()
        while self.global_step < self.config.total_timesteps:
            row = self.train_one_rollout()
            recent = (recent + row.pop("episode_returns"))[-20:]  # type: ignore[operator]
            row.update(
                episode_return=float(np.mean(recent)) if recent else float("nan"),
                seconds=time.perf_counter() - t0,
            )
            history.append(row)
            if callback is not None:
                callback(row)
        return history

    def train_one_rollout(self) -> dict[str, Any]:
        """Collect one rollout and update on it; the stats, with the episodes that ended."""
        cfg = self.config
        B = cfg.num_envs * cfg.num_steps
        ro = self.collector.collect(cfg.num_steps, self.rng)
        self.global_step += B
        obs = ro.obs.reshape(B, -1)
        adv = ro.advantages.reshape(B)
        # whitened advantages: the step's size is set by delta, so only their direction matters
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        row: dict[str, Any] = self.policy_update(obs, ro.actions.reshape(B), adv)
        row["value_loss"] = self.critic_update(obs, ro.returns.reshape(B))
        if not np.isfinite(row["value_loss"]) or not np.isfinite(row["kl"]):
            raise FloatingPointError(
                f"TRPO at step {self.global_step}: value loss {row['value_loss']}, KL {row['kl']}"
            )
        row["step"] = self.global_step
        row["episode_returns"] = list(ro.episode_returns)
        return row

    def evaluate(self, num_episodes: int = 10, seed: int = 10_000) -> tuple[float, float]:
        """Mean and std of the deterministic policy's return over ``num_episodes`` episodes."""
        return evaluate_policy(self.act, self.env_source, num_episodes, seed)
