"""Known results: the numbers the classic from-scratch book prints, reproduced by both twins.

The third check after agreement and gradient checks: each twin, on its own,
gives the figures a reader can find worked out by hand.
"""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet.contract import registry, strategies
from twinnet.contract.twins import TWINS

BOOK_INPUTS = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
# The book writes one row per neuron; twinnet stores (n_inputs, n_neurons).
BOOK_WEIGHTS = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T.tolist()
BOOK_BIASES = [2.0, 3.0, 0.5]
BOOK_SOFTMAX = [[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]]
BOOK_LOSS = -(math.log(0.7) + math.log(0.5) + math.log(0.9)) / 3  # the book prints 0.38506088005216804

KNOWN = [
    ("neuron", dict(inputs=[1.0, 2.0, 3.0], weights=[0.2, 0.8, -0.5], bias=2.0), 2.3),
    ("neuron", dict(inputs=[1.0, 2.0, 3.0, 2.5], weights=[0.2, 0.8, -0.5, 1.0], bias=2.0), 4.8),
    ("layer", dict(inputs=BOOK_INPUTS[0], weights=BOOK_WEIGHTS, biases=BOOK_BIASES), [4.8, 1.21, 2.385]),
    ("dense_forward", dict(inputs=BOOK_INPUTS, weights=BOOK_WEIGHTS, biases=BOOK_BIASES),
     [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]),
    ("dot", dict(a=[1.0, 2.0, 3.0], b=[2.0, 3.0, 4.0]), 20.0),
    ("matmul", dict(a=[[1.0, 2.0], [3.0, 4.0]], b=[[5.0, 6.0], [7.0, 8.0]]), [[19.0, 22.0], [43.0, 50.0]]),
    ("transpose", dict(matrix=[[1.0, 2.0, 3.0]]), [[1.0], [2.0], [3.0]]),
    ("add_bias", dict(matrix=[[1.0, 2.0], [3.0, 4.0]], bias=[10.0, 20.0]), [[11.0, 22.0], [13.0, 24.0]]),
    ("step", dict(inputs=[[-1.0, 0.0, 0.5]]), [[0.0, 0.0, 1.0]]),
    ("relu", dict(inputs=[[-1.0, 0.0, 0.5]]), [[0.0, 0.0, 0.5]]),
    ("relu_backward", dict(dvalues=[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]],
                           inputs=[[1.0, 2.0, -3.0, -4.0], [2.0, -7.0, -1.0, 3.0], [-1.0, 2.0, 5.0, -1.0]]),
     [[1.0, 2.0, 0.0, 0.0], [5.0, 0.0, 0.0, 8.0], [0.0, 10.0, 11.0, 0.0]]),
    ("leaky_relu", dict(inputs=[[-2.0, 3.0]], slope=0.1), [[-0.2, 3.0]]),
    ("sigmoid", dict(inputs=[[0.0, math.log(3.0)]]), [[0.5, 0.75]]),
    ("tanh", dict(inputs=[[0.0, math.atanh(0.5)]]), [[0.0, 0.5]]),
    # The book prints these to 8 decimals: they agree to half the last digit.
    ("softmax", dict(inputs=[[4.8, 1.21, 2.385]]), [[0.89528266, 0.02470831, 0.08000903]], 5e-9),
    ("categorical_cross_entropy", dict(predictions=[[0.7, 0.1, 0.2]], targets=[0]), -math.log(0.7)),
    ("categorical_cross_entropy", dict(predictions=BOOK_SOFTMAX, targets=[0, 1, 1]), BOOK_LOSS),
    ("categorical_cross_entropy", dict(predictions=BOOK_SOFTMAX, targets=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                                                                          [0.0, 1.0, 0.0]]), BOOK_LOSS),
    ("accuracy", dict(predictions=[[0.7, 0.2, 0.1], [0.5, 0.1, 0.4], [0.02, 0.9, 0.08]], targets=[0, 1, 1]), 2 / 3),
    ("softmax_cross_entropy_backward", dict(probabilities=BOOK_SOFTMAX, targets=[0, 1, 1]),
     [[-0.1, 1 / 30, 2 / 30], [1 / 30, -5 / 30, 4 / 30], [0.02 / 3, -0.1 / 3, 0.08 / 3]]),
    ("binary_cross_entropy", dict(predictions=[[0.5, 0.9]], targets=[[1.0, 0.0]]),
     -(math.log(0.5) + math.log(0.1)) / 2),
    ("mean_squared_error", dict(predictions=[[1.0, 2.0]], targets=[[0.0, 0.0]]), 2.5),
    ("mean_absolute_error", dict(predictions=[[1.0, -2.0]], targets=[[0.0, 0.0]]), 1.5),
    ("l1_penalty", dict(weights=[[1.0, -2.0]], strength=0.1), 0.30000000000000004),
    ("l2_penalty", dict(weights=[1.0, -2.0], strength=0.1), 0.5),
    ("l1_penalty_backward", dict(weights=[1.0, 0.0, -2.0], strength=0.1), [0.1, 0.0, -0.1]),
]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("case", KNOWN, ids=[f"{case[0]}-{i}" for i, case in enumerate(KNOWN)])
def test_known_result(case, twin):
    name, kwargs, expected, *printed_to = case
    result = registry.get(name).function(twin)(**kwargs)
    atol = printed_to[0] if printed_to else 1e-15
    np.testing.assert_allclose(np.asarray(result, dtype=np.float64), expected, rtol=1e-12, atol=atol)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_dense_backward_known_result(twin):
    dense_backward = registry.get("dense_backward").function(twin)
    dvalues = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]
    dinputs, dweights, dbiases = dense_backward(dvalues, BOOK_INPUTS, BOOK_WEIGHTS)
    np.testing.assert_allclose(dinputs, [[0.44, -0.38, -0.07, 1.37], [0.88, -0.76, -0.14, 2.74],
                                         [1.32, -1.14, -0.21, 4.11]], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dweights, [[0.5] * 3, [20.1] * 3, [10.9] * 3, [4.1] * 3], rtol=1e-12)
    np.testing.assert_allclose(dbiases, [6.0, 6.0, 6.0], rtol=1e-15)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@given(data=st.data())
