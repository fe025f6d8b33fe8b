r"""The feature network of the evaluation package: a LeNet-5 trained here on MNIST.

FID uses Inception-v3 features, which a NumPy library cannot download and would not
want to: they describe photographs, not digits. Here the features come from a LeNet-5
the project trains itself on the 4,000 training digits of ``mnist-5k`` (the bundled set;
see :mod:`groundup.data.mnist_5k`); its logits double as the classifier of class accuracy.

Two layers are used, each where it separates real from broken samples (measured on 1,000
digits against the 1,000 test digits):

* **FD on ``fc2`` (84-d, after its ReLU)**, the penultimate layer as Inception's pool3 is
  for FID: raw, real 3.65, digits plus N(0, 0.3) noise 157, uniform noise 1056, a VAE's
  samples 210-260. :func:`~groundup.generative.evaluation.evaluate_samples` reports it in
  *reference units* (the features scaled so that the test digits' variance is 1 per
  dimension on average, about 0.098 times these numbers; see :mod:`.metrics`).
* **Precision/recall on ``fc1`` before its ReLU (120-d)**: uniform noise gets precision
  0.002 there but 0.77 on ``fc2``. The deeper layer of a classifier maps noise into the
  cluster of one class (all of it is "a 1"), inside the k-NN balls of real digits; one
  layer earlier it is still far from every digit. Real digits: precision 0.91, recall 0.92.

The weights are never downloaded. :func:`feature_network` trains the network on first use
(25 s of CPU, a minute on a busy machine; 20 epochs, AdamW, random shifts of up to 2 pixels, seed 0) and
caches it atomically in the data cache (``groundup data list`` prints the folder):
``<cache>/models/lenet-mnist-5k-features-v1.npz``. ``groundup data feature-net`` trains
and caches it ahead of time (``--retrain`` trains again). The 1,000 test digits are never
trained on, so they are the *reference set* of the metrics.

>>> import numpy as np
>>> net = FeatureLeNet(generator=np.random.default_rng(0))
>>> net.features(np.zeros((2, 28, 28), dtype=np.float32)).shape
(2, 84)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from groundup.architectures.lenet import LeNet5
from groundup.foundations.autograd import no_grad
from groundup.foundations.computational_graph import Tensor

__all__ = [
    "FEATURE_DIM",
    "FeatureLeNet",
    "as_unit_images",
    "feature_network",
    "feature_network_path",
    "mnist_features",
    "train_feature_network",
]

FEATURE_DIM = 84
FILENAME = "lenet-mnist-5k-features-v1.npz"
# MNIST's pixel mean and standard deviation (of [0, 1] intensities)
MEAN, STD = 0.1307, 0.3081
EPOCHS, BATCH_SIZE, LR, WEIGHT_DECAY, MAX_SHIFT, SEED = 20, 64, 2e-3, 0.05, 2, 0


def as_unit_images(images: Any, name: str = "images") -> np.ndarray:
    """Digits as float32 ``(N, 1, 28, 28)`` intensities in [0, 1].

    Parameters
    ----------
    images : array of shape (N, 28, 28), (N, 1, 28, 28) or (N, 784)
        uint8 pixels (0-255) or floats in [0, 1] (what a generator with a sigmoid output
        gives; map a tanh output with ``(x + 1) / 2`` first).
    """
    x = np.asarray(images.data if isinstance(images, Tensor) else images)
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim == 3 and x.shape[1:] == (28, 28):
        x = x[:, None]
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(
            f"{name} must have shape (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {x.shape}"
        )
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or infinity")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise ValueError(
            f"{name} must be intensities in [0, 1] (or uint8), got values in [{lo:.3g}, {hi:.3g}]; "
            "map a tanh output in [-1, 1] with (x + 1) / 2"
        )
    return np.clip(x, 0.0, 1.0)


class FeatureLeNet(LeNet5):
    """LeNet-5 (ReLU, max pooling) that also returns its 84-d ``fc2`` features.

    Takes intensities in [0, 1] and normalises them with MNIST's mean and standard deviation.
    """

    def _normalise(self, images: Any) -> Tensor:
        x = as_unit_images(images)  # (N, 1, 28, 28)
        return Tensor((x - MEAN) / STD)

    def activations(self, images: Any, batch_size: int = 500) -> dict[str, np.ndarray]:
        """The layers the metrics use, in eval mode and without gradients.

        Returns
        -------
        dict
            ``"fc1"``: ``fc1``'s output *before* its ReLU ``(N, 120)`` (precision/recall);
            ``"fc2"``: ``fc2``'s output after its ReLU ``(N, 84)`` (FD);
            ``"logits"``: ``(N, 10)`` (the classifier).
        """
        x = self._normalise(images).data
        out: dict[str, list[np.ndarray]] = {"fc1": [], "fc2": [], "logits": []}
        was_training = self.training
        self.eval()
        with no_grad():
            for i in range(0, len(x), batch_size):
                h = self.pool(self.act(self.conv1(Tensor(x[i : i + batch_size]))))  # (B, 6, 14, 14)
                h = self.pool(self.act(self.conv2(h)))  # (B, 16, 5, 5)
                h1 = self.fc1(h.flatten(1))  # (B, 120)
                h2 = self.act(self.fc2(self.act(h1)))  # (B, 84)
                out["fc1"].append(h1.data)
                out["fc2"].append(h2.data)
                out["logits"].append(self.fc3(h2).data)  # (B, 10)
        self.train(was_training)
        widths = {"fc1": 120, "fc2": FEATURE_DIM, "logits": 10}
        return {
            k: np.concatenate(v) if v else np.zeros((0, widths[k]), np.float32)
            for k, v in out.items()
        }

    def features(self, images: Any) -> np.ndarray:
        """The 84-d ``fc2`` features (after the ReLU), ``(N, 84)``: what FD compares."""
        return self.activations(images)["fc2"]

    def predict(self, images: Any) -> np.ndarray:
        """The predicted digit of each image, int64 ``(N,)``."""
        return self.activations(images)["logits"].argmax(axis=1)


def _shift(x: np.ndarray, rng: np.random.Generator, m: int) -> np.ndarray:
    """Each image of ``x (B, 1, 28, 28)`` moved by its own offset in ``[-m, m]``²; the border is 0."""
    B, _, H, W = x.shape
    padded = np.pad(x, [(0, 0), (0, 0), (m, m), (m, m)])  # (B, 1, H+2m, W+2m)
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, B))
    rows = dy[:, None] + np.arange(H)  # (B, H)
    cols = dx[:, None] + np.arange(W)  # (B, W)
    return padded[np.arange(B)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def train_feature_network(
    epochs: int | None = None, seed: int = SEED, log: Callable[[str], None] | None = None
) -> tuple[FeatureLeNet, dict[str, Any]]:
    """Train :class:`FeatureLeNet` on mnist-5k's 4,000 training digits (``epochs``: ``EPOCHS`` = 20).

    Returns
    -------
    (net, info) : the trained network in eval mode, and ``{"test_accuracy", "epochs", "seed", "seconds"}``
    """
    from groundup import data, optim
    from groundup.optimization.losses.cross_entropy import cross_entropy

    epochs = EPOCHS if epochs is None else epochs
    d = data.load("mnist-5k")
    X_train, y_train = as_unit_images(d["train"][0]), d["train"][1].astype(np.int64)
    X_test, y_test = d["test"][0], d["test"][1]
    rng = np.random.default_rng(seed)
    net = FeatureLeNet(generator=rng)
    optimizer = optim.AdamW(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    steps = epochs * (len(X_train) // BATCH_SIZE)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(X_train))
        for i in range(len(X_train) // BATCH_SIZE):
            idx = order[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
            xb = _shift(X_train[idx], rng, MAX_SHIFT)  # (B, 1, 28, 28)
            loss = cross_entropy(net(Tensor((xb - MEAN) / STD)), Tensor(y_train[idx]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        if log is not None:
            log(f"feature network: epoch {epoch + 1}/{epochs}, loss {loss.item():.4f}")
    net.eval()
    accuracy = float((net.predict(X_test) == y_test).mean())
    info = {"test_accuracy": accuracy, "epochs": epochs, "seed": seed}
    info["seconds"] = round(time.perf_counter() - t0, 1)
    return net, info


def feature_network_path() -> Path:
    """Where the trained weights are cached: ``<data cache>/models/lenet-mnist-5k-features-v1.npz``."""
    from groundup.data.cache import cache_dir

    return cache_dir() / "models" / FILENAME


_LOADED: dict[str, tuple[FeatureLeNet, dict[str, Any]]] = {}


def feature_network(
    retrain: bool = False, log: Callable[[str], None] | None = None
) -> tuple[FeatureLeNet, dict[str, Any]]:
    """The cached feature network, trained (and cached atomically) if it is not there yet.

    Parameters
    ----------
    retrain : bool
        Train again and replace the cached file.
    log : callable, optional
        Receives one line per training epoch.

    Returns
    -------
    (net, info) : :class:`FeatureLeNet` in eval mode, and what training recorded
        (``test_accuracy`` on the 1,000 test digits, ``epochs``, ``seed``, ``seconds``).
    """
    from groundup.nn_core.checkpoint import load, save

    path = feature_network_path()
    key = str(path)
    if not retrain and key in _LOADED and path.exists():
        return _LOADED[key]
    if retrain or not path.exists():
        net, info = train_feature_network(log=log)
        path.parent.mkdir(parents=True, exist_ok=True)
        save({"state": net.state_dict(), "info": info}, path)  # atomic: complete or absent
    else:
        saved = load(path)
        net = FeatureLeNet(generator=np.random.default_rng(0))
        net.load_state_dict(saved["state"])
        net.eval()
        info = dict(saved["info"])
    _LOADED[key] = (net, info)
    return net, info


def mnist_features(images: Any) -> np.ndarray:
    """The feature network's 84-d features of a batch of digits, ``(N, 84)`` float32.

    ``images``: see :func:`as_unit_images` (uint8 or [0, 1] floats; ``(N, 28, 28)``,
    ``(N, 1, 28, 28)`` or ``(N, 784)``).
    """
    return feature_network()[0].features(images)
