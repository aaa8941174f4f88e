"""What the machine offers a speech engine: how many CPU cores this process may use.

Both engines size their thread pools from here, so a worker pinned to some cores (taskset,
a container's cpuset) does not oversubscribe. Device choice stays in each engine, since
each asks its own runtime (CTranslate2, PyTorch) whether CUDA is there.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