def test_shortcut_equals_the_chain_rule(twin, data):
    """softmax_cross_entropy_backward == softmax_backward(categorical_cross_entropy_backward(p, t), p)."""
    kwargs = data.draw(strategies.logits_gradient_args())
    module = TWINS[twin]
    arguments = module.convert(kwargs)
    probabilities = module.activations.softmax(arguments["logits"])
    targets = arguments["targets"]
    shortcut = module.losses.softmax_cross_entropy_backward(probabilities, targets)
    chained = module.activations.softmax_backward(
        module.losses.categorical_cross_entropy_backward(probabilities, targets), probabilities)
    np.testing.assert_allclose(np.asarray(chained), np.asarray(shortcut), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_softmax_rows_sum_to_one(twin):
    softmax = registry.get("softmax").function(twin)
    rows = np.asarray(softmax([[1.0, 2.0, 3.0], [-5.0, 0.0, 5.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, rtol=1e-15)


# ---------------------------------------------------------------- convolution and pooling
# The classic course's checks of its naive layers: Stanford CS231n, assignment 2,
# ConvolutionalNetworks.ipynb, cells "Convolution: Naive forward pass" and "Max-Pooling:
# Naive forward" (the same inputs and published `correct_out` arrays in every edition since
# 2016; for example github.com/Burton2000/CS231n-2017, assignment2/ConvolutionalNetworks.ipynb).
# The published arrays are rounded to 8 decimals: both twins must match them to 1e-8.

CS231N_CONV_OUT = [[[[-0.08759809, -0.10987781],
                     [-0.18387192, -0.2109216]],
                    [[0.21027089, 0.21661097],
                     [0.22847626, 0.23004637]],
                    [[0.50813986, 0.54309974],
                     [0.64082444, 0.67101435]]],
                   [[[-0.98053589, -1.03143541],
                     [-1.19128892, -1.24695841]],
                    [[0.69108355, 0.66880383],
                     [0.59480972, 0.56776003]],
                    [[2.36270298, 2.36904306],
                     [2.38090835, 2.38247847]]]]

CS231N_MAX_POOL_OUT = [[[[-0.26315789, -0.24842105],
                         [-0.20421053, -0.18947368]],
                        [[-0.14526316, -0.13052632],
                         [-0.08631579, -0.07157895]],
                        [[-0.02736842, -0.01263158],
                         [0.03157895, 0.04631579]]],
                       [[[0.09052632, 0.10526316],
                         [0.14947368, 0.16421053]],
                        [[0.20842105, 0.22315789],
                         [0.26736842, 0.28210526]],
                        [[0.32631579, 0.34105263],
                         [0.38526316, 0.4]]]]


def _linspace(low, high, shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_cs231n_conv_forward_naive(twin):
    x = _linspace(-0.1, 0.5, (2, 3, 4, 4))
    w = _linspace(-0.2, 0.3, (3, 3, 4, 4))
    b = np.linspace(-0.1, 0.2, num=3)
    conv = TWINS[twin].conv
    out = conv.conv2d(*TWINS[twin].convert((x, w, b)), stride=2, padding=1)  # conv_param = {'stride': 2, 'pad': 1}
    np.testing.assert_allclose(np.asarray(out), CS231N_CONV_OUT, rtol=0, atol=1e-8)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_cs231n_max_pool_forward_naive(twin):
    x = _linspace(-0.3, 0.4, (2, 3, 4, 4))
    # pool_param = {'pool_width': 2, 'pool_height': 2, 'stride': 2}
    out = TWINS[twin].conv.max_pool2d(TWINS[twin].convert(x), size=(2, 2), stride=2)
    np.testing.assert_allclose(np.asarray(out), CS231N_MAX_POOL_OUT, rtol=0, atol=1e-8)
