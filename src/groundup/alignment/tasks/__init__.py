"""Tasks for aligning the character GPT: prompts, rewards, held-out sets.

* ``lipogram`` — verifiable: continue a text with a line of at least three words and no
  letter ``e`` (the seven-method comparison of ``align-compare``);
* ``rev`` — reverse a word (``rev:cat;`` → ``tac``), exact match, with SFT warm-start data;
* ``rhyme`` — the *proxy* reward of a rhyme (the last two letters agree);
* ``preferences`` — noisy Bradley–Terry labels from any scorer, pairs of samples.

The *gold* scorers live in :mod:`groundup.alignment.tasks.gold`, which nothing here
imports: the proxy reward model and the policy never see them (a test checks the import
graph). Only an experiment (a milestone) imports ``gold`` to label data and to measure.

>>> from groundup.alignment.tasks import lipogram_reward, reverse_prompt
>>> lipogram_reward(["Hold, good sir, stay\\n", "Hold, sir\\n", "Hold on, my lord"])
array([1., 0., 0.])
>>> reverse_prompt("cat", 9)
'\\nrev:cat;'
"""

from groundup.alignment.tasks.common import decode_completions, text_reward_fn
from groundup.alignment.tasks.lipogram import lipogram_prompts, lipogram_reward
from groundup.alignment.tasks.preferences import bradley_terry_labels, sample_pairs
from groundup.alignment.tasks.rev import (
    rev_examples,
    rev_reward,
    reverse_prompt,
    sft_batch,
    word_list,
)
from groundup.alignment.tasks.rhyme import last_word, rhyme_proxy_reward

__all__ = [
    "bradley_terry_labels",
    "decode_completions",
    "last_word",
    "lipogram_prompts",
    "lipogram_reward",
    "rev_examples",
    "rev_reward",
    "reverse_prompt",
    "rhyme_proxy_reward",
    "sample_pairs",
    "sft_batch",
    "text_reward_fn",
    "word_list",
]
