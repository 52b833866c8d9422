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


# ---------------------------------------------------------------- embeddings, positions and attention

# The unit test of the Transformer assignment of DeepLearning.AI's Deep Learning Specialization
# (course 5, Sequence Models, week 4, "Transformer Network": public_tests.py, scaled_dot_product_attention_test).
# One sample of 3 queries and 4 keys, d_k = 4, unmasked and with the third key masked (its mask holds 1
# where a query may attend, as True does here). Its numbers were computed in float32 and are printed to
# 7 or 8 significant digits: both twins, in float64, match them to 1e-6 of their size (masked: exactly 0).
DLAI_QUERY = [[[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]]]
DLAI_KEY = [[[1.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]]
DLAI_VALUE = [[[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0]]]
DLAI_CASES = [
    (None, [[0.2589478, 0.42693272, 0.15705977, 0.15705977],
            [0.2772748, 0.2772748, 0.2772748, 0.16817567],
            [0.33620113, 0.33620113, 0.12368149, 0.2039163]],
     [[0.74105227, 0.15705977], [0.7227253, 0.16817567], [0.6637989, 0.2039163]]),
    ([[True, True, False, True]] * 3,
     [[0.30719590187072754, 0.5064803957939148, 0.0, 0.18632373213768005],
      [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862],
      [0.3836517333984375, 0.3836517333984375, 0.0, 0.2326965481042862]],
     [[0.6928040981292725, 0.18632373213768005], [0.6163482666015625, 0.2326965481042862],
      [0.6163482666015625, 0.2326965481042862]]),
]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("mask, weights, outputs", DLAI_CASES, ids=["unmasked", "masked"])
def test_deeplearning_ai_scaled_dot_product_attention(twin, mask, weights, outputs):
    attention = TWINS[twin].attention
    got_weights = attention.attention_weights(DLAI_QUERY, DLAI_KEY, mask)
    got_outputs = attention.scaled_dot_product_attention(DLAI_QUERY, DLAI_KEY, DLAI_VALUE, mask)
    np.testing.assert_allclose(np.asarray(got_weights), [weights], rtol=1e-6, atol=0)
    np.testing.assert_allclose(np.asarray(got_outputs), [outputs], rtol=1e-6, atol=0)


# TensorFlow's tutorial "Transformer model for language understanding" (tensorflow.org, tutorials/text/
# transformer, section "Scaled dot product attention"): 4 keys of d_k = 3, and 3 queries that align with
# the second key, with the third and fourth (the same key twice), and with the first and second. It prints
# in float32, small numbers suppressed: weights [[0, 0, 0.5, 0.5], [0, 1, 0, 0], [0.5, 0.5, 0, 0]] and
# outputs [[550, 5.5], [10, 0], [5.5, 0]]. The "0"s are e**(-100 / sqrt(3)), about 8e-26, here too.
TF_KEY = [[[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0], [0.0, 0.0, 10.0]]]
TF_VALUE = [[[1.0, 0.0], [10.0, 0.0], [100.0, 5.0], [1000.0, 6.0]]]
TF_QUERY = [[[0.0, 0.0, 10.0], [0.0, 10.0, 0.0], [10.0, 10.0, 0.0]]]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_tensorflow_tutorial_scaled_dot_product_attention(twin):
    attention = TWINS[twin].attention
    weights = attention.attention_weights(TF_QUERY, TF_KEY)
    outputs = attention.scaled_dot_product_attention(TF_QUERY, TF_KEY, TF_VALUE)
    np.testing.assert_allclose(np.asarray(weights), [[[0.0, 0.0, 0.5, 0.5], [0.0, 1.0, 0.0, 0.0],
                                                      [0.5, 0.5, 0.0, 0.0]]], rtol=0, atol=1e-24)
    np.testing.assert_allclose(np.asarray(outputs), [[[550.0, 5.5], [10.0, 0.0], [5.5, 0.0]]], rtol=1e-15, atol=1e-22)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_pytorch_embedding_example(twin):
    """PyTorch's documentation of torch.nn.Embedding.from_pretrained: the table [[1, 2.3, 3], [4, 5.1, 6.3]],
    looked up at index 1, gives tensor([[4.0000, 5.1000, 6.3000]]) (here one sample of one token)."""
    looked_up = TWINS[twin].attention.embedding([[1]], [[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    np.testing.assert_array_equal(np.asarray(looked_up), [[[4.0, 5.1, 6.3]]])


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_positional_encoding_is_the_papers_formula(twin):
    """"Attention Is All You Need" (Vaswani et al., 2017), section 3.5: PE(pos, 2i) = sin(pos / 10000^(2i/d_model)),
    PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)). With d_model = 4, columns 0 and 1 turn by a radian per
    position and columns 2 and 3 by 1/100; position 0 is sin 0, cos 0: [0, 1, 0, 1]."""
    encoding = np.asarray(TWINS[twin].attention.positional_encoding(3, 4))
    expected = [[0.0, 1.0, 0.0, 1.0],
                [math.sin(1.0), math.cos(1.0), math.sin(0.01), math.cos(0.01)],
                [math.sin(2.0), math.cos(2.0), math.sin(0.02), math.cos(0.02)]]
    np.testing.assert_allclose(encoding, expected, rtol=1e-15, atol=1e-16)
    # DeepLearning.AI's get_angles_test (the same assignment): the angle at position 3 of the last column of
    # d_model = 16 is 3 / 10000**(14/16); that column is odd, a cosine.
    last = np.asarray(TWINS[twin].attention.positional_encoding(4, 16))[3, 15]
    assert last == pytest.approx(math.cos(3 / 10000 ** (14 / 16)), rel=1e-15)


# ---------------------------------------------------------------- normalisation and GELU
# The classic course's check of its batch norm forward: Stanford CS231n, assignment 2,
# BatchNormalization.ipynb, cell "Batch normalization: forward" (np.random.seed(231), a two-layer
# network's activations a of 200 samples and 3 features; the notebook prints the means and standard
# deviations of a, and of batch norm's outputs). Printed in the solved notebook published at
# github.com/Burton2000/CS231n-2017, assignment2/BatchNormalization.ipynb (and in every edition's
# solutions since). NumPy prints 8 decimals: the twins must match them to half the last one.

CS231N_BEFORE_MEANS = [-2.3814598, -13.18038246, 1.91780462]
CS231N_BEFORE_STDS = [27.18502186, 34.21455511, 37.68611762]
CS231N_STDS = [0.99999999, 1.0, 1.0]  # gamma = 1, beta = 0: 1 - eps / (2 var), var about 739, 1171, 1420
CS231N_GAMMA, CS231N_BETA = [1.0, 2.0, 3.0], [11.0, 12.0, 13.0]
CS231N_SHIFTED_MEANS, CS231N_SHIFTED_STDS = [11.0, 12.0, 13.0], [0.99999999, 1.99999999, 2.99999999]


def _cs231n_activations():
    """The notebook's activations, drawn from NumPy's legacy generator as it draws them."""
    rng = np.random.RandomState(231)
    x, w1, w2 = rng.randn(200, 50), rng.randn(50, 60), rng.randn(60, 3)
    return np.maximum(0, x.dot(w1)).dot(w2)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_cs231n_batchnorm_forward(twin):
    a = _cs231n_activations()
    np.testing.assert_allclose(a.mean(axis=0), CS231N_BEFORE_MEANS, rtol=0, atol=5e-9)  # the same data
    np.testing.assert_allclose(a.std(axis=0), CS231N_BEFORE_STDS, rtol=0, atol=5e-9)
    batch_norm = TWINS[twin].normalization.batch_norm
    convert = TWINS[twin].convert
    normalised = np.asarray(batch_norm(convert(a), convert(np.ones(3)), convert(np.zeros(3))))
    assert np.all(np.abs(normalised.mean(axis=0)) < 1e-15)
    np.testing.assert_allclose(normalised.std(axis=0), CS231N_STDS, rtol=0, atol=5e-9)
    shifted = np.asarray(batch_norm(convert(a), CS231N_GAMMA, CS231N_BETA))
    np.testing.assert_allclose(shifted.mean(axis=0), CS231N_SHIFTED_MEANS, rtol=0, atol=5e-9)
    np.testing.assert_allclose(shifted.std(axis=0), CS231N_SHIFTED_STDS, rtol=0, atol=5e-9)


# PyTorch's documentation of BatchNorm1d: the running statistics are updated as
# (1 - momentum) * running + momentum * observed, with the batch's mean and its UNBIASED variance
# (torch.var(input, correction=1)), while the forward normalises with the biased one. The batch
# [[1], [3]]: mean 2, biased variance 1, unbiased 2; from PyTorch's start (0, 1) with momentum 0.1:
# running mean 0.1 * 2 = 0.2, running variance 0.9 * 1 + 0.1 * 2 = 1.1. (A running variance of the
# biased variance would give 1.0.)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_running_statistics_follow_pytorchs_convention(twin):
    module, convert = TWINS[twin].normalization, TWINS[twin].convert
    mean, variance = module.running_statistics(convert(np.array([[1.0], [3.0]])), [0.0], [1.0], momentum=0.1)
    np.testing.assert_allclose(np.asarray(mean), [0.2], rtol=1e-15)
    np.testing.assert_allclose(np.asarray(variance), [1.1], rtol=1e-15)
    # The forward, meanwhile, divides by the biased variance 1 (+ eps): outputs -1 and 1, to 5e-6.
    outputs = np.asarray(module.batch_norm(convert(np.array([[1.0], [3.0]])), [1.0], [0.0]))
    np.testing.assert_allclose(outputs, [[-1 / math.sqrt(1 + 1e-5)], [1 / math.sqrt(1 + 1e-5)]], rtol=1e-15)


# TensorFlow's documentation of tf.nn.gelu prints GELU's tanh approximation (approximate=True, the
# formula of PyTorch's approximate='tanh') at -3, -1, 0, 1 and 3, computed in float32
# (https://www.tensorflow.org/api_docs/python/tf/nn/gelu). Each value is 0.5 x + 0.5 x t, two terms of at
# most |x| / 2 rounded in float32: within 4 float32 roundings (2**-24 each) of |x|, which also covers
# the 8 printed digits. The exact GELU, x * Phi(x), is 4e-4 away at -3 (-0.00404951): this is the
# approximation, not the erf.

TF_GELU_X = [-3.0, -1.0, 0.0, 1.0, 3.0]
TF_GELU_TANH = [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_gelu_is_the_tanh_approximation_tensorflow_prints(twin):
    outputs = np.asarray(TWINS[twin].activations.gelu(TWINS[twin].convert(np.array([TF_GELU_X]))))[0]
    allowed = 4 * 2.0 ** -24 * np.abs(TF_GELU_X)
    assert np.all(np.abs(outputs - TF_GELU_TANH) <= allowed), outputs
    assert abs(outputs[0] - -0.00404951) > 100 * allowed[0]  # not the exact GELU
