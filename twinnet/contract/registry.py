"""The registry: one entry per operation that exists in both twins.

Each :class:`Operation` names the function (the same ``module.name`` in ``pure``
and ``vectorized``), a Hypothesis strategy for its inputs (by name, in
:mod:`twinnet.contract.strategies`), its tolerance (a function of
:mod:`twinnet.contract.tolerances`), a small valid example, and for a
``*_backward`` function, the forward computation it is the gradient of (an
adapter of :mod:`twinnet.contract.adapters`).

The tests are generated from this table, so an operation added here is
agreement-tested, gradient-checked and bad-input-tested without another line;
an operation added to one twin but not here fails the parity test. Entries are
in the order of :data:`twinnet.contract.twins.MODULES`, and within a module in
the order the twins define them. Nothing is computed when this module is
imported: an example that needs a twin's result is a function, called when
the example is first read.
"""

import difflib
import functools

from twinnet import UsageError
from twinnet.contract import adapters, tolerances
from twinnet.contract.twins import TWINS


class Operation:
    """One row of the table: an operation in both twins, and what the checks need to test it.

    name, module: the function ``module.name``, in pure/ and in vectorized/.
    inputs: the name of its Hypothesis strategy.
    example: small valid arguments, as lists (both twins take lists), which the
        bad-input tests break one way at a time; or a function giving them; or
        None for the operations that touch files.
    scale: (numpy kwargs, vectorized result) -> the agreement scale per element.
    gradient: for a ``*_backward``, what it is the gradient of.
    mismatches: argument overrides that make shapes disagree: ValueError.
    invalid: (overrides, exception type) pairs for other bad values.
    run: for operations that touch files, (operation, kwargs) -> (pure result, vectorized result).
    """

    def __init__(self, *, name, module, inputs, example, scale, gradient=None, mismatches=(), invalid=(), run=None):
        self.name = name
        self.module = module
        self.inputs = inputs
        self._example = example
        self.scale = scale
        self.gradient = gradient
        self.mismatches = mismatches
        self.invalid = invalid
        self.run = run

    def __repr__(self):
        return f"<operation {self.module}.{self.name}>"

    @functools.cached_property
    def example(self):
        return self._example() if callable(self._example) else self._example

    def function(self, twin_name):
        return TWINS[twin_name].function(self.module, self.name)

    @property
    def pure(self):
        return self.function("pure")

    @property
    def vectorized(self):
        return self.function("vectorized")

    def strategy(self):
        """The Hypothesis strategy of keyword arguments (NumPy arrays) for this operation."""
        from twinnet.contract import strategies

        return getattr(strategies, self.inputs)()

    def gradient_strategy(self):
        from twinnet.contract import strategies

        return getattr(strategies, self.gradient.inputs)()


# ---------------------------------------------------------------- examples
# Small valid arguments, and the ways to break them that every operation of a kind shares.

X = [[1.0, -2.0, 3.0], [-0.5, 0.25, 2.0]]  # 2 samples, 3 features
W = [[0.2, -0.1], [0.4, 0.3], [-0.6, 0.5]]  # 3 inputs, 2 neurons
B = [0.1, -0.2]
DV = [[0.5, -1.0], [2.0, 0.25]]  # gradient of a (2, 2) output
P = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]  # 2 samples, 3 class probabilities
LABELS = [0, 2]
ONE_HOT = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
BINARY_P = [[0.9, 0.2], [0.4, 0.6]]
BINARY_T = [[1.0, 0.0], [0.0, 1.0]]
REGRESSION_T = X[::-1]
TALL = [[1.0], [2.0], [3.0]]  # a (3, 1) matrix that fits none of the above
MASK = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]  # keeps 4 of X's 6 values
PARAMS = {"weights0": W, "biases0": B}
GRADS = {"weights0": DV + [[1.0, 1.0]], "biases0": [0.5, -0.5]}
SMALL_MODEL = {"sizes": [3, 2, 2], "activation": "relu", "task": "classification", "dropout": 0.25, "l1": 0.0,
               "l2": 0.001, "params": {"weights0": W, "biases0": B, "weights1": [[0.3, -0.3], [0.2, 0.1]],
                                       "biases1": [0.0, 0.1]}}
SMALL_SETTINGS = {key: value for key, value in SMALL_MODEL.items() if key != "params"}
# The layers SMALL_MODEL stands for, as create_layers takes them.
SMALL_LAYERS = dict(input_shape=3, layers=[{"type": "dense", "units": 2}, {"type": "relu"},
                                           {"type": "dropout", "rate": 0.25}, {"type": "dense", "units": 2}],
                    task="classification", seed=0, init="he", l1=0.0, l2=0.001)


def _small_cache():
    """What the forward pass of SMALL_MODEL on X leaves for the backward pass (computed by the pure twin)."""
    return TWINS["pure"].network.forward(SMALL_MODEL, X)[1]


NARROW_DVALUES = {"dvalues": [row[:2] for row in X]}  # (2, 2) against a (2, 3) forward
CLASS_TARGET_MISMATCHES = ({"targets": [0, 1, 2]}, {"targets": ONE_HOT[:1]}, {"targets": [row[:2] for row in ONE_HOT]})
BAD_CLASS_TARGETS = (({"targets": [0, 3]}, ValueError), ({"targets": [0, -1]}, ValueError),
                     ({"targets": [0.0, 2.0]}, TypeError), ({"targets": [0, "1"]}, TypeError),
                     ({"targets": [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]}, ValueError),
                     ({"targets": [[1.0, 0.0, 0.0], [0.0, -0.5, 1.5]]}, ValueError))
BINARY_MISMATCHES = ({"targets": BINARY_T[:1]}, {"targets": [row[:1] for row in BINARY_T]})
REGRESSION_MISMATCHES = ({"targets": REGRESSION_T[:1]}, {"targets": [row[:1] for row in REGRESSION_T]})
BAD_STRENGTHS = (({"strength": -0.5}, ValueError), ({"strength": "0.01"}, TypeError), ({"strength": None}, TypeError))
GRADS_MISMATCHES = ({"grads": {"weights0": W[:2], "biases0": B}}, {"grads": {"weights0": W}},
                    {"grads": {"weights0": W, "biases1": B}})
