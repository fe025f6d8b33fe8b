"""Convolutions (curriculum Phase 5): ``im2col`` (the geometry and the data movements),
``conv2d`` (forward and both gradients), ``transposed_conv`` (its adjoint), ``conv1d``."""
