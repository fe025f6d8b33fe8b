"""Scale-out on Ray: sweeps of a milestone over options and seeds, distributed RL rollouts
and distributed sampling of completions for alignment.

Ray is an optional dependency (``pip install 'groundup[distributed]'``); nothing here
imports it until a sweep or a Ray-backed rollout pool starts. See ``docs/distributed.md``
for one machine and for a cluster.
"""

from groundup.distributed.rollouts import DistributedRollouts, RolloutWorker
from groundup.distributed.sampling import DistributedSampler, SamplerWorker
from groundup.distributed.sweep import SweepResult, parse_grid, run_sweep

__all__ = [
    "DistributedRollouts",
    "DistributedSampler",
    "RolloutWorker",
    "SamplerWorker",
    "SweepResult",
    "parse_grid",
    "run_sweep",
]
