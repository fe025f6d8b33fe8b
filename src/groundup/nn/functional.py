"""``groundup.nn.functional``: PyTorch's ``torch.nn.functional`` names, re-exported.

Each function lives next to the layer that uses it in the curriculum layout
(``linear`` in ``nn_core/layers/linear.py``, ``relu`` in ``nn_core/activations/relu.py``,
...). Sections below group them; losses are added in their own section.
"""

# ---------------------------------------------------------------- layers
from groundup.nn_core.layers.linear import embedding, linear

__all__ = [
    "embedding",
    "linear",
]
