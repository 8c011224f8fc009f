"""Shared fixtures of the DLN tests."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_thread():
    """Small matrix products are many times slower on 2 threads than on 1 on a 2-core machine."""
    with threadpool_limits(1):
        yield
