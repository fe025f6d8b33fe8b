r"""VQ-VAE (van den Oord, Vinyals and Kavukcuoglu, 2017): a discrete code per image patch.

The encoder maps an image to a grid of vectors $z_e \in \mathbb R^{7\times7\times D}$; each
vector is replaced by its nearest entry of a codebook $\{e_k\}_{k=1}^K$,

$$k^* = \arg\min_k \lVert z_e - e_k\rVert_2^2,\qquad z_q = e_{k^*},$$

and the decoder rebuilds the image from $z_q$. The image becomes 49 integers in
$0..K-1$, and a second model — here groundup's own GPT — learns a prior over them.

* **Straight-through estimator.** $\arg\min$ has no gradient. The forward pass uses $z_q$;
  the backward pass copies the decoder's gradient to $z_e$ unchanged:
  $z_q^{\text{st}} = z_e + \operatorname{sg}[z_q - z_e]$, in code ``z_e + (q - z_e).detach()``.
* **Commitment loss** $\beta\lVert z_e - \operatorname{sg}[e]\rVert^2$ ($\beta = 0.25$) keeps
  the encoder's outputs near the codes it picked.
* **Codebook by exponential moving averages** instead of the loss term
  $\lVert\operatorname{sg}[z_e] - e\rVert^2$ (the paper's appendix; rosinality's ``vqvae.py``):
  with $n_k$ the number of vectors assigned to code $k$ in a batch and $s_k$ their sum,

  $$N_k \leftarrow \gamma N_k + (1-\gamma) n_k,\quad m_k \leftarrow \gamma m_k + (1-\gamma) s_k,
  \quad e_k = m_k / \tilde N_k,$$

  where $\tilde N_k = (N_k + \epsilon)/(\sum_j N_j + K\epsilon)\cdot\sum_j N_j$ (Laplace
  smoothing, so an unused code never divides by 0).
* **Codebook usage** is reported as the perplexity $\exp(-\sum_k p_k \log p_k)$ of the code
  frequencies $p_k$: $K$ if every code is used equally, 1 if one code took everything.
  Codes no input picks stay where they are forever; :meth:`VectorQuantizer.restart_dead_codes`
  moves them onto encoder outputs (as Jukebox does), an addition to the paper.

>>> import numpy as np
>>> from groundup import Tensor
>>> vq = VectorQuantizer(num_embeddings=3, embedding_dim=2)
>>> vq.embedding.data[:] = [[0, 0], [1, 1], [5, 5]]
>>> vq(Tensor(np.array([[0.2, 0.0], [0.8, 1.0]], dtype=np.float32))).codes.tolist()
[0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor
from groundup.generative.autoencoders.vanilla_ae import as_input
from groundup.nn_core.activations.relu import ReLU
from groundup.nn_core.containers import Sequential
from groundup.nn_core.conv.conv2d import Conv2d
from groundup.nn_core.conv.transposed_conv import ConvTranspose2d
from groundup.nn_core.module import Module
from groundup.optimization.losses.binary_cross_entropy import binary_cross_entropy_with_logits
from groundup.optimization.losses.mse import mse_loss
from groundup.utils.seeding import make_rng

__all__ = ["VQVAE", "VQOutput", "VectorQuantizer", "codebook_perplexity"]


def codebook_perplexity(codes: np.ndarray, num_embeddings: int) -> float:
    r"""$\exp(-\sum_k p_k \log p_k)$ of the frequencies of ``codes`` (any shape): 1 to ``num_embeddings``.

    >>> codebook_perplexity(np.array([0, 1, 2, 3]), 8)  # four codes, equally often
    4.0
    """
    p = np.bincount(np.ravel(codes), minlength=num_embeddings) / np.size(codes)  # (K,)
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


@dataclass
class VQOutput:
    """What the quantiser returns for ``N`` vectors."""

    z_q: Tensor
    """$z_e + \\operatorname{sg}[e_{k^*} - z_e]$: the codes' values, the encoder's gradient path, ``(N, D)``."""
    codes: np.ndarray
    """$k^*$ of each vector, int64 ``(N,)``."""
    commitment: Tensor
    """$\\beta\\,\\mathrm{mean}\\lVert z_e - \\operatorname{sg}[e_{k^*}]\\rVert^2$, a scalar."""
    perplexity: float
    """Codebook perplexity of this batch's codes."""


