"""Pin BLAS/OpenMP/torch threads: small products on 2 cores run ~13x slower with 2 threads than with 1."""

from threadpoolctl import threadpool_limits


def pin(n: int = 1):
    """Limit every thread pool of this process to `n` threads; returns the threadpoolctl limiter."""
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    return threadpool_limits(limits=n)
