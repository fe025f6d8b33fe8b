import numpy as np
import pytest

from groundup.alignment.policy import completion_logprobs
from groundup.alignment.tasks.rev import (
    rev_examples,
    rev_reward,
    reverse_prompt,
    sft_batch,
    word_list,
)
from groundup.sequence.tokenizers import CharTokenizer
from groundup.sequence.transformers.gpt import GPT, GPTConfig


def test_prompts_are_left_padded_to_one_length():
    assert reverse_prompt("cat", 8) == "rev:cat;"
    assert reverse_prompt("at", 8) == "\nrev:at;"
    with pytest.raises(ValueError, match="longer"):
        reverse_prompt("kingdom", 8)


def test_exact_match_of_a_whole_line():
    got = rev_reward(["tac\n", "tac", "tac\nx", "tca\n"], ["tac"] * 4)
    np.testing.assert_array_equal(got, [1, 0, 0, 0])
    with pytest.raises(ValueError, match="answers"):
        rev_reward(["a"], [])


def test_examples_reverse_their_word():
    words = word_list("The cat sat on the mat; a dog, a LOG.")
    assert words == ["cat", "dog", "log", "mat", "sat", "the"]
    prompts, answers = rev_examples(words, 20, 10, generator=0)
    for p, a in zip(prompts, answers):
        word = p.split("rev:")[1][:-1]
        assert len(p) == 10 and a == word[::-1] + "\n"


def test_sft_loss_is_the_answer_tokens_only():
    tok = CharTokenizer("\n:;abcertv")
    q, o, m = sft_batch(tok, ["rev:ab;", "rev:ca;"], ["ba\n", "ac\n"], 4)
    assert q.shape == (2, 7) and o.shape == (2, 4)
    np.testing.assert_array_equal(m, [[1, 1, 1, 0], [1, 1, 1, 0]])
    model = GPT(
        GPTConfig(block_size=16, vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8),
        generator=0,
    )
    logp, _, _ = completion_logprobs(model, q, o)
    # the padded position's log-prob does not enter the masked mean
    o2 = o.copy()
    o2[:, 3] = 5
    logp2, _, _ = completion_logprobs(model, q, o2)
    np.testing.assert_allclose((logp.data * m).sum(), (logp2.data * m).sum())