BAD_OPTIMIZER_ARGUMENTS = (
    ({"hyperparameters": {"learning_rate": 0.1}}, ValueError), ({"hyperparameters": {"lr": -1.0}}, ValueError),
    ({"hyperparameters": {"lr": "fast"}}, TypeError), ({"hyperparameters": 0.1}, TypeError),
    ({"state": {"iterations": -1}}, ValueError), ({"state": {"iterations": 1.5}}, TypeError),
    ({"params": {}}, ValueError),
)
BAD_DATA_SIZES = (({"samples": 0}, ValueError), ({"classes": 2.5}, TypeError), ({"seed": None}, TypeError))
BAD_MODELS = (
    ({"model": {**SMALL_MODEL, "sizes": [3, 2]}}, ValueError),
    ({"model": {**SMALL_MODEL, "activation": "swish"}}, ValueError),
    ({"model": {**SMALL_MODEL, "params": {**SMALL_MODEL["params"], "weights1": W}}}, ValueError),
    ({"model": SMALL_SETTINGS}, ValueError),
    ({"model": W}, TypeError),
)

# Images (n_samples, channels, height, width) and kernels (n_filters, channels, height, width).
IMAGES = [[[[1.0, -2.0, 3.0, 0.5], [0.0, 1.5, -1.0, 2.0], [2.5, -0.5, 1.0, -3.0]],
           [[-1.0, 0.5, 2.0, 1.0], [3.0, -2.5, 0.0, 1.5], [0.5, 1.0, -1.5, 2.0]]]]  # (1, 2, 3, 4)
KERNELS = [[[[0.2, -0.1], [0.4, 0.3]], [[-0.6, 0.5], [0.1, -0.2]]],
           [[[0.3, 0.0], [-0.4, 0.2]], [[0.1, 0.1], [-0.3, 0.5]]]]  # (2, 2, 2, 2)
CONV_DVALUES = [[[[0.5, -1.0, 2.0], [0.25, 1.0, -0.5]], [[1.5, 0.0, -2.0], [1.0, 0.5, 0.75]]]]  # (1, 2, 2, 3)
POOL_DVALUES = [[[[0.5, -1.0]], [[2.0, 0.25]]]]  # (1, 2, 1, 2): 2 x 2 windows side by side over 3 x 4
ONE_CHANNEL_KERNELS = [[kernel[0]] for kernel in KERNELS]  # (2, 1, 2, 2): for images of 1 channel
BIG_KERNELS = [[[[0.1] * 7] * 6] * 2] * 2  # (2, 2, 6, 7): larger than the images padded by 1 (5 x 6)
BAD_STRIDES = (({"stride": 0}, ValueError), ({"stride": (1, 0)}, ValueError), ({"stride": -1}, ValueError),
               ({"stride": 1.5}, TypeError), ({"stride": (1, 1, 1)}, TypeError), ({"stride": True}, TypeError),
               ({"stride": 10**9}, ValueError))
BAD_PADDINGS = (({"padding": -1}, ValueError), ({"padding": (1, -1)}, ValueError), ({"padding": (1,)}, TypeError),
                ({"padding": "same"}, TypeError), ({"padding": 10**5}, ValueError))
BAD_WINDOWS = (({"size": 0}, ValueError), ({"size": (2, 5)}, ValueError), ({"size": 4}, ValueError),
               ({"size": (2, 2, 2)}, TypeError), ({"size": 2.0}, TypeError),
               ({"stride": 0}, ValueError), ({"stride": (1, 2, 3)}, TypeError))

# Normalisation: a gamma and a beta per feature of X; X's rows as 2 samples of 2 positions; running statistics.
GAMMA, BETA = [1.0, 0.5, -2.0], [0.1, 0.0, -0.3]
ROW_SEQUENCES, ROW_SEQUENCE_DVALUES = [X, X[::-1]], [X[::-1], X]  # (2, 2, 3)
RUNNING_MEAN, RUNNING_VAR = [0.5, -1.0, 2.0], [1.0, 4.0, 0.25]
NAN = float("nan")
BAD_EPS = (({"eps": 0.0}, ValueError), ({"eps": -1e-5}, ValueError), ({"eps": "1e-5"}, TypeError),
           ({"eps": NAN}, ValueError))
NEGATIVE_VAR = ({"running_var": [1.0, -4.0, 0.25]}, ValueError)
ONE_SAMPLE = ({"inputs": X[:1]}, ValueError)  # a batch's statistics need 2 samples

# Sequences (n_samples, length, width): 2 samples of 2 queries and 3 keys, d_k = 3 and d_v = 2.
QUERY = [[[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]], [[0.0, 1.0, 1.0], [-1.0, 0.5, 2.0]]]  # (2, 2, 3)
KEY = [[[1.0, 1.0, 0.0], [0.0, -1.0, 2.0], [0.5, 0.5, 0.5]],
       [[2.0, 0.0, 1.0], [1.0, 1.0, -1.0], [0.0, 0.5, 0.0]]]  # (2, 3, 3)
VALUE = [[[1.0, -1.0], [0.0, 2.0], [3.0, 0.5]], [[-2.0, 1.0], [0.5, 0.5], [1.0, 0.0]]]  # (2, 3, 2)
DOUTPUTS = [[[0.5, -1.0], [2.0, 0.25]], [[1.0, 0.0], [-0.5, 1.5]]]  # (2, 2, 2): the gradient of the outputs
TOKENS = [[0, 2, 1], [2, 2, 0]]  # token indices (2, 3), below a vocabulary of 4
TABLE = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6], [0.7, 0.0]]  # (4, 2): a row per token
TOKEN_DVALUES = [[[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]], [[-1.0, 0.5], [0.0, 3.0], [1.5, -0.5]]]  # (2, 3, 2)
SEQUENCES = [[[1.0, -2.0, 0.5, 0.0], [0.0, 1.5, -1.0, 2.0], [2.5, -0.5, 1.0, -3.0]],
             [[-1.0, 0.5, 2.0, 1.0], [3.0, -2.5, 0.0, 1.5], [0.5, 1.0, -1.5, 2.0]]]  # (2, 3, 4): width 4
