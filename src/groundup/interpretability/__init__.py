"""Interpretability and robustness: hooks and activation caches, interventions, attribution, attacks.

* :mod:`~groundup.interpretability.hooks` — ``run_with_cache`` / ``run_with_hooks`` with
  TransformerLens's activation names;
* :mod:`~groundup.interpretability.attn_only` — the attention-only transformer of the
  induction-head experiments;
* :mod:`~groundup.interpretability.adversarial` — FGSM, PGD, adversarial training;
* :mod:`~groundup.interpretability.attribution` — saliency, gradient x input,
  integrated gradients, LIME on a superpixel grid, activation maximisation;
* :mod:`~groundup.interpretability.circuits` — induction and previous-token scores, head
  ablation, activation patching, QK/OV circuits and OV eigenvalues.
"""
