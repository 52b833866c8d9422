"""Normalisation, beyond agreement: what layer norm and batch norm promise, in both twins.

- With gamma = 1 and beta = 0, each group (a row for layer norm, a column for batch norm) comes out
  with mean 0 and variance var / (var + eps): 1, but for what eps takes, eps / (var + eps).
- Layer norm of sequences (n, length, features) is layer norm of their rows, (n * length, features).
- Batch norm is layer norm down the columns: batch_norm(x) = layer_norm(x^T)^T.
- Normalising forgets a group's shift, so the gradient over a group sums to 0: the term the mean's
  dependence on the inputs adds to the backward.
- Running statistics: momentum 1 takes the batch's mean and unbiased variance, momentum 0 keeps the old;
  evaluation with the batch's own mean and biased variance is training's batch norm.

How close is close: each normalised value is within 1e-12 times its scale of the exact value, the
bound the twins are held to (twinnet/contract/tolerances.py: the rounding of the mean and the variance,
relative to |x| + mean(|x|), which is large for a row far from 0). The statistics of the outputs are
then computed without rounding of their own (math.fsum, and Fractions for the exact variance of the
inputs), so a mean of n outputs is within the mean of their bounds, and a variance within twice the
mean of |output| times them.
"""

import math
import statistics
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet.contract import strategies, tolerances
from twinnet.contract.tolerances import AGREEMENT_RTOL
from twinnet.contract.twins import TWINS

TWIN_NAMES = ["pure", "vectorized"]


def _run(twin, name, **kwargs):
    """normalization.name in one twin, on the drawn arrays; the result as float64 arrays."""
    result = TWINS[twin].function("normalization", name)(**TWINS[twin].convert(kwargs))
    if isinstance(result, tuple):
        return tuple(np.asarray(part, dtype=np.float64) for part in result)
    return np.asarray(result, dtype=np.float64)


def _unit_affine(kwargs):
    """The drawn arguments with gamma = 1 and beta = 0."""
    features = np.shape(kwargs["inputs"])[-1]
    return {**kwargs, "gamma": np.ones(features), "beta": np.zeros(features)}


def _assert_mean_0_and_variance_1(groups, outputs, scales, eps):
    """Each group (a row of ``groups``) came out as the row of ``outputs``: its mean is 0 and its variance
    var / (var + eps), within the bounds the module's docstring derives from ``scales``."""
    for values, normalised, scale in zip(groups, outputs, scales):
        n = len(values)
        mean = math.fsum(normalised) / n
        assert abs(mean) <= AGREEMENT_RTOL * np.mean(scale) + 1e-300, (values, normalised)
        variance = math.fsum((y - mean) ** 2 for y in normalised) / n
        exact = statistics.pvariance([Fraction(x) for x in values])
        expected = float(exact / (exact + Fraction(eps)))
        allowed = 2 * AGREEMENT_RTOL * np.mean(np.abs(normalised) * scale) + 4 * 2.0 ** -53
        assert abs(variance - expected) <= allowed, (values, normalised, variance, expected)
        # 1, but for eps's share, eps / (var + eps): a constant group (var = 0) comes out as 0s.
        assert abs(variance - 1) <= float(Fraction(eps) / (exact + Fraction(eps))) + allowed


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_layer_norm_rows_have_mean_0_and_variance_1(twin, data):
    kwargs = _unit_affine(data.draw(strategies.layer_norm_args(), label="inputs"))
    outputs = _run(twin, "layer_norm", **kwargs)
    features = outputs.shape[-1]
    scales = tolerances.layer_norm(kwargs, outputs).reshape(-1, features)
    _assert_mean_0_and_variance_1(kwargs["inputs"].reshape(-1, features), outputs.reshape(-1, features), scales,
                                  kwargs["eps"])


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_batch_norm_columns_have_mean_0_and_variance_1(twin, data):
    kwargs = _unit_affine(data.draw(strategies.batch_norm_args(), label="inputs"))
    outputs = _run(twin, "batch_norm", **kwargs)
    scales = tolerances.batch_norm(kwargs, outputs)
    _assert_mean_0_and_variance_1(kwargs["inputs"].T, outputs.T, scales.T, kwargs["eps"])


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_layer_norm_of_sequences_is_layer_norm_of_their_rows(twin, data):
    """Every position of every sample is a row: (n, length, features) is (n * length, features), to the bit."""
    shape = data.draw(st.tuples(strategies.sides(1, 3), strategies.sides(1, 4), strategies.sides()), label="shape")
    sequences, dvalues = (data.draw(strategies.arrays(shape), label=label) for label in ("sequences", "dvalues"))
    gamma, beta = (data.draw(strategies.arrays(shape[-1]), label=label) for label in ("gamma", "beta"))
    eps = data.draw(strategies.epsilons(), label="eps")
    rows, drows = sequences.reshape(-1, shape[-1]), dvalues.reshape(-1, shape[-1])
    np.testing.assert_array_equal(_run(twin, "layer_norm", inputs=sequences, gamma=gamma, beta=beta, eps=eps),
                                  _run(twin, "layer_norm", inputs=rows, gamma=gamma, beta=beta, eps=eps).reshape(shape))
    of_sequences = _run(twin, "layer_norm_backward", dvalues=dvalues, inputs=sequences, gamma=gamma, eps=eps)
    of_rows = _run(twin, "layer_norm_backward", dvalues=drows, inputs=rows, gamma=gamma, eps=eps)
    np.testing.assert_array_equal(of_sequences[0], of_rows[0].reshape(shape))
    np.testing.assert_array_equal(of_sequences[1], of_rows[1])
    np.testing.assert_array_equal(of_sequences[2], of_rows[2])


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_batch_norm_is_layer_norm_down_the_columns(twin, data):
    kwargs = _unit_affine(data.draw(strategies.batch_norm_args(), label="inputs"))
    n_samples = len(kwargs["inputs"])
    by_columns = _run(twin, "batch_norm", **kwargs)
    by_rows = _run(twin, "layer_norm", inputs=kwargs["inputs"].T, gamma=np.ones(n_samples),
                   beta=np.zeros(n_samples), eps=kwargs["eps"])
    np.testing.assert_array_equal(by_columns, by_rows.T)


