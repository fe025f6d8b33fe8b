"""How good are generated samples? Fréchet distance, precision/recall, class metrics.

The week-12 evaluation package of the curriculum, used by every generative milestone:

* :func:`frechet_distance` (``frechet.py``): FID's formula with a true matrix square root;
* :func:`precision_recall` (``precision_recall.py``): k-th-neighbour manifolds (Kynkäänniemi et al., 2019);
* :func:`feature_network` / :func:`mnist_features` (``feature_net.py``): a LeNet-5 trained
  by the project on MNIST and cached in the data cache (never downloaded);
* :func:`evaluate_samples` (``metrics.py``): all of them on a batch of generated digits,
  with class accuracy, class-histogram entropy and the real-vs-real floor at the same N;
  FD in reference units (:func:`feature_scale`: the reference features' variance is 1 per
  dimension on average).
"""

from groundup.generative.evaluation.feature_net import (
    FeatureLeNet,
    as_unit_images,
    feature_network,
    feature_network_path,
    mnist_features,
)
from groundup.generative.evaluation.frechet import (
    frechet_distance,
    frechet_distance_from_stats,
    gaussian_stats,
    trace_sqrt_product,
)
from groundup.generative.evaluation.metrics import (
    class_accuracy,
    class_entropy,
    evaluate_samples,
    feature_scale,
    real_floor,
    reference_features,
)
from groundup.generative.evaluation.precision_recall import precision_recall

__all__ = [
    "FeatureLeNet",
    "as_unit_images",
    "class_accuracy",
    "class_entropy",
    "evaluate_samples",
    "feature_network",
    "feature_network_path",
    "feature_scale",
    "frechet_distance",
    "frechet_distance_from_stats",
    "gaussian_stats",
    "mnist_features",
    "precision_recall",
    "real_floor",
    "reference_features",
    "trace_sqrt_product",
]
