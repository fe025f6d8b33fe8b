import numpy as np
import pytest

from groundup.alignment.tasks.rhyme import last_word, rhyme_proxy_reward


def test_last_word():
    assert last_word("Shall I compare thee to a summer's day?") == "day"
    assert last_word("\nTo be, or not to be\nmore") == "be"
    assert last_word("?!") == ""


def test_the_proxy_is_the_last_two_letters_and_can_be_gamed():
    prompts = ["My mistress' eyes are nothing like the sun\n"] * 4
    got = rhyme_proxy_reward(
        prompts, ["Coral is far more red than begun\n", "sun\n", "xun\n", "moon\n"]
    )
    # a rhyme, the same word, a non-word: all pass the proxy
    np.testing.assert_array_equal(got, [1, 1, 1, 0])
    with pytest.raises(ValueError, match="prompts"):
        rhyme_proxy_reward(["a"], [])
