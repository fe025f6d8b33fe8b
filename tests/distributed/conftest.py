"""One local Ray instance for the tests of this directory (2 CPUs, no dashboard, no network).

The tests here share the ``xdist_group`` "ray", so ``pytest -n 2 --dist loadgroup`` runs
them in one worker and starts Ray once.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ray_local():
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
