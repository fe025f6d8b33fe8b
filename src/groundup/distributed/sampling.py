r"""Completions from many processes: Ray actors that each hold a copy of the language model.

In RL for language models the rollout is *generation*: every prompt of a batch (each
repeated $G$ times for a group) is completed token by token with the KV cache, and that
dominates the step. :class:`DistributedSampler` splits the prompt rows over $K$ workers:

1. the learner's current weights are put in Ray's object store once and every worker
   loads them (the broadcast, after each update: all workers sample from $\pi_{\theta_k}$);
2. worker $k$ completes its contiguous block of rows with
   :func:`groundup.alignment.policy.sample` and its own generator ``default_rng([seed, k])``;
3. the learner stacks the blocks back in order (every block is ``max_new_tokens`` wide).

The result depends only on the seed and the number of workers, so ``use_ray=False`` (the
same workers, one after another, in this process) is the reference the Ray path is
tested against.

>>> import numpy as np
>>> from groundup.sequence.transformers.gpt import GPT, GPTConfig
>>> model = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=4), generator=0)
>>> pool = DistributedSampler(model, num_workers=2, use_ray=False)
>>> pool.sample(np.zeros((4, 2), dtype=np.int64), max_new_tokens=3).completions.shape
(4, 3)
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from groundup.alignment.policy import Samples, sample

__all__ = ["DistributedSampler", "SamplerWorker"]


class SamplerWorker:
    """A copy of the model and a generator: samples the rows it is given."""

    def __init__(self, model: Any, seed: int, index: int) -> None:
        self.model = copy.deepcopy(model)  # own, writable arrays (Ray's are read-only)
        self.rng = np.random.default_rng([seed, index])

    def set_weights(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state)

    def sample(self, prompts: np.ndarray, max_new_tokens: int, kwargs: dict[str, Any]) -> Samples:
        return sample(self.model, prompts, max_new_tokens, generator=self.rng, **kwargs)


def _stack(blocks: list[Samples]) -> Samples:
    return Samples(
        *(
            np.concatenate([getattr(b, f) for b in blocks])
            for f in ("completions", "mask", "lengths", "truncated")
        )
    )


class DistributedSampler:
    """Sample completions of a batch of prompts on ``num_workers`` model copies.

    Parameters
    ----------
    model : GPT
        The learner's model (its weights are read at every ``sample``; never changed here).
    num_workers : int
        Ray actors (one CPU each), or in-process workers with ``use_ray=False``.
    seed : int
        Worker $k$ draws from ``default_rng([seed, k])``, carried across calls.
    """

    def __init__(self, model: Any, num_workers: int, seed: int = 0, use_ray: bool = True) -> None:
        if num_workers < 1:
            raise ValueError(f"num_workers must be at least 1, got {num_workers}")
        self.model, self.num_workers, self.use_ray = model, num_workers, use_ray
        if use_ray:
            import ray

            if not ray.is_initialized():
                ray.init(include_dashboard=False, log_to_driver=False)
            self._ray = ray
            actor = ray.remote(num_cpus=1)(SamplerWorker)
            self.workers = [actor.remote(model, seed, k) for k in range(num_workers)]
        else:
            self.workers = [SamplerWorker(model, seed, k) for k in range(num_workers)]

    def sample(self, prompts: Any, max_new_tokens: int, **kwargs: Any) -> Samples:
        """:func:`~groundup.alignment.policy.sample` of every row of ``prompts`` ``(B, P)``,
        the rows split in ``num_workers`` contiguous blocks (``kwargs``: temperature,
        top_k, top_p, stop_tokens, pad_token)."""
        prompts = np.asarray(prompts, dtype=np.int64)
        if prompts.ndim != 2 or len(prompts) < self.num_workers:
            raise ValueError(
                f"prompts must be (B, P) with B >= num_workers={self.num_workers}, "
                f"got shape {prompts.shape}"
            )
        blocks = np.array_split(prompts, self.num_workers)
        state = self.model.state_dict()
        if not self.use_ray:
            for w in self.workers:
                w.set_weights(state)
            return _stack(
                [w.sample(b, max_new_tokens, kwargs) for w, b in zip(self.workers, blocks)]
            )
        ray = self._ray
        ref = ray.put(state)
        ray.get([w.set_weights.remote(ref) for w in self.workers])
        futures = [w.sample.remote(b, max_new_tokens, kwargs) for w, b in zip(self.workers, blocks)]
        return _stack(ray.get(futures))

    def close(self) -> None:
        if self.use_ray:
            for w in self.workers:
                self._ray.kill(w)
        self.workers = []
