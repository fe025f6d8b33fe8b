"""Training machinery (curriculum Phases 2-3): losses, optimisers, schedulers, clipping.

``groundup.optim`` and ``groundup.nn`` re-export these under PyTorch's names.
"""
