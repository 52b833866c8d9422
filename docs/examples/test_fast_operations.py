"""twinnet as the oracle of an engineer's fast code: one pytest test per operation.

    python -m pytest docs/examples/test_fast_operations.py

Each test runs a function of fast_operations.py (float32 NumPy, beside this
file) against twinnet's reference on inputs Hypothesis draws, allowing
float32's rounding, and fails with the smallest input on which they disagree.
"""

import fast_operations

import twinnet.testing

FAST = {
    "relu": fast_operations.relu,
    "softmax": fast_operations.softmax,
    "dense_forward": fast_operations.dense_forward,
    "adam": fast_operations.adam,
}


@twinnet.testing.parametrize(FAST, dtype="float32", max_examples=100)
def test_matches_twinnet(operation):
    operation.check()
