"""``python -m groundup.learn.gradcheck_runner MODULE:FUNCTION SHAPES_JSON``: a finite-difference check.

Run by ``groundup check`` in the overlaid subprocess: draws float64 inputs of the given
shapes, compares the learner's backward with central differences, prints one JSON line
``{"passed": ..., "report": ...}`` and exits 0 if the gradients agree.
"""

from __future__ import annotations

import importlib
import json
import sys

import numpy as np


def main(argv: list[str]) -> int:
    """Check ``MODULE:FUNCTION`` on inputs of ``SHAPES_JSON`` (a list of shapes)."""
    from groundup import Tensor
    from groundup.foundations.gradient_check import gradient_check

    target, shapes = argv[0], json.loads(argv[1])
    module_name, _, fn_name = target.partition(":")
    fn = getattr(importlib.import_module(module_name), fn_name)
    rng = np.random.default_rng(0)
    inputs = [Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    report = gradient_check(fn, inputs)
    print(json.dumps({"passed": bool(report.passed), "report": str(report)}))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
