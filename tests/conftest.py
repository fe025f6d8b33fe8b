"""Shared test settings: hypothesis profiles, and a guard that no test reaches the network."""

from __future__ import annotations

import os
import socket

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=int(os.environ.get("GROUNDUP_HYPOTHESIS_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: CI is reproducible
)
settings.register_profile("thorough", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("GROUNDUP_HYPOTHESIS_PROFILE", "default"))


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host.startswith("127.") or host in ("localhost", "::1") or self.family == socket.AF_UNIX
    ):
        raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# One BLAS/OpenMP thread per test process (the Makefile sets the same through the
# environment; this covers a plain `pytest`). Two xdist workers then use the two cores.
try:
    from threadpoolctl import threadpool_limits

    _blas_limit = threadpool_limits(1)
except ImportError:  # pragma: no cover - threadpoolctl is in the dev extra
    pass


# One local Ray instance (2 CPUs, no dashboard, no network) for the tests that use Ray; they
# share the xdist_group "ray", so `pytest -n 2 --dist loadgroup` runs them in one worker.
@pytest.fixture(scope="session")
def ray_local():
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
