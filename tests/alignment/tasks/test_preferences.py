import numpy as np
import pytest

from groundup.alignment.policy import Policy
from groundup.alignment.tasks.preferences import bradley_terry_labels, noise_ceiling, sample_pairs
from groundup.sequence.transformers.gpt import GPT, GPTConfig


def test_label_frequencies_follow_the_bradley_terry_probability():
    g1, g2 = np.full(20000, 1.0), np.zeros(20000)
    first, p = bradley_terry_labels(g1, g2, temperature=0.5, generator=0)
    assert p[0] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert first.mean() == pytest.approx(p[0], abs=0.01)
    # equal scores: a coin flip
    first, p = bradley_terry_labels(g2, g2, generator=1)
    assert first.mean() == pytest.approx(0.5, abs=0.01) and np.all(p == 0.5)


def test_noise_ceiling_and_errors():
    assert noise_ceiling([0.9, 0.2, 0.5]) == pytest.approx((0.9 + 0.8 + 0.5) / 3)
    with pytest.raises(ValueError, match="temperature"):
        bradley_terry_labels([1.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="one shape"):
        bradley_terry_labels([1.0], [0.0, 1.0])


def test_pairs_are_two_samples_of_each_prompt():
    gpt = GPT(GPTConfig(block_size=8, vocab_size=5, n_layer=1, n_head=1, n_embd=8), generator=0)
    (a, ma), (b, mb) = sample_pairs(Policy(gpt), np.array([[1, 2], [3, 4], [0, 0]]), 4, generator=0)
    assert a.shape == b.shape == ma.shape == mb.shape == (3, 4)
    assert not np.array_equal(a, b)
