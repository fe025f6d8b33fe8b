"""``torch.utils.data`` in NumPy: datasets, a DataLoader, and image transforms.

>>> import numpy as np
>>> from groundup.data import load
>>> from groundup.utils.data import DataLoader, TensorDataset
>>> X, y = load("mnist-5k")["train"]                       # uint8 (4000, 28, 28), int64 (4000,)
>>> ds = TensorDataset(X.astype(np.float32) / 255, y)
>>> xb, yb = next(iter(DataLoader(ds, batch_size=64, shuffle=True, generator=0)))
>>> xb.shape, yb.shape
((64, 28, 28), (64,))

Random augmentation goes in a ``Dataset`` of your own, applied per sample:

>>> from groundup.utils.data import Compose, Dataset, RandomShift, ToFloat
>>> class Digits(Dataset):
...     def __init__(self, X, y, transform):
...         self.X, self.y, self.transform = X, y, transform
...     def __len__(self):
...         return len(self.X)
...     def __getitem__(self, i):
...         return self.transform(self.X[i][None]), self.y[i]    # (1, 28, 28) float32
>>> ds = Digits(X, y, Compose([RandomShift(2, generator=0), ToFloat()]))
>>> xb, yb = next(iter(DataLoader(ds, batch_size=32, shuffle=True, generator=0)))
>>> xb.shape, xb.dtype
((32, 1, 28, 28), dtype('float32'))
"""

from groundup.utils.data.dataloader import DataLoader, default_collate
from groundup.utils.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from groundup.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from groundup.utils.data.transforms import (
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomShift,
    ToFloat,
)

__all__ = [
    "BatchSampler",
    "Compose",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomSampler",
    "RandomShift",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "ToFloat",
    "WeightedRandomSampler",
    "default_collate",
    "random_split",
]
