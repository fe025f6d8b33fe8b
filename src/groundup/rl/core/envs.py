r"""Gymnasium environments for the agents: vector environments, their end-of-episode
observations, and deterministic evaluation.

On-policy agents (A2C, PPO) step ``num_envs`` copies at once through
``gymnasium.vector``. :func:`make_vector_env` asks for the *same-step* autoreset: when a
copy's episode ends, ``step`` already returns the next episode's first observation and
puts the final one in ``info["final_obs"]``. :func:`final_observations` recovers
$s'_t$ for every copy — the value a truncated episode is bootstrapped from. (With
Gymnasium's default next-step autoreset the step after an end would instead be a fake
transition; the replay buffer handles that mode for off-policy agents.)

>>> envs = make_vector_env("CartPole-v1", num_envs=2, seed=0)
>>> obs, _ = envs.reset(seed=0)
>>> obs.shape
(2, 4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = [
    "env_state",
    "evaluate_policy",
    "final_observations",
    "load_env_state",
    "make_env",
    "make_vector_env",
    "record_gif",
]


def make_env(env_id: str | Callable[[], gym.Env], **kwargs: Any) -> gym.Env:
    """``gym.make(env_id)``, or ``env_id()`` when given a constructor."""
    return env_id(**kwargs) if callable(env_id) else gym.make(env_id, **kwargs)


def make_vector_env(
    env_id: str | Callable[[], gym.Env], num_envs: int, seed: int = 0
) -> gym.vector.VectorEnv:
    """``num_envs`` synchronous copies with same-step autoreset; action space seeded."""
    if num_envs < 1:
        raise ValueError(f"num_envs must be positive, got {num_envs}")
    envs = gym.vector.SyncVectorEnv(
        [lambda: make_env(env_id) for _ in range(num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    envs.action_space.seed(seed)
    return envs


def final_observations(next_obs: np.ndarray, info: dict[str, Any], done: np.ndarray) -> np.ndarray:
    r"""$s'_t$ for every copy: ``info["final_obs"]`` where an episode ended, else ``next_obs``."""
    if not np.any(done):
        return next_obs
    if "final_obs" not in info:
        raise ValueError(
            "an episode ended but info has no 'final_obs': create the vector env with "
            "make_vector_env (same-step autoreset)"
        )
    out = np.array(next_obs, copy=True)
    for e in np.flatnonzero(done):
        out[e] = info["final_obs"][e]
    return out


def evaluate_policy(
    act: Callable[[np.ndarray], Any],
    env_id: str | Callable[[], gym.Env],
    num_episodes: int = 10,
    seed: int = 10_000,
) -> tuple[float, float]:
    """Mean and std of the return of ``act(obs) -> action`` over ``num_episodes`` episodes.

    ``act`` should be deterministic (the greedy action, the Gaussian's mean): evaluation
    measures the policy, not its exploration. Episodes are seeded ``seed, seed + 1, ...``.
    """
    env = make_env(env_id)
    returns = []
    for k in range(num_episodes):
        obs, _ = env.reset(seed=seed + k)
        total, done = 0.0, False
        while not done:
            obs, r, terminated, truncated, _ = env.step(act(obs))
            total += float(r)
            done = terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns)), float(np.std(returns))


def record_gif(
    act: Callable[[np.ndarray], Any],
    env_id: str,
    path: Any,
    num_episodes: int = 1,
    seed: int = 10_000,
    fps: int = 30,
) -> dict[str, Any]:
    """Write an animated GIF of ``act`` playing ``num_episodes`` episodes of ``env_id``.

    The frames are Gymnasium's ``render_mode="rgb_array"`` images (classic-control
    environments draw them with pygame: ``pip install 'groundup[render]'``); the GIF is
    written with Pillow, atomically. Returns the frame count and each episode's return.
    """
    import io

    from PIL import Image

    from groundup.utils.atomic_io import atomic_write

    if num_episodes < 1 or fps < 1:
        raise ValueError(f"num_episodes and fps must be positive, got {num_episodes} and {fps}")
    try:
        env = gym.make(env_id, render_mode="rgb_array")
    except gym.error.DependencyNotInstalled as exc:
        raise RuntimeError(
            f"rendering {env_id} needs pygame: pip install 'groundup[render]' ({exc})"
        ) from None
    frames, returns = [], []
    for k in range(num_episodes):
        obs, _ = env.reset(seed=seed + k)
        frames.append(env.render())
        total, done = 0.0, False
        while not done:
            obs, r, terminated, truncated, _ = env.step(act(obs))
            frames.append(env.render())
            total += float(r)
            done = terminated or truncated
        returns.append(total)
    env.close()
    images = [Image.fromarray(np.asarray(f, np.uint8)) for f in frames]
    buf = io.BytesIO()
    images[0].save(
        buf, format="GIF", save_all=True, append_images=images[1:], duration=1000 / fps, loop=0
    )
    atomic_write(path, buf.getvalue())
    return {"frames": len(frames), "returns": returns}