class VectorQuantizer(Module):
    """A codebook of ``num_embeddings`` vectors of size ``embedding_dim``, updated by EMA.

    Parameters
    ----------
    num_embeddings : int
        $K$.
    embedding_dim : int
        $D$.
    commitment_cost : float
        $\\beta$.
    decay : float
        $\\gamma$ of the moving averages.
    eps : float
        $\\epsilon$ of the Laplace smoothing.
    generator : np.random.Generator, optional
        For the initial codebook, $\\mathcal N(0, 1)$ entries.

    The codebook is a buffer (``embedding``, ``(K, D)``), not a parameter: no optimiser
    touches it; :meth:`ema_update` does, in training mode, inside :meth:`forward`.
    """

    def __init__(
        self,
        num_embeddings: int = 128,
        embedding_dim: int = 16,
        commitment_cost: float = 0.25,
        decay: float = 0.99,
        eps: float = 1e-5,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"VectorQuantizer: decay must be in [0, 1), got {decay}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.commitment_cost, self.decay, self.eps = commitment_cost, decay, eps
        e = make_rng(generator).standard_normal((num_embeddings, embedding_dim)).astype(np.float32)
        self.register_buffer("embedding", e)  # (K, D)
        self.register_buffer("cluster_size", np.ones(num_embeddings, dtype=np.float32))  # (K,)
        self.register_buffer("embed_avg", e.copy())  # (K, D)

    def quantize(self, z: np.ndarray) -> np.ndarray:
        r"""$k^* = \arg\min_k \lVert z - e_k\rVert^2$ for each row of ``z`` ``(N, D)``: int64 ``(N,)``."""
        e = self.embedding.data  # (K, D)
        # BEGIN SOLUTION
        # $\|z - e_k\|^2 = \|z\|^2 - 2 z\cdot e_k + \|e_k\|^2$; $\|z\|^2$ is the same for every k
        d = -2.0 * z @ e.T + (e * e).sum(1)[None, :]  # (N, K)
        return d.argmin(axis=1)
        # END SOLUTION

    def ema_update(self, z: np.ndarray, codes: np.ndarray) -> None:
        """One EMA step of the codebook from vectors ``z`` ``(N, D)`` assigned to ``codes`` ``(N,)``."""
        g, K = self.decay, self.num_embeddings
        # BEGIN SOLUTION
        one_hot = np.eye(K, dtype=np.float32)[codes]  # (N, K)
        n = one_hot.sum(0)  # (K,) vectors per code
        s = one_hot.T @ z  # (K, D) their sums
        # $N_k \leftarrow \gamma N_k + (1-\gamma) n_k$, $m_k \leftarrow \gamma m_k + (1-\gamma) s_k$
        self.cluster_size.data[:] = g * self.cluster_size.data + (1 - g) * n
        self.embed_avg.data[:] = g * self.embed_avg.data + (1 - g) * s
        # $\tilde N_k = (N_k + \epsilon) / (\sum_j N_j + K\epsilon) \cdot \sum_j N_j$
        total = self.cluster_size.data.sum()
        smoothed = (self.cluster_size.data + self.eps) / (total + K * self.eps) * total  # (K,)
        # $e_k = m_k / \tilde N_k$
        self.embedding.data[:] = self.embed_avg.data / smoothed[:, None]
        # END SOLUTION

    def restart_dead_codes(self, z: np.ndarray, generator: Any, threshold: float = 0.05) -> int:
        """Move every code whose EMA count is below ``threshold`` onto a random row of ``z``; how many moved."""
        dead = np.flatnonzero(self.cluster_size.data < threshold)
        if dead.size == 0:
            return 0
        rows = make_rng(generator).integers(0, len(z), size=dead.size)
        self.embedding.data[dead] = z[rows]
        self.embed_avg.data[dead] = z[rows]
        self.cluster_size.data[dead] = 1.0
        return int(dead.size)

    def forward(self, z_e: Tensor) -> VQOutput:
        """Quantise ``z_e`` ``(N, D)``; in training mode, then update the codebook."""
        if z_e.ndim != 2 or z_e.shape[1] != self.embedding_dim:
            raise ValueError(
                f"VectorQuantizer: z_e must have shape (N, {self.embedding_dim}), got {tuple(z_e.shape)}"
            )
        z = z_e.data
        codes = self.quantize(z)  # (N,)
        q = Tensor(self.embedding.data[codes].copy())  # (N, D), a constant: sg[e]
        if self.training:
            # after q is read: this batch is quantised with the codebook it was assigned by
            self.ema_update(z, codes)
        # BEGIN SOLUTION
        # $\beta\,\|z_e - \mathrm{sg}[e]\|^2$ (the codebook term is the EMA update above)
        commitment = self.commitment_cost * mse_loss(z_e, q)
        # straight-through: the value of q, the gradient of z_e
        z_q = z_e + (q - z_e).detach()  # (N, D)
        # END SOLUTION
        return VQOutput(z_q, codes, commitment, codebook_perplexity(codes, self.num_embeddings))


@dataclass
class VQVAEOutput:
    """The forward pass of a batch of images."""

    logits: Tensor
    """Reconstruction logits ``(B, 1, 28, 28)``; $\\sigma$ of them is the image."""
    codes: np.ndarray
    """The 7x7 code grid of each image, flattened row-major: int64 ``(B, 49)``."""
    commitment: Tensor
    """The commitment loss (scalar)."""
    perplexity: float
    """Codebook perplexity of this batch."""
    z_e: np.ndarray
    """The encoder's vectors ``(B * 49, D)`` (for :meth:`VectorQuantizer.restart_dead_codes`)."""


class VQVAE(Module):
    """Conv encoder to a 7x7 grid of ``embedding_dim`` vectors, EMA codebook, transposed-conv decoder.

    Parameters
    ----------
    num_embeddings, embedding_dim, commitment_cost, decay : see :class:`VectorQuantizer`
    channels : int
        Channels of the first convolution (the second has twice as many).
    generator : np.random.Generator, optional
    """

    def __init__(
        self,
        num_embeddings: int = 128,
        embedding_dim: int = 16,
        channels: int = 32,
        commitment_cost: float = 0.25,
        decay: float = 0.99,
        generator: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        rng = make_rng(generator)
        h, D = channels, embedding_dim
        self.encoder = Sequential(
            Conv2d(1, h, 4, stride=2, padding=1, generator=rng),  # 28 -> 14
            ReLU(),
            Conv2d(h, 2 * h, 4, stride=2, padding=1, generator=rng),  # 14 -> 7
            ReLU(),
            Conv2d(2 * h, D, 1, generator=rng),
        )
        self.quantizer = VectorQuantizer(num_embeddings, D, commitment_cost, decay, generator=rng)
        self.decoder = Sequential(
            Conv2d(D, 2 * h, 3, padding=1, generator=rng),
            ReLU(),
            ConvTranspose2d(2 * h, h, 4, stride=2, padding=1, generator=rng),  # 7 -> 14
            ReLU(),
            ConvTranspose2d(h, 1, 4, stride=2, padding=1, generator=rng),  # 14 -> 28
        )

    def encode(self, x: Tensor) -> Tensor:
        """$z_e$ as rows: ``(B * 49, D)`` in row-major order of the 7x7 grid."""
        z = self.encoder(x)  # (B, D, 7, 7)
        return z.permute(0, 2, 3, 1).reshape(-1, self.quantizer.embedding_dim)  # (B*49, D)

    def decode_rows(self, z_q: Tensor, batch: int) -> Tensor:
        """Logits ``(B, 1, 28, 28)`` from quantised rows ``(B * 49, D)``."""
        z = z_q.reshape(batch, 7, 7, -1).permute(0, 3, 1, 2)  # (B, D, 7, 7)
        return self.decoder(z)

    def forward(self, x: Any) -> VQVAEOutput:
        """Encode, quantise and decode images ``(B, 1, 28, 28)``."""
        x = as_input(x)
        B = x.shape[0]
        z_e = self.encode(x)  # (B*49, D)
        vq = self.quantizer(z_e)
        return VQVAEOutput(
            self.decode_rows(vq.z_q, B),
            vq.codes.reshape(B, 49),
            vq.commitment,
            vq.perplexity,
            z_e.data,
        )

    def loss(self, x: Any) -> tuple[Tensor, VQVAEOutput]:
        r"""Per-pixel binary cross-entropy + $\beta\lVert z_e - \mathrm{sg}[e]\rVert^2$, and the forward pass.

        The paper's reconstruction term is a squared error; on MNIST the cross-entropy of
        the logits trains far faster from the first steps (MSE of $\sigma(\ell)$ sat at the
        mean digit for hundreds of steps here). The milestone reports the MSE.
        """
        x = as_input(x)
        out = self(x)
        return binary_cross_entropy_with_logits(out.logits, x) + out.commitment, out

    def decode_codes(self, codes: Any) -> np.ndarray:
        """Images ``(B, 784)`` in [0, 1] from code grids ``(B, 49)`` (e.g. sampled from a prior)."""
        codes = np.asarray(codes)
        with no_grad():
            q = Tensor(self.quantizer.embedding.data[codes.reshape(-1)])  # (B*49, D)
            logits = self.decode_rows(q, len(codes)).data  # (B, 1, 28, 28)
        return (1.0 / (1.0 + np.exp(-logits))).reshape(len(codes), 784)