@pytest.mark.parametrize("twin", TWIN_NAMES)
@pytest.mark.parametrize("name", ["layer_norm_backward", "batch_norm_backward"])
@given(data=st.data())
def test_the_gradient_over_a_group_sums_to_0(twin, name, data):
    """Adding the same number to every value of a group moves its mean alike and changes no output, so the
    gradient over a group sums to 0: the term for the mean's dependence on the inputs sees to it. A
    backward that forgets it sums to sum(dvalues * gamma) / sqrt(variance + eps) instead."""
    strategy = strategies.layer_norm_backward_args() if name == "layer_norm_backward" else \
        strategies.batch_norm_backward_args()
    kwargs = data.draw(strategy, label="inputs")
    dinputs, scale = _run(twin, name, **kwargs)[0], getattr(tolerances, name)(kwargs, None)[0]
    if name == "batch_norm_backward":  # the groups are the columns
        dinputs, scale = dinputs.T, scale.T
    features = dinputs.shape[-1]
    for group, group_scale in zip(dinputs.reshape(-1, features), scale.reshape(-1, features)):
        assert abs(math.fsum(group)) <= AGREEMENT_RTOL * group_scale.sum() + 1e-300, group


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_running_statistics_with_momentum_1_and_0(twin, data):
    """momentum 1 takes the batch's mean and unbiased variance; momentum 0 keeps the running ones."""
    kwargs = data.draw(strategies.running_statistics_args(), label="inputs")
    inputs = kwargs["inputs"]
    mean, variance = _run(twin, "running_statistics", **{**kwargs, "momentum": 1.0})
    scale = tolerances.running_statistics({**kwargs, "momentum": 1.0}, None)
    assert np.all(np.abs(mean - inputs.mean(axis=0)) <= AGREEMENT_RTOL * scale[0])
    assert np.all(np.abs(variance - inputs.var(axis=0, ddof=1)) <= AGREEMENT_RTOL * scale[1])
    kept = _run(twin, "running_statistics", **{**kwargs, "momentum": 0.0})
    np.testing.assert_array_equal(kept[0], kwargs["running_mean"])
    np.testing.assert_array_equal(kept[1], kwargs["running_var"])


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_inference_with_the_batchs_own_statistics_is_training(twin, data):
    """batch_norm_inference given the batch's mean and biased variance computes what batch_norm does."""
    kwargs = data.draw(strategies.batch_norm_args(), label="inputs")
    inputs = kwargs["inputs"]
    trained = _run(twin, "batch_norm", **kwargs)
    evaluated = _run(twin, "batch_norm_inference", **kwargs, running_mean=inputs.mean(axis=0),
                     running_var=inputs.var(axis=0))
    assert np.all(np.abs(trained - evaluated) <= 2 * AGREEMENT_RTOL * tolerances.batch_norm(kwargs, trained))
