"""Pooling and resizing (curriculum Phase 5): ``maxpool``, ``avgpool`` (fixed and adaptive),
``upsample`` (nearest and bilinear interpolation)."""
