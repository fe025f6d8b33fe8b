import numpy as np
import pytest

from groundup.alignment.tasks.common import decode_completions, encode_prompts, text_reward_fn
from groundup.sequence.tokenizers import CharTokenizer

TOK = CharTokenizer("\n abc")


def test_decode_drops_the_padding_and_encode_needs_one_length():
    assert decode_completions(TOK, np.array([[2, 3, 0, 2]]), np.array([[1, 1, 1, 0]])) == ["ab\n"]
    np.testing.assert_array_equal(encode_prompts(TOK, ["ab", "ca"]), [[2, 3], [4, 2]])
    with pytest.raises(ValueError, match="one length"):
        encode_prompts(TOK, ["ab", "c"])
    with pytest.raises(ValueError, match="one shape"):
        decode_completions(TOK, np.zeros((1, 2), int), np.zeros((1, 3)))


def test_text_reward_fn_scores_the_decoded_strings():
    fn = text_reward_fn(TOK, lambda q, c: [float(a[-1] == b[0]) for a, b in zip(q, c)])
    got = fn(np.array([[2, 3], [2, 4]]), np.array([[3, 0], [2, 0]]), np.ones((2, 2)))
    np.testing.assert_array_equal(got, [1.0, 0.0])