PROJECTION = [[0.2, -0.1, 0.4, 0.3], [-0.6, 0.5, 0.1, -0.2], [0.3, 0.0, -0.4, 0.2], [0.1, 0.1, -0.3, 0.5]]  # (4, 4)
SEQUENCE_DVALUES = [[[0.5, -1.0, 2.0, 0.25], [1.0, -0.5, 0.0, 1.5], [0.25, 0.5, -1.0, 1.0]],
                    [[1.0, 0.0, -2.0, 0.5], [0.5, 0.5, 1.0, -1.0], [-0.5, 2.0, 0.0, 0.25]]]  # like SEQUENCES
NARROW_PROJECTION = [row[:3] for row in PROJECTION[:3]]  # (3, 3): for a width of 3
BAD_TOKENS = (({"indices": [[0, 4, 1], [2, 2, 0]]}, ValueError), ({"indices": [[0, -1, 1], [2, 2, 0]]}, ValueError),
              ({"indices": [[0.0, 2.0, 1.0], [2.0, 2.0, 0.0]]}, TypeError),
              ({"indices": [[0, 2, 1], [2, 2.5, 0]]}, TypeError), ({"indices": [[True, 2, 1], [2, 2, 0]]}, TypeError),
              ({"indices": [0, 2, 1]}, ValueError))
# A mask for 2 queries over 3 keys: of the wrong shape, not booleans (PyTorch adds a float mask to the
# scores), with a row of no key at all, not finite.
BAD_MASKS = (({"mask": [[True, True], [True, True]]}, ValueError), ({"mask": [[True, False], [True, True],
                                                                               [False, True]]}, ValueError),
             ({"mask": [True, False, True]}, ValueError), ({"mask": [[[True, False, True], [False, True, True]]]},
                                                           ValueError),
             ({"mask": [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]}, TypeError), ({"mask": [[1, 0, 1], [0, 1, 1]]}, TypeError),
             ({"mask": [[True, False, 0.0], [False, True, True]]}, TypeError),
             ({"mask": [[True, False, True], [False, False, False]]}, ValueError),
             ({"mask": [[True, False, float("nan")], [False, True, True]]}, ValueError))
ATTENTION_MISMATCHES = ({"key": [[row[:2] for row in sample] for sample in KEY]}, {"key": KEY[:1]},
                        {"query": QUERY[0]}, {"key": KEY[0]})
VALUE_MISMATCHES = ({"value": [sample[:2] for sample in VALUE]}, {"value": VALUE[:1]})
# Self-attention over 3 positions: masks (3, 3).
BAD_SELF_MASKS = (({"mask": [[True, False, True], [False, True, True]]}, ValueError),
                  ({"mask": [[True, False, False], [True, True, False], [False, False, False]]}, ValueError),
                  ({"mask": [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]}, TypeError))
BAD_HEADS = (({"n_heads": 3}, ValueError), ({"n_heads": 0}, ValueError), ({"n_heads": 2.0}, TypeError),
             ({"n_heads": True}, TypeError))
PROJECTION_MISMATCHES = ({"query_weights": NARROW_PROJECTION}, {"key_weights": [row[:3] for row in PROJECTION]},
                         {"inputs": SEQUENCES[0]})

# ---------------------------------------------------------------- the table

