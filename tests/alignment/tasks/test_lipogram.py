import numpy as np
import pytest

from groundup.alignment.tasks.lipogram import lipogram_prompts, lipogram_reward


def test_the_reward_wants_a_whole_line_of_three_words_without_e():
    got = lipogram_reward(
        [
            "Hold, good sir, stay\n",
            "Hold, sir\n",
            "Hold on, my lord",
            "Go to thy bed\n",
            "Ah, O, Ay!\nmore",
        ]
    )
    np.testing.assert_array_equal(got, [1, 0, 0, 0, 1])


def test_capital_e_fails_and_non_words_pass():
    # the rule is gameable: runs of letters without an e are "words"
    np.testing.assert_array_equal(lipogram_reward(["Eat my hat\n", "zzk qq xu\n"]), [0, 1])


def test_prompts_end_at_a_line_break_before_a_spoken_line():
    text = "ROMEO:\nBut soft, what light through yonder\nJULIET:\nAy me!\nO Romeo, Romeo, wherefore art thou\n"
    prompts = lipogram_prompts(text, length=7, n=50, generator=0)
    assert {len(p) for p in prompts} == {7}
    assert all(p.endswith("\n") for p in prompts)
    nxt = {text[text.index(p) + 7 :].split("\n", 1)[0] for p in prompts}
    assert all(len(line.split()) >= 3 and not line.endswith(":") for line in nxt)


def test_prompts_are_reproducible_and_bad_lengths_are_errors():
    text = "A\nGo to, thy lord is at hand\n" * 20
    assert lipogram_prompts(text, 5, 4, generator=1) == lipogram_prompts(text, 5, 4, generator=1)
    with pytest.raises(ValueError, match="length"):
        lipogram_prompts(text, 0, 1)
    with pytest.raises(ValueError, match="no spoken line"):
        lipogram_prompts("a\nb\n", 1, 1)
