"""``torch.utils.data`` in NumPy: datasets, a DataLoader, and image transforms.

>>> import numpy as np
>>> from groundup.data import load
>>> from groundup.utils.data import DataLoader, TensorDataset
>>> X, y = load("mnist-5k")["train"]                       # uint8 (4000, 28, 28), int64 (4000,)
>>> ds = TensorDataset(X.astype(np.float32) / 255, y)
>>> xb, yb = next(iter(DataLoader(ds, batch_size=64, shuffle=True, generator=0)))
>>> xb.shape, yb.shape
((64, 28, 28), (64,))
"""

from groundup.utils.data.dataloader import DataLoader, default_collate
from groundup.utils.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from groundup.utils.data.transforms import (
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomShift,
    ToFloat,
)

__all__ = [
    "Compose",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomShift",
    "Subset",
    "TensorDataset",
    "ToFloat",
    "default_collate",
    "random_split",
]
