r"""Encoder-decoder with attention (Bahdanau et al., 2015; Luong et al., 2015).

**Encoder.** A bidirectional GRU reads the source tokens $x_1..x_S$; its outputs
$h_j = [\overrightarrow{h}_j; \overleftarrow{h}_j]$ are the *memory* the decoder attends
to. The decoder starts from $s_0 = \tanh(W_0 \bar h)$, $\bar h$ the mean of the $h_j$
over the real (non-padding) positions.

**Decoder step** (Bahdanau's order: attend with the previous state, then update it):

$$c_t, \alpha_t = \mathrm{attention}(s_{t-1}, h_{1..S}),\qquad
s_t = \mathrm{GRUCell}([E y_{t-1}; c_t],\, s_{t-1}),\qquad
p(y_t \mid y_{<t}, x) = \mathrm{softmax}(W_o [s_t; c_t; E y_{t-1}]).$$

The scorer is additive or dot (:mod:`~groundup.sequence.recurrent.attention`).

**Training** uses *teacher forcing*: the input at step $t$ is the true $y_{t-1}$, so all
steps learn in parallel from correct prefixes. With ``teacher_forcing_ratio < 1`` each
step instead feeds the model's own previous prediction with probability $1 - $ ratio
(*free running* at 0), which is what happens at test time.

**Decoding.** :meth:`Seq2Seq.greedy_decode` takes the most likely token at every step;
:func:`beam_search` keeps the ``beam_width`` best prefixes by total log-probability
$\sum_t \log p(y_t \mid y_{<t}, x)$; a prefix that ends with EOS leaves the beam
(which shrinks by one) for the finished list, and the best finished hypothesis wins.
With ``beam_width=1`` this is exactly greedy decoding. Log-probabilities are $\le 0$,
so once a finished hypothesis scores at least as high as every live prefix, no
continuation can beat it and the search stops early.

>>> config = Seq2SeqConfig(src_vocab_size=10, tgt_vocab_size=8)
>>> model = Seq2Seq(config, generator=np.random.default_rng(0))
>>> src = np.array([[3, 4, 5, 0]])  # one source sequence, padded with 0
>>> logits, attention = model(src, np.array([[1, 5, 6]]))  # BOS, then the target shifted
>>> logits.shape, attention.shape
((1, 3, 8), (1, 3, 4))
>>> float(attention.data[0, :, 3].max())  # the padding gets no attention
0.0
>>> tokens, score = model.beam_search(src, beam_width=3, max_len=5)[0]
>>> len(tokens) <= 5 and score <= 0
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor, cat, stack
from groundup.nn_core.layers.embedding import Embedding
from groundup.nn_core.layers.linear import Linear
from groundup.nn_core.module import Module
from groundup.nn_core.recurrent import GRU, GRUCell
from groundup.sequence.recurrent.attention import AdditiveAttention, DotAttention
from groundup.utils.seeding import make_rng

__all__ = ["Seq2Seq", "Seq2SeqConfig", "beam_search"]


@dataclass
class Seq2SeqConfig:
    """Sizes and special tokens of a :class:`Seq2Seq`."""

    src_vocab_size: int
    """Number of source tokens (characters), padding included."""
    tgt_vocab_size: int
    """Number of target tokens, padding, BOS and EOS included."""
    embedding_dim: int = 32
    """Size of the source and target token embeddings $E$."""
    hidden_size: int = 64
    """Encoder GRU size per direction; the memory has ``2 * hidden_size`` features."""
    decoder_hidden_size: int = 128
    """Decoder GRU size; dot attention needs ``2 * hidden_size`` unless ``general``."""
    attention: str = "additive"
    """``"additive"`` (Bahdanau) or ``"dot"`` (Luong; "general" $s^\\top W h$ if sizes differ)."""
    attention_size: int = 64
    """Hidden width of the additive scorer."""
    pad_idx: int = 0
    """Padding token, in both vocabularies."""
    bos_idx: int = 1
    """Target start token."""
    eos_idx: int = 2
    """Target end token."""


class Seq2Seq(Module):
    """Bidirectional GRU encoder, attentive GRU decoder (see the module docstring).

    Parameters
    ----------
    config : Seq2SeqConfig
    generator : np.random.Generator, optional
        Source of the initial weights.
    """

    def __init__(self, config: Seq2SeqConfig, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if config.attention not in ("additive", "dot"):
            raise ValueError(
                f"Seq2Seq: attention must be 'additive' or 'dot', got {config.attention!r}"
            )
        self.config = c = config
        rng = make_rng(generator)
        K = 2 * c.hidden_size  # memory features
        self.src_embedding = Embedding(
            c.src_vocab_size, c.embedding_dim, padding_idx=c.pad_idx, generator=rng
        )
        self.encoder = GRU(
            c.embedding_dim, c.hidden_size, batch_first=True, bidirectional=True, generator=rng
        )
        self.init_state = Linear(K, c.decoder_hidden_size, generator=rng)
        self.tgt_embedding = Embedding(
            c.tgt_vocab_size, c.embedding_dim, padding_idx=c.pad_idx, generator=rng
        )
        if c.attention == "additive":
            self.attention = AdditiveAttention(
                c.decoder_hidden_size, K, c.attention_size, generator=rng
            )
        else:
            self.attention = DotAttention(
                c.decoder_hidden_size, K, general=c.decoder_hidden_size != K, generator=rng
            )
        self.cell = GRUCell(c.embedding_dim + K, c.decoder_hidden_size, generator=rng)
        self.out = Linear(
            c.decoder_hidden_size + K + c.embedding_dim, c.tgt_vocab_size, generator=rng
        )

    # ------------------------------------------------------------------ the two halves
    def encode(self, src: np.ndarray) -> tuple[tuple[Any, ...], Tensor]:
        """Memory ``(keys (B, S, K), keys_proj, mask (B, S))`` and the decoder's $s_0$ ``(B, H_d)``."""
        src = np.asarray(src.data if isinstance(src, Tensor) else src)
        if src.ndim != 2:
            raise ValueError(
                f"Seq2Seq: expected src of shape (batch, source_length), got {src.shape}"
            )
        mask = src != self.config.pad_idx  # (B, S)
        keys, _ = self.encoder(self.src_embedding(src))  # (B, S, K)
        # $\bar h$: mean of the memory over real positions
        weights = Tensor(
            (mask / np.maximum(mask.sum(1, keepdims=True), 1)).astype(keys.dtype)
        )  # (B, S)
        h_bar = (weights.unsqueeze(1) @ keys).squeeze(1)  # (B, K)
        # $s_0 = \tanh(W_0 \bar h + b_0)$
        s0 = self.init_state(h_bar).tanh()  # (B, H_d)
        return (keys, self.attention.project_keys(keys), mask), s0

    def decode_step(
        self, y_prev: np.ndarray, s: Tensor, memory: tuple[Any, ...]
    ) -> tuple[Tensor, Tensor, Tensor]:
        """One step: logits ``(B, V)``, the new state $s_t$ ``(B, H_d)``, attention $\\alpha_t$ ``(B, S)``."""
        keys, keys_proj, mask = memory
        # BEGIN SOLUTION
        e = self.tgt_embedding(y_prev)  # (B, E)
        # $c_t, \alpha_t = \mathrm{attention}(s_{t-1}, h)$
        c, alpha = self.attention(s, keys, mask, keys_proj=keys_proj)  # (B, K), (B, S)
        # $s_t = \mathrm{GRUCell}([E y_{t-1}; c_t], s_{t-1})$
        s = self.cell(cat([e, c], dim=-1), s)  # (B, H_d)
        # $W_o [s_t; c_t; E y_{t-1}]$
        logits = self.out(cat([s, c, e], dim=-1))  # (B, V)
        return logits, s, alpha
        # END SOLUTION

    # ------------------------------------------------------------------ training
    def forward(
        self,
        src: np.ndarray,
        tgt_in: np.ndarray,
        teacher_forcing_ratio: float = 1.0,
        generator: np.random.Generator | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Logits of every target step, with teacher forcing.

        Parameters
        ----------
        src : int array of shape ``(B, S)``
        tgt_in : int array of shape ``(B, T)``
            The decoder inputs: BOS then the target shifted right.
        teacher_forcing_ratio : float
            Probability that step $t$ reads ``tgt_in[:, t]`` rather than the model's
            argmax at step $t-1$ (1: teacher forcing, 0: free running; step 0 reads BOS).
        generator : np.random.Generator, optional
            Source of those coin flips.

        Returns
        -------
        logits : Tensor of shape ``(B, T, V)``
        attention : Tensor of shape ``(B, T, S)``, each row summing to 1 over real positions
        """
        if not 0.0 <= teacher_forcing_ratio <= 1.0:
            raise ValueError(
                f"teacher_forcing_ratio must be in [0, 1], got {teacher_forcing_ratio}"
            )
        tgt_in = np.asarray(tgt_in.data if isinstance(tgt_in, Tensor) else tgt_in)
        rng = make_rng(generator) if 0.0 < teacher_forcing_ratio < 1.0 else None
        # BEGIN SOLUTION
        memory, s = self.encode(src)
        y = tgt_in[:, 0]  # (B,)
        logits, alphas = [], []
        for t in range(tgt_in.shape[1]):
            logit, s, alpha = self.decode_step(y, s, memory)
            logits.append(logit)
            alphas.append(alpha)
            if t + 1 < tgt_in.shape[1]:
                forced = teacher_forcing_ratio == 1.0 or (
                    rng is not None and rng.random() < teacher_forcing_ratio
                )
                y = tgt_in[:, t + 1] if forced else logit.data.argmax(-1)
        return stack(logits, dim=1), stack(alphas, dim=1)  # (B, T, V), (B, T, S)
        # END SOLUTION

    # ------------------------------------------------------------------ inference
    @no_grad()
    def greedy_decode(self, src: np.ndarray, max_len: int) -> tuple[np.ndarray, np.ndarray]:
        """The argmax token at every step, until EOS (then padding) or ``max_len``.

        Returns
        -------
        tokens : int array of shape ``(B, L)``, ``L <= max_len``, EOS included, BOS not
        attention : array of shape ``(B, L, S)``
        """
        # BEGIN SOLUTION
        c = self.config
        memory, s = self.encode(src)
        B = s.shape[0]
        y = np.full(B, c.bos_idx)
        done = np.zeros(B, dtype=bool)
        tokens, alphas = [], []
        for _ in range(max_len):
            logits, s, alpha = self.decode_step(y, s, memory)
            y = np.where(done, c.pad_idx, logits.data.argmax(-1))  # (B,)
            tokens.append(y)
            alphas.append(alpha.data)
            done |= y == c.eos_idx
            if done.all():
                break
        return np.stack(tokens, 1), np.stack(alphas, 1)
        # END SOLUTION

    @no_grad()
    def beam_search(
        self, src: np.ndarray, beam_width: int, max_len: int
    ) -> list[tuple[list[int], float]]:
        """:func:`beam_search` for every source sequence: ``[(tokens with EOS, log-probability), ...]``."""
        src = np.asarray(src)
        results = []
        for i in range(src.shape[0]):
            memory, s0 = self.encode(src[i : i + 1])

            def step(y: np.ndarray, state: tuple[Any, ...]) -> tuple[np.ndarray, tuple[Any, ...]]:
                s, *mem = state
                logits, s, _ = self.decode_step(y, s, tuple(mem))
                return logits.log_softmax(-1).data, (s, *mem)

            results.append(
                beam_search(
                    step,
                    (s0, *memory),
                    self.config.bos_idx,
                    self.config.eos_idx,
                    beam_width,
                    max_len,
                )
            )
        return results


def _select(state: Any, rows: np.ndarray) -> Any:
    """Rows ``rows`` (axis 0) of every array or tensor in ``state`` (a nested tuple)."""
    if isinstance(state, tuple | list):
        return type(state)(_select(s, rows) for s in state)
    if isinstance(state, Tensor):
        return Tensor._make(state.data[rows], False)
    return np.asarray(state)[rows]


def beam_search(
    step: Callable[[np.ndarray, Any], tuple[np.ndarray, Any]],
    state: Any,
    bos: int,
    eos: int,
    beam_width: int,
    max_len: int,
) -> tuple[list[int], float]:
    r"""The highest-scoring sequence found keeping ``beam_width`` prefixes per step.

    Parameters
    ----------
    step : callable ``(y_prev (k,), state) -> (log_probs (k, V), state)``
        One decoder step for ``k`` hypotheses at once; ``state`` is an array, a tensor,
        or a tuple of them, with ``k`` rows (it is reordered with the hypotheses).
    state : the decoder state of the single hypothesis ``[bos]`` (one row)
    bos, eos : int
    beam_width : int
    max_len : int
        At most this many tokens after BOS (EOS included).

    Returns
    -------
    tokens : list of int, ending with EOS unless ``max_len`` was reached first
    score : float, $\sum_t \log p(y_t \mid y_{<t})$
    """
    if beam_width < 1 or max_len < 1:
        raise ValueError(
            f"beam_search: beam_width and max_len must be >= 1, got {beam_width} and {max_len}"
        )
    # BEGIN SOLUTION
    prefixes = [[]]  # live hypotheses, without BOS
    scores = np.zeros(1)  # (k,)
    y = np.array([bos])
    finished: list[tuple[float, list[int]]] = []
    for _ in range(max_len):
        log_probs, state = step(y, state)  # (k, V)
        # score of every one-token extension: $\text{score}(y_{<t}) + \log p(y_t \mid y_{<t})$
        total = scores[:, None] + log_probs  # (k, V)
        V = total.shape[1]
        # the best extensions fill the beam; one that ends with EOS leaves it, finished
        width = beam_width - len(finished)
        rows, tokens, kept = [], [], []
        for flat in np.argsort(-total, axis=None, kind="stable")[:width]:
            row, token = divmod(int(flat), V)
            if token == eos:
                finished.append((float(total[row, token]), [*prefixes[row], eos]))
            else:
                rows.append(row)
                tokens.append(token)
                kept.append(total[row, token])
        if not rows:
            break
        prefixes = [[*prefixes[r], t] for r, t in zip(rows, tokens)]
        scores, y = np.array(kept), np.array(tokens)
        state = _select(state, np.array(rows))
        # log-probabilities are <= 0: a live prefix can only lose score
        if finished and max(f[0] for f in finished) >= scores.max():
            break
    else:  # max_len reached: unfinished prefixes compete too
        finished += [(float(sc), p) for sc, p in zip(scores, prefixes)]
    score, best = max(finished, key=lambda f: f[0])
    return best, score
    # END SOLUTION
