"""Scale-out on Ray: sweeps of a milestone over options and seeds, and distributed rollouts.

Ray is an optional dependency (``pip install 'groundup[distributed]'``); nothing here
imports it until a sweep or a Ray-backed rollout pool starts. See ``docs/distributed.md``
for one machine and for a cluster.
"""

from groundup.distributed.rollouts import DistributedRollouts, RolloutWorker
from groundup.distributed.sweep import SweepResult, parse_grid, run_sweep

__all__ = ["DistributedRollouts", "RolloutWorker", "SweepResult", "parse_grid", "run_sweep"]
