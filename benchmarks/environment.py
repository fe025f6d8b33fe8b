"""What a benchmark ran on: date, CPU, load, library versions, BLAS and thread counts."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (or ``platform.processor()``)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def blas_info() -> str:
    """The BLAS NumPy calls and its thread count (threadpoolctl), one line."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    numpy_dir = Path(np.__file__).parent.parent
    parts = []
    for lib in threadpool_info():
        if lib.get("user_api") != "blas":
            continue
        where = "NumPy" if str(numpy_dir) in lib.get("filepath", "") else "other"
        arch = f", {lib['architecture']} kernels" if lib.get("architecture") else ""
        parts.append(
            f"{where}: {lib.get('internal_api')} {lib.get('version')}{arch}, "
            f"num_threads = {lib.get('num_threads')}"
        )
    return "; ".join(parts) or "no BLAS found by threadpoolctl"


def describe(command: str) -> str:
    """A Markdown paragraph: the command, date, machine, versions, BLAS and threads."""
    import numpy as np

    try:
        import torch

        torch_part = (
            f"PyTorch {torch.__version__} (torch.get_num_threads() = {torch.get_num_threads()})"
        )
    except ImportError:
        torch_part = "PyTorch not installed"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    return "\n".join(
        [
            f"Reproduce: `{command}`",
            "",
            f"- Measured {now}; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"{torch_part}.",
            f"- CPU: {cpu_model()}, {usable_cpus()} usable logical CPUs; load average "
            f"(1, 5, 15 min) at the start: {load_average()}.",
            f"- BLAS: {blas_info()}.",
            f"- `OPENBLAS_CORETYPE`: {coretype if coretype else 'unset'}.",
        ]
    )