def env_state(env: gym.Env) -> dict[str, Any]:
    """What changes in ``env`` while it runs, layer by layer, as arrays and plain values.

    Each layer (every wrapper down to ``env.unwrapped``) contributes its attributes that
    are ``None``, numbers, strings, arrays or NumPy random generators (stored as their
    ``bit_generator.state``) — for a classic-control environment its physical state, its
    step counter and its random generator. Spaces, renderers and other objects are
    rebuilt with the environment, not stored. :func:`load_env_state` puts it back.

    >>> env = gym.make("CartPole-v1"); _ = env.reset(seed=0); _ = env.step(0)
    >>> saved = env_state(env)
    >>> again = gym.make("CartPole-v1"); _ = again.reset(seed=1)
    >>> load_env_state(again, saved)
    >>> bool(np.all(again.step(1)[0] == env.step(1)[0]))
    True
    """
    layers: dict[str, Any] = {}
    for k, layer in enumerate(_layers(env)):
        values: dict[str, Any] = {}
        arrays: dict[str, np.ndarray] = {}
        scalars: dict[str, np.ndarray] = {}
        generators: dict[str, Any] = {}
        for name, v in vars(layer).items():
            if v is None or isinstance(v, bool | int | float | str):
                values[name] = v
            elif isinstance(v, np.ndarray) and v.dtype != object:
                arrays[name] = v.copy()
            elif isinstance(v, np.generic) and not isinstance(v, np.object_):
                scalars[name] = np.asarray(v)
            elif isinstance(v, np.random.Generator):
                generators[name] = v.bit_generator.state
        layers[str(k)] = {
            "type": type(layer).__name__,
            "values": values,
            "arrays": arrays,
            "scalars": scalars,
            "generators": generators,
        }
    return layers


def load_env_state(env: gym.Env, state: dict[str, Any]) -> None:
    """Put :func:`env_state`'s values back into ``env``, an environment built the same way."""
    layers = _layers(env)
    saved = [type(layer).__name__ for layer in layers]
    wanted = [state[str(k)]["type"] for k in range(len(state))]
    if saved != wanted:
        raise ValueError(f"the environment's layers are {saved}, the saved state's {wanted}")
    for k, layer in enumerate(layers):
        s = state[str(k)]
        for name, v in dict(s["values"]).items():
            setattr(layer, name, v)
        for name, v in dict(s["arrays"]).items():
            setattr(layer, name, np.array(v))
        for name, v in dict(s["scalars"]).items():
            setattr(layer, name, np.asarray(v)[()])
        for name, v in dict(s["generators"]).items():
            g = getattr(layer, name, None)
            if not isinstance(g, np.random.Generator):
                g = np.random.Generator(getattr(np.random, v["bit_generator"])())
                setattr(layer, name, g)
            g.bit_generator.state = _plain(v)


def _layers(env: gym.Env) -> list[Any]:
    """``env``, the environment it wraps, ... down to the unwrapped one."""
    out = [env]
    while isinstance(out[-1], gym.Wrapper):
        out.append(out[-1].env)
    return out


def _plain(d: Any) -> Any:
    """A loaded (ordered, nested) mapping as plain dicts, as ``bit_generator.state`` wants."""
    return {k: _plain(v) if isinstance(v, dict) else v for k, v in dict(d).items()}
