r"""Value networks and target networks.

* :class:`ValueFunction` $V_\phi(s)$ — the critic of A2C and PPO, the baseline of REINFORCE.
* :class:`QFunction` $Q_\phi(s, \cdot)$ — DQN's network, one output per discrete action.
* :class:`ContinuousQFunction` $Q_\phi(s, a)$ — DDPG's, TD3's and SAC's critic.
* :class:`TwinQFunction` — two independent critics; TD3 and SAC bootstrap from
  $\min(Q_1, Q_2)$ to counter the overestimation a max (or an actor) introduces.

Every critic returns shape ``(B,)``, never ``(B, 1)``: a ``(B, 1)`` prediction against a
``(B,)`` target broadcasts to ``(B, B)`` in the squared error — Spinning Up's "silent
bug" — so the output's last axis is removed here and loss code can assert equal shapes.

Target networks $\phi'$ trail the online ones: :func:`hard_update` copies
($\phi' \leftarrow \phi$, DQN every $C$ steps) and :func:`polyak_update` averages
($\phi' \leftarrow \tau\phi + (1 - \tau)\phi'$, DDPG/TD3/SAC with $\tau = 0.005$).

>>> import numpy as np
>>> from groundup import Tensor
>>> q = QFunction(4, 2, hidden_sizes=(8,), generator=np.random.default_rng(0))
>>> target = QFunction(4, 2, hidden_sizes=(8,), generator=np.random.default_rng(1))
>>> _ = hard_update(target, q)
>>> s = Tensor(np.ones((5, 4), np.float32))
>>> bool(np.array_equal(q(s).detach().numpy(), target(s).detach().numpy()))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from groundup.architectures.mlp import MLP
from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor, cat
from groundup.nn_core.module import Module
from groundup.rl.core.policies import _check_obs, orthogonal_init_

__all__ = [
    "ContinuousQFunction",
    "QFunction",
    "TwinQFunction",
    "ValueFunction",
    "hard_update",
    "polyak_update",
]


class ValueFunction(Module):
    r"""$V_\phi(s)$: observations ``(..., obs_dim)`` to values ``(...)``."""

    def __init__(
        self,
        obs_dim: int,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "tanh",
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim = obs_dim
        self.net = orthogonal_init_(
            MLP(obs_dim, hidden_sizes, 1, activation=activation, generator=generator),
            output_gain=1.0,
            generator=generator,
        )

    def forward(self, obs: Tensor) -> Tensor:
        v = self.net(_check_obs(obs, self.obs_dim, "ValueFunction"))
        return v.squeeze(-1)


class QFunction(Module):
    r"""$Q_\phi(s, \cdot)$: observations ``(B, obs_dim)`` to action values ``(B, num_actions)``."""

    def __init__(
        self,
        obs_dim: int,
        num_actions: int,
        hidden_sizes: Sequence[int] = (64, 64),
        activation: str = "relu",
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim, self.num_actions = obs_dim, num_actions
        self.net = MLP(
            obs_dim, hidden_sizes, num_actions, activation=activation, generator=generator
        )

    def forward(self, obs: Tensor) -> Tensor:
        return self.net(_check_obs(obs, self.obs_dim, "QFunction"))


class ContinuousQFunction(Module):
    r"""$Q_\phi(s, a)$ on the concatenation $[s; a]$: returns shape ``(B,)``."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int] = (256, 256),
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.obs_dim, self.action_dim = obs_dim, action_dim
        self.net = MLP(
            obs_dim + action_dim, hidden_sizes, 1, activation="relu", generator=generator
        )

    def forward(self, obs: Tensor, action: Tensor) -> Tensor:
        obs = _check_obs(obs, self.obs_dim, "ContinuousQFunction")
        action = action if isinstance(action, Tensor) else Tensor(np.asarray(action, obs.dtype))
        if action.shape != obs.shape[:-1] + (self.action_dim,):
            raise ValueError(
                f"ContinuousQFunction: action must have shape {obs.shape[:-1] + (self.action_dim,)} "
                f"for observations {obs.shape}, got {action.shape}"
            )
        return self.net(cat([obs, action], dim=-1)).squeeze(-1)


class TwinQFunction(Module):
    r"""Two independent critics $Q_{\phi_1}, Q_{\phi_2}$; ``forward`` returns both, each ``(B,)``."""

    def __init__(
        self,
        obs_dim: int,
        action_dim: int,
        hidden_sizes: Sequence[int] = (256, 256),
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        self.q1 = ContinuousQFunction(obs_dim, action_dim, hidden_sizes, generator=generator)
        self.q2 = ContinuousQFunction(obs_dim, action_dim, hidden_sizes, generator=generator)

    def forward(self, obs: Tensor, action: Tensor) -> tuple[Tensor, Tensor]:
        return self.q1(obs, action), self.q2(obs, action)


def _pairs(target: Module, source: Module) -> list[tuple[Tensor, Tensor]]:
    """Matching (target, source) parameters and floating-point buffers, by name."""
    tgt = dict(target.named_parameters()) | dict(target.named_buffers())
    src = dict(source.named_parameters()) | dict(source.named_buffers())
    if tgt.keys() != src.keys():
        missing, extra = sorted(src.keys() - tgt.keys()), sorted(tgt.keys() - src.keys())
        raise ValueError(f"target and source differ: missing {missing}, unexpected {extra}")
    pairs = []
    for name, t in tgt.items():
        s = src[name]
        if t.shape != s.shape:
            raise ValueError(f"{name}: target shape {t.shape} != source shape {s.shape}")
        pairs.append((t, s))
    return pairs


@no_grad()
def hard_update(target: Module, source: Module) -> Module:
    r"""$\phi' \leftarrow \phi$: copy every parameter and buffer of ``source`` into ``target``."""
    for t, s in _pairs(target, source):
        t.data[...] = s.data
    return target


@no_grad()
def polyak_update(target: Module, source: Module, tau: float) -> Module:
    r"""$\phi' \leftarrow \tau\phi + (1 - \tau)\phi'$ for every parameter; buffers are copied."""
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau must be in [0, 1], got {tau}")
    params = {id(p) for p in target.parameters()}
    for t, s in _pairs(target, source):
        if id(t) in params and np.issubdtype(t.data.dtype, np.floating):
            # BEGIN SOLUTION
            # $\phi' \leftarrow \tau\phi + (1 - \tau)\phi'$
            t.data *= 1.0 - tau
            t.data += tau * s.data
            # END SOLUTION
        else:
            # running statistics (e.g. BatchNorm) are copied, as SB3 does
            t.data[...] = s.data
    return target
