"""Pin BLAS/OpenMP/torch threads: small products on 2 cores run ~13x slower with 2 threads than with 1."""

import sys

from threadpoolctl import threadpool_limits


def pin(n: int = 1):
    """Limit every thread pool of this process to `n` threads; returns the threadpoolctl limiter. Torch's pool is
    pinned when the process has imported torch (call this after the imports); pinning imports nothing, so a job
    without torch (the minimiser, the replica curves) does not pay torch's seconds of import."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    return threadpool_limits(limits=n)