OPERATIONS = (
    # ---- rng
    Operation(name="uniform", module="rng", inputs="random_args", example=dict(shape=(2, 3), seed=0),
              scale=tolerances.exact,
              invalid=(({"shape": (0,)}, ValueError), ({"shape": 3}, TypeError), ({"seed": 1.0}, TypeError),
                       ({"shape": (2, 2, 2)}, ValueError))),
    Operation(name="normal", module="rng", inputs="random_args", example=dict(shape=(2, 3), seed=0),
              scale=tolerances.exact,
              invalid=(({"shape": (0,)}, ValueError), ({"seed": "1"}, TypeError))),
    Operation(name="permutation", module="rng", inputs="permutation_args", example=dict(n=5, seed=0),
              scale=tolerances.exact,
              invalid=(({"n": 0}, ValueError), ({"n": 5.0}, TypeError))),

    # ---- linalg
    Operation(name="dot", module="linalg", inputs="dot_args", example=dict(a=[1.0, 2.0, 3.0], b=[4.0, -5.0, 6.0]),
              scale=tolerances.dot,
              mismatches=({"b": [4.0, -5.0]},)),
    Operation(name="transpose", module="linalg", inputs="matrix_args", example=dict(matrix=X),
              scale=tolerances.exact),
    Operation(name="matmul", module="linalg", inputs="matmul_args", example=dict(a=X, b=W),
              scale=tolerances.matmul,
              mismatches=({"b": W[:2]}, {"a": W})),
    Operation(name="add_bias", module="linalg", inputs="add_bias_args", example=dict(matrix=X, bias=[0.1, 0.2, 0.3]),
              scale=tolerances.add_bias,
              mismatches=({"bias": B},)),

    # ---- layers
    Operation(name="neuron", module="layers", inputs="neuron_args",
              example=dict(inputs=[1.0, 2.0, 3.0], weights=[0.2, 0.8, -0.5], bias=2.0),
              scale=tolerances.neuron,
              mismatches=({"weights": [0.2, 0.8]},),
              invalid=(({"bias": "2"}, TypeError), ({"bias": [2.0]}, TypeError))),
    Operation(name="layer", module="layers", inputs="layer_args",
              example=dict(inputs=[1.0, 2.0, 3.0], weights=W, biases=B),
              scale=tolerances.layer,
              mismatches=({"inputs": [1.0, 2.0]}, {"biases": [0.1]}, {"weights": W[:2]})),
    Operation(name="dense_forward", module="layers", inputs="dense_forward_args",
              example=dict(inputs=X, weights=W, biases=B),
              scale=tolerances.layer,
              mismatches=({"weights": W[:2]}, {"biases": [0.1, 0.2, 0.3]}, {"inputs": TALL})),
    Operation(name="dense_backward", module="layers", inputs="dense_backward_args",
              example=dict(dvalues=DV, inputs=X, weights=W),
              scale=tolerances.dense_backward,
              gradient=adapters.dense_gradient(inputs="dense_gradient_args"),
              mismatches=({"dvalues": DV[:1]}, {"weights": W[:2]}, {"dvalues": [[1.0, 2.0, 3.0]] * 2},
                          {"inputs": TALL})),
    Operation(name="init_dense", module="layers", inputs="init_dense_args",
              example=dict(n_inputs=3, n_neurons=2, seed=0, method="he"),
              scale=tolerances.exact,
              invalid=(({"method": "xavier"}, ValueError), ({"n_inputs": 0}, ValueError),
                       ({"n_neurons": 2.0}, TypeError), ({"seed": 1.5}, TypeError))),
    Operation(name="dropout_mask", module="layers", inputs="dropout_mask_args",
              example=dict(shape=(2, 3), rate=0.5, seed=0),
              scale=tolerances.exact,
              invalid=(({"rate": 1.0}, ValueError), ({"rate": -0.1}, ValueError), ({"shape": (2, 0)}, ValueError),
                       ({"shape": (2, 3, 4)}, ValueError), ({"seed": "0"}, TypeError))),
    Operation(name="dropout_forward", module="layers", inputs="dropout_forward_args",
              example=dict(inputs=X, mask=MASK, rate=0.5),
              scale=tolerances.magnitude,
              mismatches=({"mask": MASK[:1]},),
              invalid=(({"rate": 1.0}, ValueError), ({"rate": "0.5"}, TypeError))),
    Operation(name="dropout_backward", module="layers", inputs="dropout_backward_args",
              example=dict(dvalues=X, mask=MASK, rate=0.5),
              scale=tolerances.magnitude,
              gradient=adapters.elementwise_gradient("layers", "dropout_forward", inputs="dropout_gradient_args"),
              mismatches=({"mask": [row[:2] for row in MASK]},),
              invalid=(({"rate": 1.5}, ValueError),)),

    # ---- conv
    Operation(name="conv2d", module="conv", inputs="conv2d_args",
              example=dict(inputs=IMAGES, weights=KERNELS, biases=B, stride=2, padding=1),
              scale=tolerances.conv2d,
              mismatches=({"weights": ONE_CHANNEL_KERNELS}, {"biases": [0.1]}, {"weights": BIG_KERNELS},
                          {"inputs": IMAGES[0]}),
              invalid=BAD_STRIDES + BAD_PADDINGS),
    Operation(name="conv2d_backward", module="conv", inputs="conv2d_backward_args",
              example=dict(dvalues=CONV_DVALUES, inputs=IMAGES, weights=KERNELS, stride=2, padding=1),
              scale=tolerances.conv2d_backward,
              gradient=adapters.conv_gradient("conv2d", ("inputs", "weights", "biases"), inputs="conv2d_gradient_args"),
              mismatches=({"weights": ONE_CHANNEL_KERNELS}, {"weights": BIG_KERNELS},
                          {"dvalues": [[row[:2] for row in channel] for channel in CONV_DVALUES[0]]},
                          {"dvalues": CONV_DVALUES[0][:1]}, {"padding": 0}),
              invalid=BAD_STRIDES + BAD_PADDINGS),
    Operation(name="max_pool2d", module="conv", inputs="pool_args", example=dict(inputs=IMAGES, size=2, stride=None),
              scale=tolerances.exact,
              invalid=BAD_WINDOWS),
    Operation(name="max_pool2d_backward", module="conv", inputs="pool_backward_args",
              example=dict(dvalues=POOL_DVALUES, inputs=IMAGES, size=2, stride=None),
              scale=tolerances.max_pool2d_backward,
              gradient=adapters.conv_gradient("max_pool2d", inputs="max_pool_gradient_args"),
              mismatches=({"dvalues": [POOL_DVALUES[0][:1]]}, {"stride": 1}),
              invalid=BAD_WINDOWS),
    Operation(name="avg_pool2d", module="conv", inputs="pool_args", example=dict(inputs=IMAGES, size=2, stride=None),
              scale=tolerances.avg_pool2d,
              invalid=BAD_WINDOWS),
    Operation(name="avg_pool2d_backward", module="conv", inputs="pool_backward_args",
              example=dict(dvalues=POOL_DVALUES, inputs=IMAGES, size=2, stride=None),
              scale=tolerances.avg_pool2d_backward,
              gradient=adapters.conv_gradient("avg_pool2d", inputs="avg_pool_gradient_args"),
              mismatches=({"dvalues": [POOL_DVALUES[0][:1]]}, {"size": (2, 1)}),
              invalid=BAD_WINDOWS),
    Operation(name="flatten", module="conv", inputs="images_args", example=dict(inputs=IMAGES),
              scale=tolerances.exact),
    Operation(name="flatten_backward", module="conv", inputs="flatten_backward_args",
              example=dict(dvalues=[[float(i) for i in range(24)]], shape=(1, 2, 3, 4)),
              scale=tolerances.exact,
              gradient=adapters.conv_gradient("flatten", inputs="images_gradient_args"),
              mismatches=({"shape": (1, 2, 3, 3)}, {"shape": (2, 1, 3, 4)}),
              invalid=(({"shape": (1, 2, 12)}, ValueError), ({"shape": (1, 0, 3, 4)}, ValueError),
                       ({"shape": (1.0, 2, 3, 4)}, TypeError), ({"shape": (10**5, 10**5, 1, 1)}, ValueError))),

    # ---- normalization
    Operation(name="layer_norm", module="normalization", inputs="layer_norm_args",
              example=dict(inputs=ROW_SEQUENCES, gamma=GAMMA, beta=BETA, eps=1e-5),
              scale=tolerances.layer_norm,
              mismatches=({"gamma": GAMMA[:2]}, {"beta": BETA + [0.0]}),
              invalid=BAD_EPS + (({"inputs": [ROW_SEQUENCES]}, ValueError), ({"inputs": X[0]}, ValueError),
                                 ({"inputs": [X, [[1.0, NAN, 3.0], [0.0, 1.0, 2.0]]]}, ValueError),
                                 ({"inputs": [[1.0, 2.0, 3.0], [0.0, NAN, 1.0]]}, ValueError))),
    Operation(name="layer_norm_backward", module="normalization", inputs="layer_norm_backward_args",
              example=dict(dvalues=ROW_SEQUENCE_DVALUES, inputs=ROW_SEQUENCES, gamma=GAMMA, eps=1e-5),
              scale=tolerances.layer_norm_backward,
              gradient=adapters.normalization_gradient("layer_norm", inputs="layer_norm_gradient_args"),
              mismatches=({"inputs": X}, {"dvalues": ROW_SEQUENCE_DVALUES[:1]}, {"gamma": GAMMA[:2]}),
              invalid=BAD_EPS + (({"dvalues": [ROW_SEQUENCE_DVALUES[0], [[NAN, 0.0, 1.0], X[0]]]}, ValueError),)),
    Operation(name="batch_norm", module="normalization", inputs="batch_norm_args",
              example=dict(inputs=X, gamma=GAMMA, beta=BETA, eps=1e-5),
              scale=tolerances.batch_norm,
              mismatches=({"gamma": GAMMA[:2]}, {"beta": [0.0]}),
              invalid=BAD_EPS + (ONE_SAMPLE, ({"inputs": ROW_SEQUENCES}, ValueError))),
    Operation(name="batch_norm_backward", module="normalization", inputs="batch_norm_backward_args",
              example=dict(dvalues=X[::-1], inputs=X, gamma=GAMMA, eps=1e-5),
              scale=tolerances.batch_norm_backward,
              gradient=adapters.normalization_gradient("batch_norm", inputs="batch_norm_gradient_args"),
              mismatches=({"inputs": TALL}, NARROW_DVALUES, {"gamma": GAMMA[:1]}),
              invalid=BAD_EPS + (({"dvalues": X[:1], "inputs": X[:1]}, ValueError),)),
    Operation(name="running_statistics", module="normalization", inputs="running_statistics_args",
              example=dict(inputs=X, running_mean=RUNNING_MEAN, running_var=RUNNING_VAR, momentum=0.1),
              scale=tolerances.running_statistics,
              mismatches=({"running_mean": RUNNING_MEAN[:2]}, {"running_var": RUNNING_VAR + [1.0]}),
              invalid=(NEGATIVE_VAR, ONE_SAMPLE, ({"momentum": 1.5}, ValueError), ({"momentum": -0.1}, ValueError),
                       ({"momentum": "0.1"}, TypeError))),
    Operation(name="batch_norm_inference", module="normalization", inputs="batch_norm_inference_args",
              example=dict(inputs=X, gamma=GAMMA, beta=BETA, running_mean=RUNNING_MEAN, running_var=RUNNING_VAR,
                           eps=1e-5),
              scale=tolerances.batch_norm_inference,
              mismatches=({"gamma": GAMMA[:2]}, {"running_mean": [0.0]}, {"running_var": RUNNING_VAR[:2]}),
              invalid=BAD_EPS + (NEGATIVE_VAR, ({"inputs": ROW_SEQUENCES}, ValueError))),
    Operation(name="batch_norm_inference_backward", module="normalization",
              inputs="batch_norm_inference_backward_args",
              example=dict(dvalues=X[::-1], inputs=X, gamma=GAMMA, running_mean=RUNNING_MEAN, running_var=RUNNING_VAR,
                           eps=1e-5),
              scale=tolerances.batch_norm_inference_backward,
              gradient=adapters.normalization_gradient("batch_norm_inference",
                                                       inputs="batch_norm_inference_gradient_args"),
              mismatches=({"inputs": TALL}, NARROW_DVALUES, {"running_var": RUNNING_VAR[:1]}),
              invalid=BAD_EPS + (NEGATIVE_VAR,)),

    # ---- attention
    Operation(name="embedding", module="attention", inputs="embedding_args", example=dict(indices=TOKENS, table=TABLE),
              scale=tolerances.exact,
              invalid=BAD_TOKENS + (({"table": TABLE[0]}, ValueError),)),
    Operation(name="embedding_backward", module="attention", inputs="embedding_backward_args",
              example=dict(dvalues=TOKEN_DVALUES, indices=TOKENS, vocabulary=4),
              scale=tolerances.embedding_backward,
              gradient=adapters.attention_gradient("embedding", ("table",), inputs="embedding_gradient_args"),
              mismatches=({"indices": TOKENS[:1]}, {"indices": [row[:2] for row in TOKENS]},
                          {"dvalues": TOKEN_DVALUES[0]}),
              invalid=BAD_TOKENS + (({"vocabulary": 2}, ValueError), ({"vocabulary": 0}, ValueError),
                                    ({"vocabulary": 4.0}, TypeError), ({"vocabulary": 10**8}, ValueError))),
    Operation(name="positional_encoding", module="attention", inputs="positional_encoding_args",
              example=dict(length=4, width=6),
              scale=tolerances.positional_encoding,
              invalid=(({"length": 0}, ValueError), ({"width": -1}, ValueError), ({"width": 2.5}, TypeError),
                       ({"length": 10**5, "width": 10**4}, ValueError))),
    Operation(name="causal_mask", module="attention", inputs="causal_mask_args", example=dict(n=3),
              scale=tolerances.exact,
              invalid=(({"n": 0}, ValueError), ({"n": 2.0}, TypeError), ({"n": True}, TypeError),
                       ({"n": 10**5}, ValueError))),
    Operation(name="attention_weights", module="attention", inputs="attention_weights_args",
              example=dict(query=QUERY, key=KEY, mask=None),
              scale=tolerances.attention_weights,
              mismatches=ATTENTION_MISMATCHES, invalid=BAD_MASKS),
    Operation(name="scaled_dot_product_attention", module="attention", inputs="scaled_dot_product_attention_args",
              example=dict(query=QUERY, key=KEY, value=VALUE, mask=None),
              scale=tolerances.scaled_dot_product_attention,
              mismatches=ATTENTION_MISMATCHES + VALUE_MISMATCHES, invalid=BAD_MASKS),
    Operation(name="scaled_dot_product_attention_backward", module="attention",
              inputs="scaled_dot_product_attention_backward_args",
              example=dict(doutputs=DOUTPUTS, query=QUERY, key=KEY, value=VALUE, mask=None),
              scale=tolerances.scaled_dot_product_attention_backward,
              gradient=adapters.attention_gradient("scaled_dot_product_attention", ("query", "key", "value"),
                                                   upstream="doutputs",
                                                   inputs="scaled_dot_product_attention_gradient_args"),
              mismatches=ATTENTION_MISMATCHES + VALUE_MISMATCHES + (
                  {"doutputs": [[row[:1] for row in sample] for sample in DOUTPUTS]},
                  {"doutputs": [sample[:1] for sample in DOUTPUTS]}, {"doutputs": DOUTPUTS[:1]}),
              invalid=BAD_MASKS),
    Operation(name="multi_head_attention_weights", module="attention", inputs="multi_head_attention_weights_args",
              example=dict(inputs=SEQUENCES, query_weights=PROJECTION, key_weights=PROJECTION, n_heads=2, mask=None),
              scale=tolerances.multi_head_attention_weights,
              mismatches=PROJECTION_MISMATCHES, invalid=BAD_HEADS + BAD_SELF_MASKS),
    Operation(name="multi_head_attention", module="attention", inputs="multi_head_attention_args",
              example=dict(inputs=SEQUENCES, query_weights=PROJECTION, key_weights=PROJECTION,
                           value_weights=PROJECTION, output_weights=PROJECTION, n_heads=2, mask=None),
              scale=tolerances.multi_head_attention,
              mismatches=PROJECTION_MISMATCHES + ({"output_weights": [row[:3] for row in PROJECTION]},),
              invalid=BAD_HEADS + BAD_SELF_MASKS),
    Operation(name="multi_head_attention_backward", module="attention", inputs="multi_head_attention_backward_args",
              example=dict(dvalues=SEQUENCE_DVALUES, inputs=SEQUENCES, query_weights=PROJECTION,
                           key_weights=PROJECTION, value_weights=PROJECTION, output_weights=PROJECTION, n_heads=2,
                           mask=None),
              scale=tolerances.multi_head_attention_backward,
              gradient=adapters.attention_gradient(
                  "multi_head_attention", ("inputs", "query_weights", "key_weights", "value_weights",
                                           "output_weights"), inputs="multi_head_attention_gradient_args"),
              mismatches=PROJECTION_MISMATCHES + ({"dvalues": SEQUENCE_DVALUES[:1]},
                                                  {"dvalues": [sample[:2] for sample in SEQUENCE_DVALUES]}),
              invalid=BAD_HEADS + BAD_SELF_MASKS),

    # ---- activations
    Operation(name="step", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.exact),
    Operation(name="linear", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.magnitude),
    Operation(name="linear_backward", module="activations", inputs="matrix_dvalues_args", example=dict(dvalues=X),
              scale=tolerances.exact,
              gradient=adapters.elementwise_gradient("activations", "linear", inputs="activation_gradient_args")),
    Operation(name="relu", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.magnitude),
    Operation(name="relu_backward", module="activations", inputs="backward_by_inputs_args",
              example=dict(dvalues=X, inputs=X),
              scale=tolerances.magnitude,
              gradient=adapters.elementwise_gradient("activations", "relu", by="inputs", inputs="away_from_zero_args"),
              mismatches=({"inputs": X[:1]}, NARROW_DVALUES)),
    Operation(name="leaky_relu", module="activations", inputs="leaky_relu_args", example=dict(inputs=X, slope=0.01),
              scale=tolerances.magnitude,
              invalid=(({"slope": "0.1"}, TypeError),)),
    Operation(name="leaky_relu_backward", module="activations", inputs="leaky_relu_backward_args",
              example=dict(dvalues=X, inputs=X, slope=0.01),
              scale=tolerances.magnitude,
              gradient=adapters.elementwise_gradient("activations", "leaky_relu", by="inputs",
                                                     inputs="leaky_relu_gradient_args"),
              mismatches=({"inputs": X[:1]}, NARROW_DVALUES),
              invalid=(({"slope": None}, TypeError),)),
    Operation(name="sigmoid", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.magnitude),
    Operation(name="sigmoid_backward", module="activations", inputs="backward_by_outputs_args",
              example=dict(dvalues=X, outputs=X),
              scale=tolerances.magnitude,
              gradient=adapters.elementwise_gradient("activations", "sigmoid", by="outputs",
                                                     inputs="activation_gradient_args"),
              mismatches=({"outputs": X[:1]}, NARROW_DVALUES)),
    Operation(name="tanh", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.magnitude),
    Operation(name="tanh_backward", module="activations", inputs="backward_by_outputs_args",
              example=dict(dvalues=X, outputs=X),
              scale=tolerances.tanh_backward,
              gradient=adapters.elementwise_gradient("activations", "tanh", by="outputs",
                                                     inputs="activation_gradient_args"),
              mismatches=({"outputs": X[:1]}, NARROW_DVALUES)),
    Operation(name="gelu", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.gelu),
    Operation(name="gelu_backward", module="activations", inputs="gelu_backward_args",
              example=dict(dvalues=X, inputs=X),
              scale=tolerances.gelu_backward,
              gradient=adapters.elementwise_gradient("activations", "gelu", by="inputs",
                                                     inputs="activation_gradient_args"),
              mismatches=({"inputs": X[:1]}, NARROW_DVALUES)),
    Operation(name="softmax", module="activations", inputs="activation_args", example=dict(inputs=X),
              scale=tolerances.magnitude),
    Operation(name="softmax_backward", module="activations", inputs="backward_by_outputs_args",
              example=dict(dvalues=X, outputs=X),
              scale=tolerances.softmax_backward,
              gradient=adapters.elementwise_gradient("activations", "softmax", by="outputs",
                                                     inputs="activation_gradient_args"),
              mismatches=({"outputs": X[:1]}, NARROW_DVALUES)),

    # ---- losses
    Operation(name="categorical_cross_entropy", module="losses", inputs="class_targets_args",
              example=dict(predictions=P, targets=LABELS),
              scale=tolerances.magnitude,
              mismatches=CLASS_TARGET_MISMATCHES, invalid=BAD_CLASS_TARGETS),
    Operation(name="categorical_cross_entropy_backward", module="losses", inputs="class_targets_args",
              example=dict(predictions=P, targets=LABELS),
              scale=tolerances.magnitude,
              gradient=adapters.loss_gradient("categorical_cross_entropy", "predictions",
                                              inputs="class_targets_gradient_args"),
              mismatches=CLASS_TARGET_MISMATCHES, invalid=BAD_CLASS_TARGETS),
    Operation(name="softmax_cross_entropy_backward", module="losses", inputs="probabilities_targets_args",
              example=dict(probabilities=P, targets=LABELS),
              scale=tolerances.softmax_cross_entropy_backward,
              gradient=adapters.softmax_cross_entropy_gradient(inputs="logits_gradient_args"),
              mismatches=CLASS_TARGET_MISMATCHES, invalid=BAD_CLASS_TARGETS),
    Operation(name="binary_cross_entropy", module="losses", inputs="binary_args",
              example=dict(predictions=BINARY_P, targets=BINARY_T),
              scale=tolerances.magnitude,
              mismatches=BINARY_MISMATCHES),
    Operation(name="binary_cross_entropy_backward", module="losses", inputs="binary_args",
              example=dict(predictions=BINARY_P, targets=BINARY_T),
              scale=tolerances.binary_cross_entropy_backward,
              gradient=adapters.loss_gradient("binary_cross_entropy", "predictions", inputs="binary_gradient_args"),
              mismatches=BINARY_MISMATCHES),
    Operation(name="mean_squared_error", module="losses", inputs="regression_args",
              example=dict(predictions=X, targets=REGRESSION_T),
              scale=tolerances.magnitude,
              mismatches=REGRESSION_MISMATCHES),
    Operation(name="mean_squared_error_backward", module="losses", inputs="regression_args",
              example=dict(predictions=X, targets=REGRESSION_T),
              scale=tolerances.difference_backward,
              gradient=adapters.loss_gradient("mean_squared_error", "predictions", inputs="regression_args"),
              mismatches=REGRESSION_MISMATCHES),
    Operation(name="mean_absolute_error", module="losses", inputs="regression_args",
              example=dict(predictions=X, targets=REGRESSION_T),
              scale=tolerances.magnitude,
              mismatches=REGRESSION_MISMATCHES),
    Operation(name="mean_absolute_error_backward", module="losses", inputs="regression_args",
              example=dict(predictions=X, targets=REGRESSION_T),
              scale=tolerances.exact,
              gradient=adapters.loss_gradient("mean_absolute_error", "predictions", inputs="regression_gradient_args"),
              mismatches=REGRESSION_MISMATCHES),
    Operation(name="accuracy", module="losses", inputs="class_targets_args",
              example=dict(predictions=P, targets=LABELS),
              scale=tolerances.exact,
              mismatches=CLASS_TARGET_MISMATCHES, invalid=BAD_CLASS_TARGETS),
    Operation(name="binary_accuracy", module="losses", inputs="binary_accuracy_args",
              example=dict(predictions=BINARY_P, targets=BINARY_T),
              scale=tolerances.exact,
              mismatches=BINARY_MISMATCHES),
    Operation(name="regression_accuracy", module="losses", inputs="regression_accuracy_args",
              example=dict(predictions=X, targets=REGRESSION_T, precision=0.5),
              scale=tolerances.exact,
              mismatches=({"targets": X[:1]},), invalid=(({"precision": -1.0}, ValueError),)),
    Operation(name="l1_penalty", module="losses", inputs="penalty_args", example=dict(weights=W, strength=0.01),
              scale=tolerances.magnitude,
              invalid=BAD_STRENGTHS),
    Operation(name="l1_penalty_backward", module="losses", inputs="penalty_args",
              example=dict(weights=W, strength=0.01),
              scale=tolerances.exact,
              gradient=adapters.loss_gradient("l1_penalty", "weights", inputs="penalty_gradient_args"),
              invalid=BAD_STRENGTHS),
    Operation(name="l2_penalty", module="losses", inputs="penalty_args", example=dict(weights=W, strength=0.01),
              scale=tolerances.magnitude,
              invalid=BAD_STRENGTHS),
    Operation(name="l2_penalty_backward", module="losses", inputs="penalty_args",
              example=dict(weights=W, strength=0.01),
              scale=tolerances.magnitude,
              gradient=adapters.loss_gradient("l2_penalty", "weights", inputs="penalty_args"),
              invalid=BAD_STRENGTHS),

    # ---- optimizers
    Operation(name="sgd", module="optimizers", inputs="sgd_args",
              example=dict(params=PARAMS, grads=GRADS, state=None, hyperparameters=None),
              scale=tolerances.normwise,
              mismatches=GRADS_MISMATCHES, invalid=BAD_OPTIMIZER_ARGUMENTS),
    Operation(name="adagrad", module="optimizers", inputs="adagrad_args",
              example=dict(params=PARAMS, grads=GRADS, state=None, hyperparameters=None),
              scale=tolerances.normwise,
              mismatches=GRADS_MISMATCHES, invalid=BAD_OPTIMIZER_ARGUMENTS),
    Operation(name="rmsprop", module="optimizers", inputs="rmsprop_args",
              example=dict(params=PARAMS, grads=GRADS, state=None, hyperparameters=None),
              scale=tolerances.normwise,
              mismatches=GRADS_MISMATCHES, invalid=BAD_OPTIMIZER_ARGUMENTS),
    Operation(name="adam", module="optimizers", inputs="adam_args",
              example=dict(params=PARAMS, grads=GRADS, state=None, hyperparameters=None),
              scale=tolerances.normwise,
              mismatches=GRADS_MISMATCHES, invalid=BAD_OPTIMIZER_ARGUMENTS),

    # ---- data
    Operation(name="spiral", module="data", inputs="classic_data_args", example=dict(samples=5, classes=3, seed=0),
              scale=tolerances.normwise,
              invalid=BAD_DATA_SIZES),
    Operation(name="vertical", module="data", inputs="classic_data_args", example=dict(samples=5, classes=3, seed=0),
              scale=tolerances.normwise,
              invalid=BAD_DATA_SIZES),
    Operation(name="sine", module="data", inputs="sine_args", example=dict(samples=10),
              scale=tolerances.normwise,
              invalid=(({"samples": -1}, ValueError), ({"samples": "10"}, TypeError))),
    Operation(name="sort_digits", module="data", inputs="sort_digits_args",
              example=dict(n_samples=3, length=4, symbols=10, seed=0),
              scale=tolerances.exact,
              invalid=(({"length": 0}, ValueError), ({"symbols": 1}, ValueError),
                       ({"symbols": 10**9}, ValueError), ({"symbols": 10.0}, TypeError),
                       # 10**5 x 2 x 10**4 tokens: refused before anything is drawn.
                       ({"n_samples": 10**5, "length": 10**4}, ValueError))),
    Operation(name="train_test_split", module="data", inputs="train_test_split_args",
              example=dict(inputs=[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]], targets=[0, 1, 0, 1],
                           test_fraction=0.25, seed=3),
              scale=tolerances.exact,
              invalid=(({"test_fraction": 0.0}, ValueError), ({"test_fraction": 1.0}, ValueError),
                       ({"test_fraction": 0.1}, ValueError),    # 0 of 4 samples held out
                       ({"test_fraction": "0.5"}, TypeError), ({"targets": [0, 1, 0]}, ValueError),
                       ({"seed": 1.5}, TypeError))),
    Operation(name="read_images", module="data", inputs="idx_args", example=None,
              scale=tolerances.pixels, run=adapters.idx_in_both),
    Operation(name="read_labels", module="data", inputs="idx_args", example=None,
              scale=tolerances.exact, run=adapters.idx_in_both),
    Operation(name="load_idx", module="data", inputs="idx_args", example=None,
              scale=tolerances.pixels, run=adapters.idx_in_both),

    # ---- network
    Operation(name="create", module="network", inputs="create_args", example=SMALL_SETTINGS,
              scale=tolerances.network,
              invalid=(({"sizes": [3]}, ValueError), ({"sizes": [3, 0, 2]}, ValueError), ({"sizes": "3,2"}, TypeError),
                       ({"task": "ranking"}, ValueError), ({"dropout": 1.0}, ValueError), ({"l2": -0.1}, ValueError),
                       ({"init": "zeros"}, ValueError), ({"seed": None}, TypeError))),
    Operation(name="create_layers", module="network", inputs="create_layers_args", example=SMALL_LAYERS,
              scale=tolerances.network,
              invalid=(({"layers": [{"type": "conv3d"}]}, ValueError), ({"layers": [{"type": 3}]}, TypeError),
                       ({"layers": [{"units": 2}]}, ValueError), ({"layers": [{"type": "dense"}]}, ValueError),
                       ({"layers": [{"type": "dense", "units": 0}]}, ValueError),
                       ({"layers": [{"type": "dense", "units": 2, "rate": 0.5}]}, ValueError),
                       ({"layers": [{"type": "relu"}]}, ValueError), ({"layers": ["dense"]}, TypeError),
                       ({"layers": "dense"}, TypeError), ({"input_shape": [1, 2]}, TypeError), ({"input_shape": [1, 0, 2]}, ValueError),
                       ({"input_shape": 0}, ValueError), ({"task": "ranking"}, ValueError),
                       ({"l2": -0.1}, ValueError), ({"init": "zeros"}, ValueError))),
    Operation(name="dropout_masks", module="network", inputs="dropout_masks_args",
              example=dict(model=SMALL_MODEL, n_samples=2, seed=0),
              scale=tolerances.network,
              invalid=(*BAD_MODELS, ({"n_samples": 0}, ValueError))),
    Operation(name="forward", module="network", inputs="forward_args",
              example=dict(model=SMALL_MODEL, inputs=X, masks=None),
              scale=tolerances.network,
              mismatches=({"inputs": [row[:2] for row in X]}, {"masks": [None]}), invalid=BAD_MODELS),
    Operation(name="loss", module="network", inputs="loss_args",
              example=dict(model=SMALL_MODEL, outputs=[[0.7, 0.3], [0.4, 0.6]], targets=[0, 1]),
              scale=tolerances.network,
              invalid=BAD_MODELS),
    Operation(name="backward", module="network", inputs="backward_args",
              example=lambda: dict(model=SMALL_MODEL, cache=_small_cache(), targets=[0, 1]),
              scale=tolerances.network,
              gradient=adapters.network_gradient(inputs="network_gradient_args"),
              invalid=(*BAD_MODELS, ({"cache": [{"inputs": X}]}, ValueError), ({"cache": "cache"}, TypeError))),
    Operation(name="train_step", module="network", inputs="train_step_args",
              example=dict(model=SMALL_MODEL, inputs=X, targets=[0, 1], optimizer="adam", state=None,
                           hyperparameters=None, seed=0),
              scale=tolerances.training,
              mismatches=({"targets": [0, 1, 1]},), invalid=(*BAD_MODELS, ({"optimizer": "lbfgs"}, ValueError))),
    Operation(name="train_epoch", module="network", inputs="train_epoch_args",
              example=dict(model=SMALL_MODEL, inputs=X, targets=[0, 1], optimizer="sgd", state=None,
                           hyperparameters=None, batch_size=None, seed=0, epoch=0),
              scale=tolerances.training,
              invalid=(*BAD_MODELS, ({"batch_size": 0}, ValueError), ({"epoch": 0.5}, TypeError),
                       ({"on_step": 3}, TypeError))),
    Operation(name="fit", module="network", inputs="fit_args",
              example=dict(model=SMALL_MODEL, inputs=X, targets=[0, 1], epochs=2, batch_size=None, optimizer="rmsprop",
                           hyperparameters=None, seed=0),
              scale=tolerances.training,
              invalid=(*BAD_MODELS, ({"epochs": 0}, ValueError))),
    Operation(name="predict", module="network", inputs="predict_args", example=dict(model=SMALL_MODEL, inputs=X),
              scale=tolerances.network,
              mismatches=({"inputs": W},), invalid=BAD_MODELS),
    Operation(name="evaluate", module="network", inputs="evaluate_args",
              example=dict(model=SMALL_MODEL, inputs=X, targets=[0, 1]),
              scale=tolerances.network,
              mismatches=({"targets": [0]},), invalid=BAD_MODELS),
    Operation(name="save", module="network", inputs="model_file_args", example=None,
              scale=tolerances.exact, run=adapters.save_in_both, invalid=BAD_MODELS),
    Operation(name="load", module="network", inputs="model_file_args", example=None,
              scale=tolerances.network, run=adapters.load_in_both, invalid=BAD_MODELS),
)


class UnknownOperation(KeyError, UsageError):
    """No operation of that name: a KeyError (a failed look-up) whose message suggests the closest names.

    Also a UsageError, so that ``twinnet show softmx`` says so in one line.
    """

    def __str__(self):
        return self.args[0]  # a KeyError would show its message quoted, as a key


def get(name):
    """The registered operation called ``name``; an UnknownOperation (a KeyError) suggests close names."""
    for operation in OPERATIONS:
        if operation.name == name:
            return operation
    close = difflib.get_close_matches(name, [operation.name for operation in OPERATIONS], n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `twinnet list` shows them all"
    raise UnknownOperation(f"no operation named {name!r}{hint}")


def by_module(module_name):
    return [operation for operation in OPERATIONS if operation.module == module_name]
