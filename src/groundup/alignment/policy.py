r"""The language model as a policy: sampling completions, their log-probs, entropies and a reference.

A prompt $q$ is the initial state; each generated token $o_t$ is an action; the state
$s_t = (q, o_{<t})$ is everything so far; the episode ends at a stop token or at the
length limit. The policy is the model's next-token distribution at temperature $\tau$:

$$\pi_\theta(o_t \mid s_t) = \operatorname{softmax}(z_\theta(s_t)/\tau)_{o_t},\qquad
\log\pi_\theta(o \mid q) = \sum_t m_t\log\pi_\theta(o_t \mid s_t),$$

with $m_t$ the completion mask (1 up to and including the stop token, 0 after).
:func:`sample` generates with the KV cache (each step feeds only the newest token);
:func:`completion_logprobs` scores given completions in one forward pass, with the
per-token entropy $H_t = -\sum_v \pi_\theta(v|s_t)\log\pi_\theta(v|s_t)$ and the logits
(for the exact KL of :func:`groundup.alignment.kl.exact_kl`).

The reference $\pi_\text{ref}$ is a frozen copy of the starting model
(:func:`frozen_copy`) or, with LoRA, the same model with its adapters disabled
(:class:`Policy` with ``reference="lora"``).

>>> import numpy as np
>>> from groundup.sequence.transformers.gpt import GPT, GPTConfig
>>> model = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=4), generator=0)
>>> out = sample(model, np.zeros((3, 2), dtype=np.int64), max_new_tokens=4, stop_tokens=[0], generator=0)
>>> out.completions.shape, out.mask.shape
((3, 4), (3, 4))
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.alignment.lora import LoRALinear, disable_adapters
from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.nn_core.attention.multihead import KVCache
from groundup.nn_core.module import Module
from groundup.sequence.transformers.gpt import sample_next
from groundup.utils.seeding import make_rng

__all__ = [
    "Policy",
    "Samples",
    "completion_logprobs",
    "frozen_copy",
    "gpt_hidden_states",
    "sample",
]


@dataclass
class Samples:
    """A batch of sampled completions (right-padded with ``pad_token``)."""

    completions: np.ndarray
    """Token ids, ``(B, L)`` int64, ``L = max_new_tokens``."""
    mask: np.ndarray
    """1.0 on generated tokens up to and including the stop token, ``(B, L)`` float64."""
    lengths: np.ndarray
    """Number of generated tokens of each completion, ``(B,)``."""
    truncated: np.ndarray
    """Whether a completion hit ``max_new_tokens`` without a stop token, ``(B,)`` bool."""


@no_grad()
def sample(
    model: Module,
    prompts: Any,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    stop_tokens: Sequence[int] = (),
    pad_token: int = 0,
    generator: Any = None,
) -> Samples:
    r"""Sample one completion per prompt row with the KV cache.

    Parameters
    ----------
    model : GPT
        Any model with ``model(idx, kv_caches=...)`` and ``model.transformer.h`` (a GPT).
    prompts : int ndarray of shape ``(B, P)``
        Equal-length prompts (repeat rows for a group: ``np.repeat(prompts, G, axis=0)``).
    max_new_tokens : int
        $L$; ``P + L`` must fit in the model's ``block_size``.
    temperature, top_k, top_p
        As :func:`groundup.sequence.transformers.gpt.sample_next`.
    stop_tokens : sequence of int
        A completion ends after the first of these (which stays in it, masked 1).
    pad_token : int
        Written after a completion's end.
    generator : np.random.Generator or int, optional

    Returns
    -------
    Samples
    """
    rng = make_rng(generator)
    idx = np.asarray(prompts, dtype=np.int64)
    if idx.ndim != 2 or idx.shape[1] < 1:
        raise ValueError(f"prompts must have shape (B, P) with P >= 1, got {idx.shape}")
    B, P = idx.shape
    block = model.config.block_size
    if P + max_new_tokens > block:
        raise ValueError(
            f"prompt length {P} + max_new_tokens {max_new_tokens} exceeds the model's "
            f"block_size {block}"
        )
    was_training = model.training
    model.eval()
    out = np.full((B, max_new_tokens), pad_token, dtype=np.int64)  # (B, L)
    mask = np.zeros((B, max_new_tokens))  # (B, L)
    done = np.zeros(B, dtype=bool)
    stops = np.asarray(list(stop_tokens), dtype=np.int64)
    caches = [KVCache() for _ in model.transformer.h]
    step_input = idx  # the whole prompt first, then one token a step
    for t in range(max_new_tokens):
        logits, _ = model(step_input, kv_caches=caches)  # (B, T, V)
        nxt = sample_next(logits.data[:, -1, :], temperature, top_k, top_p, rng)  # (B,)
        out[:, t] = np.where(done, pad_token, nxt)
        mask[:, t] = ~done
        done |= np.isin(nxt, stops)
        if done.all():
            break
        step_input = nxt[:, None]  # (B, 1)
    model.train(was_training)
    lengths = mask.sum(axis=1).astype(np.int64)
    ended = np.isin(out, stops) & (mask > 0)
    return Samples(out, mask, lengths, ~ended.any(axis=1))


def completion_logprobs(
    model: Module, prompts: Any, completions: Any, temperature: float = 1.0
) -> tuple[Tensor, np.ndarray, Tensor]:
    r"""$\log\pi_\theta(o_t|s_t)$, $H_t$ and the logits $z_\theta(s_t)/\tau$ at every completion position.

    Parameters
    ----------
    model : GPT
    prompts : int ndarray of shape ``(B, P)``
    completions : int ndarray of shape ``(B, L)``
    temperature : float
        The sampling temperature (log-probs of the distribution that was sampled).

    Returns
    -------
    logprobs : Tensor of shape ``(B, L)`` (differentiable)
    entropy : ndarray of shape ``(B, L)``
    logits : Tensor of shape ``(B, L, V)``, divided by the temperature
    """
    q = np.asarray(prompts, dtype=np.int64)
    o = np.asarray(completions, dtype=np.int64)
    if q.ndim != 2 or o.ndim != 2 or q.shape[0] != o.shape[0]:
        raise ValueError(f"prompts (B, P) and completions (B, L) differ: {q.shape}, {o.shape}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 to score completions, got {temperature}")
    P = q.shape[1]
    # the logits at position P-1+t predict o_t
    x = np.concatenate([q, o[:, :-1]], axis=1)  # (B, P+L-1)
    logits, _ = model(x)  # (B, P+L-1, V)
    # BEGIN SOLUTION
    z = logits[:, P - 1 :, :] / temperature  # (B, L, V)
    logp_all = z.log_softmax(-1)  # (B, L, V)
    # $\log\pi_\theta(o_t|s_t)$: the log-prob of the token that was taken
    logprobs = logp_all.gather(-1, o[:, :, None]).squeeze(-1)  # (B, L)
    lp = logp_all.data
    # $H_t = -\sum_v \pi(v)\log\pi(v)$
    entropy = -(np.exp(lp) * lp).sum(-1)  # (B, L)
    # END SOLUTION
    return logprobs, entropy, z


def frozen_copy(model: Module) -> Module:
    """A deep copy of ``model`` with no parameter requiring a gradient (the reference policy)."""
    ref = copy.deepcopy(model)
    ref.requires_grad_(False)
    ref.eval()
    return ref


def gpt_hidden_states(model: Module, idx: Any) -> Tensor:
    """The GPT trunk's output (after the final LayerNorm, before the head), ``(B, T, n_embd)``.

    ``GPT.hidden_states``, the code path ``GPT.forward`` runs before its head (reward and value
    models sit here).
    """
    return model.hidden_states(np.asarray(getattr(idx, "data", idx), dtype=np.int64))  # (B, T, C)


class Policy:
    """A GPT as a policy with its reference: ``"copy"`` (frozen copy), ``"lora"`` (adapters off) or None.

    Parameters
    ----------
    model : GPT
        The trainable model (with LoRA layers already applied for ``reference="lora"``).
    reference : ``"copy"``, ``"lora"`` or None
    temperature : float
        Used for sampling and for every log-prob.
    """

    def __init__(self, model: Module, reference: str | None = "copy", temperature: float = 1.0):
        if reference not in ("copy", "lora", None):
            raise ValueError(f"reference must be 'copy', 'lora' or None, got {reference!r}")
        if reference == "lora" and not any(isinstance(m, LoRALinear) for m in model.modules()):
            raise ValueError("reference='lora' needs a model with LoRA layers (apply_lora first)")
        self.model = model
        self.reference = reference
        self.temperature = temperature
        self.ref_model = frozen_copy(model) if reference == "copy" else None

    def sample(self, prompts: Any, max_new_tokens: int, **kwargs: Any) -> Samples:
        kwargs.setdefault("temperature", self.temperature)
        return sample(self.model, prompts, max_new_tokens, **kwargs)

    def logprobs(self, prompts: Any, completions: Any) -> tuple[Tensor, np.ndarray, Tensor]:
        """:func:`completion_logprobs` of the trainable model (differentiable)."""
        return completion_logprobs(self.model, prompts, completions, self.temperature)

    @contextlib.contextmanager
    def _reference(self) -> Iterator[Module]:
        if self.reference == "copy":
            yield self.ref_model
        elif self.reference == "lora":
            with disable_adapters(self.model):
                yield self.model
        else:
            raise RuntimeError("this Policy has no reference (reference=None)")

    @no_grad()
    def ref_logprobs(self, prompts: Any, completions: Any) -> tuple[np.ndarray, np.ndarray]:
        r"""$\log\pi_\text{ref}(o_t|s_t)$ ``(B, L)`` and the reference's logits ``(B, L, V)``, as arrays."""
        with self._reference() as ref:
            logp, _, z = completion_logprobs(ref, prompts, completions, self.temperature)
        return logp.data, z.data
