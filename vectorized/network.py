"""A network built from this twin's operations, layer by layer, trained end to end.

A model is plain data, a dict that JSON can hold. It is a list of layers (what
create_layers makes)::

    {"inputs": [1, 28, 28],          # one sample: 784 features, or [channels, height, width] images
     "layers": [{"type": "conv2d", "filters": 8, "kernel": 3, "stride": 1, "padding": 1},
                {"type": "relu"}, {"type": "max_pool2d", "size": 2, "stride": 2},
                {"type": "flatten"}, {"type": "dropout", "rate": 0.1}, {"type": "dense", "units": 10}],
     "task": "classification",       # the output layer and loss after the last layer, from TASKS
     "l1": 0.0, "l2": 0.0,           # penalties on every weight and bias, of dense and conv2d layers
     "params": {"weights0": ..., "biases0": ..., "weights1": ..., "biases1": ...}}

or, for a multilayer perceptron, the shorthand that create makes::

    {"sizes": [2, 64, 3],            # inputs, hidden layers, outputs
     "activation": "relu",           # of every hidden layer
     "task": "classification",
     "dropout": 0.0,                 # fraction dropped after each hidden layer, in training
     "l1": 0.0, "l2": 0.0,
     "params": {"weights0": ..., "biases0": ..., "weights1": ..., "biases1": ...}}

which stands for the layers dense, activation (and dropout) per hidden layer, then dense
(``_mlp_layers``): the network runs both as their list of layers, each layer type's
parameters, forward and backward pass found in one table, LAYERS. The k-th layer with
parameters has them under its names with k added ("weights{k}" and "biases{k}" for dense
and conv2d, "table{k}" for an embedding, ...; see _checks.parameter_shapes), drawn with seed
seed * 1000 + k, so that create(sizes) and create_layers with the layers they stand for
make the very same model. A conv2d layer keeps its weights as a matrix (filters, channels *
kernel_height * kernel_width), one filter per row, and reshapes them for conv2d. Mini-batches
of images keep their (n_samples, channels, height, width) shape from layer to layer.

A sequence model takes token indices, {"length": 16, "vocabulary": 11} as its "inputs":
an embedding layer turns (n_samples, length) ints into sequences (n_samples, length, width),
and positional_encoding, transformer_block (pre-norm, causal), layer_norm and dense layers
act on every position; the task, a classification, puts a softmax at every position. Its
targets are (n_samples, length) labels, -1 where a position is not scored (the prompt of a
task that only scores the answer); the loss and accuracy are means over the scored positions.

Every function takes the model and returns new values; none changes it. The
same seed gives the same initial weights, mini-batches and dropout masks in
both twins, so a training run can be compared step by step. Parameters that
are NaN or infinite are refused wherever a model is taken (save writes
nothing), with the name and index of the first.

Precision: the vectorized twin computes in the dtype of the model's
parameters, float64 or float32, and a model has one dtype. Wherever a model is
taken, its parameters are brought to float32 if every one of them is float32,
and to float64 otherwise: float32 biases beside float64 weights (what
``np.zeros`` gives after the book's ``nnfs.init()``) train in float64, exactly
as if every array had been float64, not each in its own precision. The data
(inputs, float targets) are converted to the model's dtype in the same place:
float32 data train a float32 model in float32 and a float64 model in float64.
``create(..., dtype="float32")`` makes a float32 model; ``fit(..., dtype=...)``
converts the model before training (None keeps its dtype). The pure twin
computes in Python floats, which are float64: it takes dtype "float64" or
None, and refuses "float32" with a ValueError.

Divergence: a training step diverges when its loss is not finite (inf or NaN)
or when its update leaves a parameter that is not. train_step then raises
:class:`Diverged` and keeps nothing of that step; train_epoch and fit pass it
on with the epoch and step filled in and what was done before it. Both twins
stop at the same step, and NumPy's overflow warnings on the way are not shown:
Diverged says it once.

Files: save writes a model given by its sizes as file version 1, exactly as
twinnet always has, and a model given by its layers as version 2; load reads
both. Either way the file holds the model as canonical JSON with its SHA-256.
"""

import collections
import hashlib
import json
import math
import os
import shlex
import tempfile

import numpy as np

from vectorized import _checks, activations, attention, conv, layers, linalg, losses, normalization, optimizers, rng

# Hidden activations: (forward, backward, what the backward takes besides dvalues).
# The network checks its arguments once, at its own entry points; inside, it
# calls each operation without its checks (``op.unchecked``), so that a training
# step does not check again what it has just computed itself. On the spiral's
# pure epoch the checks cost a fifth of the time.
HIDDEN_ACTIVATIONS = {
    "relu": (activations.relu.unchecked, activations.relu_backward.unchecked, "inputs"),
    "leaky_relu": (activations.leaky_relu.unchecked, activations.leaky_relu_backward.unchecked, "inputs"),
    "tanh": (activations.tanh.unchecked, activations.tanh_backward.unchecked, "outputs"),
    "sigmoid": (activations.sigmoid.unchecked, activations.sigmoid_backward.unchecked, "outputs"),
    "gelu": (activations.gelu.unchecked, activations.gelu_backward.unchecked, "inputs"),
    "linear": (activations.linear.unchecked, lambda dvalues, values: activations.linear_backward.unchecked(dvalues),
               "outputs"),
}

# What each task puts on the last layer, and the loss it minimises.
TASKS = {
    "classification": (activations.softmax.unchecked, losses.categorical_cross_entropy.unchecked),
    "binary": (activations.sigmoid.unchecked, losses.binary_cross_entropy.unchecked),
    "regression": (activations.linear.unchecked, losses.mean_squared_error.unchecked),
}

OPTIMIZERS = {
    "sgd": optimizers.sgd.unchecked,
    "adagrad": optimizers.adagrad.unchecked,
    "rmsprop": optimizers.rmsprop.unchecked,
    "adam": optimizers.adam.unchecked,
}


# ---------------------------------------------------------------- the layers
# Every layer type in one table, LAYERS: how it draws its parameters (None: it has none),
# and its forward and backward passes, each a few words around its operations' bodies:
#     init(layer, shape, seed, method) -> {name: array}          shape: of one input sample
#     forward(layer, inputs, params, mask) -> outputs            params: {name: array}, or {}
#     backward(layer, dvalues, entry, params, need_dinputs) -> (dinputs, {name: gradient})
# entry is what forward kept of the layer: {"inputs", "outputs", "mask"}. The names are
# _checks.parameter_shapes's ("weights", "biases", "table", ...); in the model's params the
# k-th layer with parameters adds k to them ("weights0", "biases0", "table1", ...).
Layer = collections.namedtuple("Layer", "init forward backward")

# What the checks know of layers, which the network is run by: a model's layers (those its sizes
# stand for, for a multilayer perceptron) and the shape of one sample before and after each.
_model_layers, _model_shapes, _mlp_layers = _checks.model_layers, _checks.model_shapes, _checks.mlp_layers
_sample_shape, _layer_output, _pair = _checks.sample_shape, _checks.layer_output, _checks.pair


def _is_batch(values):
    """True for a batch of images (n, channels, height, width) or sequences (n, length, width);
    False for a matrix, or a number."""
    return isinstance(values, np.ndarray) and values.ndim > 2


def _shape(values):
    """The shape of a batch of images or sequences."""
    return values.shape


def _samples(values):
    """Each sample of a batch of images or sequences as one row of values: (n_samples, values)."""
    return values.reshape(len(values), -1)


def _unsamples(rows, shape):
    """Rows of values back into a batch of ``shape``: what _samples undoes."""
    return rows.reshape(shape)


def _positions(sequences):
    """Each position of each sequence as one row: (n_samples, length, width) -> (n_samples * length, width)."""
    return sequences.reshape(-1, sequences.shape[-1])


def _sequences(rows, length):
    """Rows back into sequences: (n_samples * length, width) -> (n_samples, length, width)."""
    return rows.reshape(-1, length, rows.shape[-1])


def _by_rows(operation, values, *others):
    """An operation written for (n_samples, features) matrices, applied to a batch of images or
    sequences through the rows of its samples (others: a mask or a batch like values, or numbers)."""
    if not _is_batch(values):
        return operation(values, *others)
    flat = [_samples(other) if _is_batch(other) else other for other in others]
    return _unsamples(operation(_samples(values), *flat), _shape(values))


def _by_positions(operation, values, *others):
    """An operation written for (n_samples, features) matrices, applied at every position of a batch
    of sequences (others: a batch like values, or weights); its first result back in sequences."""
    if not _is_batch(values):
        return operation(values, *others)
    results = operation(_positions(values), *[_positions(other) if _is_batch(other) else other for other in others])
    first = results[0] if isinstance(results, tuple) else results
    first = None if first is None else _sequences(first, values.shape[1])
    return (first, *results[1:]) if isinstance(results, tuple) else first


def _plus(a, b):
    """Element by element sum of two arrays of one shape (a residual connection)."""
    return a + b


def _init_dense(layer, shape, seed, method):
    weights, biases = layers.init_dense.unchecked(shape[-1], layer["units"], seed, method)
    return {"weights": weights, "biases": biases}


def _dense_forward(layer, inputs, params, mask):
    return _by_positions(layers.dense_forward.unchecked, inputs, params["weights"], params["biases"])


def _dense_backward(layer, dvalues, entry, params, need_dinputs):
    dinputs, dweights, dbiases = _by_positions(
        lambda d, x: layers.dense_backward.unchecked(d, x, params["weights"], need_dinputs), dvalues, entry["inputs"])
    return dinputs, {"weights": dweights, "biases": dbiases}


def _activation(name):
    """A HIDDEN_ACTIVATIONS entry as a layer: its backward takes the layer's inputs or its outputs."""
    forward, backward, takes = HIDDEN_ACTIVATIONS[name]
    return Layer(None, lambda layer, inputs, params, mask: _by_rows(forward, inputs),
                 lambda layer, dvalues, entry, params, need_dinputs: (_by_rows(backward, dvalues, entry[takes]), {}))


def _dropout_forward(layer, inputs, params, mask):
    return inputs if mask is None else _by_rows(layers.dropout_forward.unchecked, inputs, mask, layer["rate"])


def _dropout_backward(layer, dvalues, entry, params, need_dinputs):
    if entry["mask"] is None:
        return dvalues, {}
    return _by_rows(layers.dropout_backward.unchecked, dvalues, entry["mask"], layer["rate"]), {}


def _init_conv2d(layer, shape, seed, method):
    """A conv2d layer's weights are drawn as a dense layer's with channels * kernel_height * kernel_width
    inputs and a neuron per filter (so "he" scales by sqrt(2 / fan_in)), one filter per row."""
    fan_in = shape[0] * math.prod(_pair(layer["kernel"]))
    weights, biases = layers.init_dense.unchecked(fan_in, layer["filters"], seed, method)
    return {"weights": linalg.transpose.unchecked(weights), "biases": biases}


def _filters(layer, weights, inputs):
    """The weights (filters, channels * kernel area) as conv2d takes them: (filters, channels, kh, kw)."""
    return conv.flatten_backward.unchecked(weights, (len(weights), len(inputs[0]), *_pair(layer["kernel"])))


def _conv2d_forward(layer, inputs, params, mask):
    return conv.conv2d.unchecked(inputs, _filters(layer, params["weights"], inputs), params["biases"],
                                 _pair(layer["stride"]), _pair(layer["padding"]))


def _conv2d_backward(layer, dvalues, entry, params, need_dinputs):
    dinputs, dweights, dbiases = conv.conv2d_backward.unchecked(
        dvalues, entry["inputs"], _filters(layer, params["weights"], entry["inputs"]), _pair(layer["stride"]),
        _pair(layer["padding"]))
    return dinputs, {"weights": conv.flatten.unchecked(dweights), "biases": dbiases}


def _max_pool2d_forward(layer, inputs, params, mask):
    return conv.max_pool2d.unchecked(inputs, layer["size"], layer["stride"])


def _max_pool2d_backward(layer, dvalues, entry, params, need_dinputs):
    return conv.max_pool2d_backward.unchecked(dvalues, entry["inputs"], layer["size"], layer["stride"]), {}


def _avg_pool2d_forward(layer, inputs, params, mask):
    return conv.avg_pool2d.unchecked(inputs, layer["size"], layer["stride"])


def _avg_pool2d_backward(layer, dvalues, entry, params, need_dinputs):
    return conv.avg_pool2d_backward.unchecked(dvalues, entry["inputs"], layer["size"], layer["stride"]), {}


def _flatten_forward(layer, inputs, params, mask):
    return conv.flatten.unchecked(inputs)


def _flatten_backward(layer, dvalues, entry, params, need_dinputs):
    return conv.flatten_backward.unchecked(dvalues, _shape(entry["inputs"])), {}


def _init_embedding(layer, shape, seed, method):
    """A table of token vectors drawn from N(0, 1), as PyTorch's nn.Embedding draws them."""
    return {"table": rng.normal.unchecked((shape[2], layer["width"]), seed)}


def _embedding_forward(layer, inputs, params, mask):
    return attention.embedding.unchecked(inputs, params["table"])


def _embedding_backward(layer, dvalues, entry, params, need_dinputs):
    # Token indices have no gradient: the embedding is always a first layer.
    return None, {"table": attention.embedding_backward.unchecked(dvalues, entry["inputs"], len(params["table"]))}


def _positional_encoding_forward(layer, inputs, params, mask):
    encoding = attention.positional_encoding.unchecked(len(inputs[0]), len(inputs[0][0]))
    return _plus(inputs, encoding)                 # the same encoding added to every sample


def _positional_encoding_backward(layer, dvalues, entry, params, need_dinputs):
    return dvalues, {}


def _init_layer_norm(layer, shape, seed, method):
    """gamma 1 and beta 0: to begin with, the normalised values as they are."""
    return {"gamma": np.ones(shape[-1]), "beta": np.zeros(shape[-1])}


def _layer_norm_forward(layer, inputs, params, mask):
    return normalization.layer_norm.unchecked(inputs, params["gamma"], params["beta"])


def _layer_norm_backward(layer, dvalues, entry, params, need_dinputs):
    dinputs, dgamma, dbeta = normalization.layer_norm_backward.unchecked(dvalues, entry["inputs"], params["gamma"])
    return dinputs, {"gamma": dgamma, "beta": dbeta}


def _init_transformer_block(layer, shape, seed, method):
    """Each matrix drawn as a dense layer's, with seed seed * 16 + its place; the norms as a layer_norm
    layer's (gamma 1, beta 0); biases 0."""
    width, hidden = shape[-1], layer["hidden"]
    params = {f"attention_{name}": value for name, value in _init_layer_norm(layer, shape, seed, method).items()}
    for j, role in enumerate(("query", "key", "value", "output")):
        params[f"{role}_weights"] = layers.init_dense.unchecked(width, width, seed * 16 + j, method)[0]
    params.update({f"mlp_{name}": value for name, value in _init_layer_norm(layer, shape, seed, method).items()})
    params["hidden_weights"], params["hidden_biases"] = layers.init_dense.unchecked(width, hidden, seed * 16 + 4,
                                                                                    method)
    params["output_layer_weights"], params["output_layer_biases"] = layers.init_dense.unchecked(
        hidden, width, seed * 16 + 5, method)
    return params


def _block_parts(layer, inputs, params):
    """A pre-norm decoder block's forward pass, with every value its backward needs:

        attended = inputs + multi_head_attention(layer_norm(inputs)), causal
        outputs = attended + gelu(layer_norm(attended) @ hidden_weights + hidden_biases)
                             @ output_layer_weights + output_layer_biases
    """
    mask = attention.causal_mask.unchecked(len(inputs[0]))
    normed = normalization.layer_norm.unchecked(inputs, params["attention_gamma"], params["attention_beta"])
    attended = _plus(inputs, attention.multi_head_attention.unchecked(
        normed, params["query_weights"], params["key_weights"], params["value_weights"], params["output_weights"],
        layer["heads"], mask))
    mlp_in = normalization.layer_norm.unchecked(attended, params["mlp_gamma"], params["mlp_beta"])
    hidden_in = _by_positions(layers.dense_forward.unchecked, mlp_in, params["hidden_weights"], params["hidden_biases"])
    hidden = _by_rows(activations.gelu.unchecked, hidden_in)
    outputs = _plus(attended, _by_positions(layers.dense_forward.unchecked, hidden, params["output_layer_weights"],
                                            params["output_layer_biases"]))
    return {"mask": mask, "normed": normed, "attended": attended, "mlp_in": mlp_in, "hidden_in": hidden_in,
            "hidden": hidden, "outputs": outputs}


def _transformer_block_forward(layer, inputs, params, mask):
    return _block_parts(layer, inputs, params)["outputs"]


def _transformer_block_backward(layer, dvalues, entry, params, need_dinputs):
    """The block's backward pass, from the output back; its inner values computed again from its inputs
    (a forward pass more, and a cache of the same shape as every other layer's)."""
    parts = _block_parts(layer, entry["inputs"], params)
    dhidden, doutput_layer_weights, doutput_layer_biases = _by_positions(
        lambda d, x: layers.dense_backward.unchecked(d, x, params["output_layer_weights"]), dvalues, parts["hidden"])
    dhidden_in = _by_rows(activations.gelu_backward.unchecked, dhidden, parts["hidden_in"])
    dmlp_in, dhidden_weights, dhidden_biases = _by_positions(
        lambda d, x: layers.dense_backward.unchecked(d, x, params["hidden_weights"]), dhidden_in, parts["mlp_in"])
    dnormed_attended, dmlp_gamma, dmlp_beta = normalization.layer_norm_backward.unchecked(
        dmlp_in, parts["attended"], params["mlp_gamma"])
    dattended = _plus(dvalues, dnormed_attended)       # the residual: both paths' gradients add up
    dnormed, dquery_weights, dkey_weights, dvalue_weights, doutput_weights = \
        attention.multi_head_attention_backward.unchecked(
            dattended, parts["normed"], params["query_weights"], params["key_weights"], params["value_weights"],
            params["output_weights"], layer["heads"], parts["mask"])
    dnormed_inputs, dattention_gamma, dattention_beta = normalization.layer_norm_backward.unchecked(
        dnormed, entry["inputs"], params["attention_gamma"])
    return _plus(dattended, dnormed_inputs), {
        "attention_gamma": dattention_gamma, "attention_beta": dattention_beta, "query_weights": dquery_weights,
        "key_weights": dkey_weights, "value_weights": dvalue_weights, "output_weights": doutput_weights,
        "mlp_gamma": dmlp_gamma, "mlp_beta": dmlp_beta, "hidden_weights": dhidden_weights,
        "hidden_biases": dhidden_biases, "output_layer_weights": doutput_layer_weights,
        "output_layer_biases": doutput_layer_biases}


LAYERS = {
    "dense": Layer(_init_dense, _dense_forward, _dense_backward),
    **{name: _activation(name) for name in HIDDEN_ACTIVATIONS},
    "dropout": Layer(None, _dropout_forward, _dropout_backward),
    "conv2d": Layer(_init_conv2d, _conv2d_forward, _conv2d_backward),
    "max_pool2d": Layer(None, _max_pool2d_forward, _max_pool2d_backward),
    "avg_pool2d": Layer(None, _avg_pool2d_forward, _avg_pool2d_backward),
    "flatten": Layer(None, _flatten_forward, _flatten_backward),
    "embedding": Layer(_init_embedding, _embedding_forward, _embedding_backward),
    "positional_encoding": Layer(None, _positional_encoding_forward, _positional_encoding_backward),
    "layer_norm": Layer(_init_layer_norm, _layer_norm_forward, _layer_norm_backward),
    "transformer_block": Layer(_init_transformer_block, _transformer_block_forward, _transformer_block_backward),
}


# The checks of the arguments most entry points share (see _checks.takes).
MODEL = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS, types=LAYERS)
MODEL_IN_DTYPE = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS, dtype="dtype", types=LAYERS)  # in the argument dtype
MODEL_TO_SAVE = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS, file="path", types=LAYERS)  # NaN: "nothing was written"
TARGETS = _checks.network_targets("inputs")
OPTIMIZER = _checks.one_of(OPTIMIZERS)
HYPERPARAMETERS = _checks.hyperparameters_for(optimizers.DEFAULTS)
STATE = _checks.state_for_optimizer(optimizers.STATES)


def _mask_rows(func, name, value, arguments):
    """n_samples: rows of a mask for each dropout layer, no more than MAX_VALUES values in the widest."""
    model = arguments["model"]
    widest = max((math.prod(shape) for layer, shape in zip(_model_layers(model), _model_shapes(model))
                  if layer["type"] == "dropout"), default=1)
    return _checks.count_times(widest, what="values in a mask")(func, name, value, arguments)


def _layer_list(func, name, value, arguments):
    """layers: a list of layers whose types are in LAYERS, fitting the argument input_shape."""
    return _checks.layer_list(func, name, value, arguments["input_shape"], LAYERS)


def _task_of_layers(func, name, value, arguments):
    """task: a TASKS name that fits the argument layers: a classification where they end in sequences."""
    return _checks.task_for_layers(func, name, value, TASKS, arguments["layers"], arguments["input_shape"])


FILE_FORMAT = "twinnet-model"
FILE_VERSIONS = (1, 2)  # of a model given by its sizes, and of one given by its layers


class Diverged(ArithmeticError):
    """Training diverged: a step's loss, or a parameter its update made, was not finite (inf or NaN).

    Raised by train_step, and passed on by train_epoch and fit with more filled in:
      loss: the step's loss (inf or nan; finite when it was the update that overflowed)
      parameter, value: None, or where the update left a NaN or an infinity ("weights1[0][2]"), and it
      epoch, step: where it happened, both counted from 0 (None from train_step alone)
      model, state: the model and optimizer state from before that step (finite: the step is not kept)
      step_losses: from train_epoch on, the epoch's step losses, the diverged one last
      history: from fit, the metrics of the epochs before, as fit returns them
    """

    def __init__(self, func, loss, parameter=None, value=None, epoch=None, step=None, model=None, state=None,
                 step_losses=None, history=None):
        self.func, self.loss, self.parameter, self.value = func, loss, parameter, value
        self.epoch, self.step, self.model, self.state = epoch, step, model, state
        self.step_losses, self.history = step_losses, history
        where = "" if epoch is None else f" at epoch {epoch}, step {step} (counted from 0)"
        super().__init__(f"{func}: training diverged{where}: {self.reason}. A smaller learning rate usually "
                         "helps; this error's model and state are those from before that step")

    @property
    def reason(self):
        """What was not finite, in words: "the loss was inf", or "the update made weights1[0][2] nan"."""
        if self.parameter is None:
            return f"the loss was {self.loss!r}"
        return f"the update made {self.parameter} {self.value!r} (the loss was {self.loss!r})"

    def _fields(self):
        """What this error was made of, by name, in the order __init__ takes it."""
        return {"func": self.func, "loss": self.loss, "parameter": self.parameter, "value": self.value,
                "epoch": self.epoch, "step": self.step, "model": self.model, "state": self.state,
                "step_losses": self.step_losses, "history": self.history}

    def __reduce__(self):  # so that it pickles (and crosses processes) whole
        return Diverged, tuple(self._fields().values())

    def passed_on(self, func, **where):
        """The same divergence as ``func`` reports it, with more of where it happened (epoch, step, ...)."""
        return Diverged(**{**self._fields(), "func": func, **where})


def _layer_seed(seed, index):
    return seed * 1000 + index


def _step_seed(seed, epoch, step):
    # One dropout seed per (seed, epoch, step): no two steps share masks.
    return (seed * 1_000_003 + epoch) * 1_000_003 + step


def _quiet():
    """A context in which overflow makes inf and NaN without a word: Python's floats do, NumPy is told to.

    Training reports divergence itself (Diverged), once; NumPy's RuntimeWarnings
    would say it again, from deep inside the operations.
    """
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def _not_finite(params):
    """Where the first NaN or infinity among the parameters is, as ("weights1[0][2]", value), or None."""
    for name, array in params.items():
        bad = _checks.not_finite(array)
        if bad is not None:
            return name + bad[0], bad[1]
    return None


def _plan(model):
    """Each layer of a checked model with the names of its parameters, as the layer calls them and as
    the model's params do: [(layer, {"weights": "weights0", "biases": "biases0"}), (layer, {}), ...]."""
    plan, k = [], 0
    for layer in _model_layers(model):
        names = {name: f"{name}{k}" for name in _checks.PARAMETER_NAMES.get(layer["type"], ())}
        plan.append((layer, names))
        k += bool(names)
    return plan


def _initial_params(layer_list, shape, seed, method):
    """The parameters of checked layers, drawn from a seed: the k-th layer with parameters by its init,
    with seed seed * 1000 + k. shape: of one input sample."""
    params, k = {}, 0
    for layer in layer_list:
        if LAYERS[layer["type"]].init is not None:
            drawn = LAYERS[layer["type"]].init(layer, shape, _layer_seed(seed, k), method)
            params.update({f"{name}{k}": array for name, array in drawn.items()})
            k += 1
        shape = _layer_output(None, None, layer, shape)
    return params


@_checks.takes(sizes="layer sizes", activation=_checks.one_of(HIDDEN_ACTIVATIONS), task=_checks.one_of(TASKS),
               dropout="rate", l1="non-negative", l2="non-negative", seed="seed",
               init=_checks.one_of(layers.INIT_SCALES), dtype="model dtype")
def create(sizes, activation="relu", task="classification", seed=0, init="he", dropout=0.0, l1=0.0, l2=0.0,
           dtype="float64"):
    """A new model with weights drawn from a seed.

    A multilayer perceptron, given by its sizes (create_layers makes any list of layers).

    sizes: [n_inputs, hidden sizes..., n_outputs]    activation: a HIDDEN_ACTIVATIONS name
    task: "classification" (softmax, cross-entropy), "binary" (sigmoid, binary
    cross-entropy) or "regression" (linear, mean squared error)
    seed: int    init: "classic", "he" or "glorot"    dropout: rate in [0, 1)
    l1, l2: penalty strengths >= 0
    dtype: "float64", or "float32" for the vectorized twin alone (see Precision above)
    ->    model (a dict)

    Layer i is drawn by layers.init_dense with seed seed * 1000 + i; biases start at 0.
    A float32 model holds the float64 draws rounded to float32. The model stands for a list
    of layers (dense, activation, dropout, ...): create_layers with it draws the same weights.
    """
    params = _initial_params(_mlp_layers(sizes, activation, dropout), (sizes[0],), seed, init)
    return {"sizes": sizes, "activation": activation, "task": task, "dropout": dropout, "l1": l1, "l2": l2,
            "params": _checks.one_dtype(params, dtype)}


@_checks.takes(input_shape="input shape", layers=_layer_list, task=_task_of_layers, seed="seed",
               init=_checks.one_of(layers.INIT_SCALES), l1="non-negative", l2="non-negative", dtype="model dtype")
def create_layers(input_shape, layers, task="classification", seed=0, init="he", l1=0.0, l2=0.0, dtype="float64"):
    """A new model given by its list of layers, with weights drawn from a seed.

    input_shape: one sample, a number of features (784), [channels, height, width] ([1, 28, 28]),
    or token indices {"length": 16, "vocabulary": 11}
    layers: a list of dicts {"type": a LAYERS name, ...its keys}: {"type": "dense", "units": 64},
    {"type": "relu"} (any HIDDEN_ACTIVATIONS name), {"type": "dropout", "rate": 0.1},
    {"type": "conv2d", "filters": 8, "kernel": 3, "stride": 1, "padding": 1} (kernel, stride and
    padding an int or a pair [vertical, horizontal]; stride 1 and padding 0 by default),
    {"type": "max_pool2d", "size": 2, "stride": 2} and "avg_pool2d" (stride: the size by default),
    {"type": "flatten"}; for token inputs ({"length": 16, "vocabulary": 11}),
    {"type": "embedding", "width": 64} first, then {"type": "positional_encoding"},
    {"type": "transformer_block", "heads": 4, "hidden": 256}, {"type": "layer_norm"} and dense
    layers, which act at every position. They end in (n_samples, n_outputs), or sequences
    (n_samples, length, n_outputs), for the task's output layer.
    task, seed, init, l1, l2, dtype: as for create
    ->    model (a dict), its layers with every key

    The k-th layer with weights is drawn with seed seed * 1000 + k; biases start at 0.
    """
    params = _initial_params(layers, _sample_shape(input_shape), seed, init)
    return {"inputs": input_shape, "layers": layers, "task": task, "l1": l1, "l2": l2,
            "params": _checks.one_dtype(params, dtype)}


@_checks.takes(model=MODEL, n_samples=_mask_rows, seed="seed")
def dropout_masks(model, n_samples, seed):
    """The dropout masks of one training step: one per dropout layer, None for every other layer.

    model: a model    n_samples: int, rows in the batch    seed: int
    ->    a list with an entry per layer of the model: a (n_samples, features) mask for a
    dropout layer (features: the values of one sample there), None for the others

    The j-th dropout layer's mask is layers.dropout_mask with seed seed * 1000 + j: in a
    model given by its sizes, hidden layer j's. With a dropout rate of 0, the entry is None.
    """
    masks, j = [], 0
    for layer, shape in zip(_model_layers(model), _model_shapes(model)):
        masks.append(None)
        if layer["type"] == "dropout":
            if layer["rate"] > 0:
                masks[-1] = layers.dropout_mask.unchecked((n_samples, math.prod(shape)), layer["rate"],
                                                          _layer_seed(seed, j))
            j += 1
    return masks


@_checks.takes(model=MODEL, inputs="inputs for model", masks="masks for model")
def forward(model, inputs, masks=None):
    """The forward pass: every layer in turn, then the task's output, keeping what backward needs.

    model: a model    inputs: (n_samples, n_inputs), or images (n_samples, channels, height, width)
    masks: None, or dropout_masks(...)
    ->    outputs: (n_samples, n_outputs), cache: a dict per layer and one for the output layer,
    {"inputs", "outputs", "mask"}

        values = layer(values) for each layer (dense: values @ weights + biases, ...);
        outputs = the task's activation(values)
    """
    params, cache, values = model["params"], [], inputs
    for (layer, names), mask in zip(_plan(model), masks):
        outputs = LAYERS[layer["type"]].forward(layer, values, {name: params[full] for name, full in names.items()},
                                                mask)
        cache.append({"inputs": values, "outputs": outputs, "mask": mask})
        values = outputs
    outputs = _by_positions(TASKS[model["task"]][0], values)
    cache.append({"inputs": values, "outputs": outputs, "mask": None})
    return outputs, cache


@_checks.takes(model=MODEL, outputs="outputs for model", targets=_checks.network_targets("outputs"))
def loss(model, outputs, targets):
    """The task's loss of the outputs, and the regularisation penalty of the weights.

    model: a model    outputs: (n_samples, n_outputs), from forward
    targets: labels or one-hot rows (classification), or (n_samples, n_outputs)
    ->    (data_loss, regularisation_loss), two floats

        regularisation_loss = sum over layers of l1 * (sum|W| + sum|b|) + l2 * (sum W**2 + sum b**2)
    """
    data_loss = TASKS[model["task"]][1](*_scored(outputs, targets))
    penalty = 0.0
    for array in model["params"].values():
        if model["l1"]:
            penalty += losses.l1_penalty.unchecked(array, model["l1"])
        if model["l2"]:
            penalty += losses.l2_penalty.unchecked(array, model["l2"])
    return data_loss, penalty


def _scored(outputs, targets):
    """The outputs and targets that are scored: all of them, or, for sequences (n_samples, length,
    n_outputs), the rows of the positions whose target is not -1 (the prompt of a sequence task)."""
    if not _is_batch(outputs):
        return outputs, targets
    keep = targets.ravel() >= 0
    return _positions(outputs)[keep], targets.ravel()[keep]


def _unscored(dscored, targets, shape):
    """Gradients of the scored rows (see _scored) put back in sequences of ``shape``, 0 where not scored."""
    if len(shape) == 2:
        return dscored
    drows = np.zeros((math.prod(shape[:-1]), shape[-1]), dtype=dscored.dtype)
    drows[targets.ravel() >= 0] = dscored
    return _sequences(drows, shape[1])


def _std(targets):
    return float(np.std(targets))


def _accuracy(model, outputs, targets, precision=None):
    """The task's accuracy: arg-max match, yes/no on the right side of 0.5, or near enough.

    For regression, "near enough" is within precision, by default std(targets) / 250
    as the classic book has it.
    """
    if model["task"] == "classification":
        return losses.accuracy.unchecked(*_scored(outputs, targets))
    if model["task"] == "binary":
        return losses.binary_accuracy.unchecked(outputs, targets)
    precision = _std(targets) / 250 if precision is None else precision
    return losses.regression_accuracy.unchecked(outputs, targets, precision)


@_checks.takes(model=MODEL, cache="cache for model", targets=_checks.network_targets("cache"))
def backward(model, cache, targets):
    """The backward pass: the gradient of the loss (with its penalties) for every parameter.

    model: a model    cache: from forward    targets: as for loss
    ->    grads: a dict with the names and shapes of model["params"]

    Each layer hands the one below it the gradient with respect to its inputs:
        dinputs, (dweights, dbiases) = the layer's backward(dvalues, ...)
    """
    params = model["params"]
    outputs = cache[-1]["outputs"]
    # The output layer's activation and loss differentiate together.
    if model["task"] == "classification":
        dz = _unscored(losses.softmax_cross_entropy_backward.unchecked(*_scored(outputs, targets)), targets,
                       _shape(outputs))
    elif model["task"] == "binary":
        doutputs = losses.binary_cross_entropy_backward.unchecked(outputs, targets)
        dz = activations.sigmoid_backward.unchecked(doutputs, outputs)
    else:
        doutputs = losses.mean_squared_error_backward.unchecked(outputs, targets)
        dz = activations.linear_backward.unchecked(doutputs)
    grads, plan = {}, _plan(model)
    for i in reversed(range(len(plan))):
        layer, names = plan[i]
        # The first layer's inputs are the data: nothing needs their gradient.
        dz, layer_grads = LAYERS[layer["type"]].backward(layer, dz, cache[i],
                                                         {name: params[full] for name, full in names.items()}, i > 0)
        grads.update({names[name]: grad for name, grad in layer_grads.items()})
    for name, array in params.items():
        if model["l1"]:
            grads[name] = grads[name] + losses.l1_penalty_backward.unchecked(array, model["l1"])
        if model["l2"]:
            grads[name] = grads[name] + losses.l2_penalty_backward.unchecked(array, model["l2"])
    return {name: grads[name] for name in params}


@_checks.takes(model=MODEL, inputs="inputs for model", targets=TARGETS, optimizer=OPTIMIZER, seed="seed",
               hyperparameters=HYPERPARAMETERS, state=STATE)
def train_step(model, inputs, targets, optimizer="adam", state=None, hyperparameters=None, seed=0):
    """One step of training on one batch: forward, loss, backward, update.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    optimizer: "sgd", "adagrad", "rmsprop" or "adam"    state: the optimizer's, or None
    hyperparameters: the optimizer's, or None for its defaults    seed: int, for dropout
    ->    (new_model, new_state, metrics)

    metrics: {"loss": data_loss + regularisation_loss, "data_loss", "regularisation", "accuracy"},
    measured on this batch before the update (with dropout, when the model has it).

    Raises Diverged, and returns nothing, when the loss is not finite (the
    update is not made) or the update leaves a parameter that is not.
    """
    masks = dropout_masks.unchecked(model, len(inputs), seed)
    with _quiet():
        outputs, cache = forward.unchecked(model, inputs, masks)
        data_loss, penalty = loss.unchecked(model, outputs, targets)
        metrics = {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty,
                   "accuracy": _accuracy(model, outputs, targets)}
        if not math.isfinite(metrics["loss"]):
            raise Diverged("train_step", metrics["loss"], model=model, state=state)
        grads = backward.unchecked(model, cache, targets)
        params, new_state = OPTIMIZERS[optimizer](model["params"], grads, state, hyperparameters)
        bad = _not_finite(params)
    if bad is not None:
        raise Diverged("train_step", metrics["loss"], *bad, model=model, state=state)
    return {**model, "params": params}, new_state, metrics


@_checks.takes(model=MODEL, inputs="inputs for model", targets=TARGETS, batch_size="limit", optimizer=OPTIMIZER,
               seed="seed", hyperparameters=HYPERPARAMETERS, state=STATE, epoch="int", on_step="function or None")
def train_epoch(model, inputs, targets, optimizer="adam", state=None, hyperparameters=None, batch_size=None,
                seed=0, epoch=0, on_step=None):
    """One pass over the training set, in mini-batches shuffled from (seed, epoch).

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    optimizer, state, hyperparameters: as for train_step
    batch_size: int, or None for the whole set as one batch (then nothing is shuffled)
    seed, epoch: ints; the order is rng.permutation(n_samples, seed * 1000003 + epoch)
    on_step: None, or a function called after each step with (steps done, steps in the epoch), to
    show progress; what it returns is not used
    ->    (new_model, new_state, metrics)

    metrics: the mean of the steps' loss, data_loss, regularisation and accuracy,
    weighted by batch size, and "step_losses", each step's loss.

    A step that diverges raises Diverged, with this epoch, the step and the
    epoch's step losses so far.
    """
    n_samples = len(inputs)
    batch_size = n_samples if batch_size is None else batch_size
    if batch_size >= n_samples:
        order = None
    else:
        order = rng.permutation.unchecked(n_samples, seed * 1_000_003 + epoch)
    totals = {"loss": 0.0, "data_loss": 0.0, "regularisation": 0.0, "accuracy": 0.0}
    step_losses = []
    for step, start in enumerate(range(0, n_samples, batch_size)):
        if order is None:
            batch_inputs, batch_targets = inputs, targets
        else:
            # Fancy indexing gathers the batch's rows in one copy each.
            batch = order[start:start + batch_size]
            batch_inputs, batch_targets = inputs[batch], targets[batch]
        try:
            model, state, metrics = train_step.unchecked(model, batch_inputs, batch_targets, optimizer, state,
                                                         hyperparameters, _step_seed(seed, epoch, step))
        except Diverged as error:
            raise error.passed_on("train_epoch", epoch=epoch, step=step,
                                  step_losses=step_losses + [error.loss]) from None
        for key in totals:
            totals[key] += metrics[key] * len(batch_inputs)
        step_losses.append(metrics["loss"])
        if on_step is not None:
            on_step(step + 1, -(-n_samples // batch_size))
    metrics = {key: total / n_samples for key, total in totals.items()}
    metrics["step_losses"] = step_losses
    return model, state, metrics


@_checks.takes(dtype="model dtype", model=MODEL_IN_DTYPE, inputs="inputs for model", targets=TARGETS,
               epochs="count", batch_size="limit", optimizer=OPTIMIZER, seed="seed",
               hyperparameters=HYPERPARAMETERS)
def fit(model, inputs, targets, epochs=1, batch_size=None, optimizer="adam", hyperparameters=None, seed=0,
        dtype=None):
    """Train for a number of epochs; return the trained model and each epoch's metrics.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    epochs: int >= 1    batch_size, optimizer, hyperparameters, seed: as for train_epoch
    dtype: None to train in the model's dtype, or "float64" / "float32" (the
    vectorized twin alone) to convert the model first; the data are converted
    to the model's dtype (see Precision above)
    ->    (new_model, history), history a list of train_epoch's metrics, one per epoch

    An epoch that diverges raises Diverged, with the history of the epochs before it.
    """
    state, history = None, []
    for epoch in range(epochs):
        try:
            model, state, metrics = train_epoch.unchecked(model, inputs, targets, optimizer, state,
                                                          hyperparameters, batch_size, seed, epoch)
        except Diverged as error:
            raise error.passed_on("fit", history=history) from None
        history.append(metrics)
    return model, history


@_checks.takes(model=MODEL, inputs="inputs for model", batch_size="limit")
def predict(model, inputs, batch_size=None):
    """The model's outputs for some inputs, without dropout.

    model: a model    inputs: (n_samples, n_inputs), or images as for forward
    batch_size: None for one forward pass, or how many samples per pass: the
    same outputs, with memory for one batch's activations only
    ->    (n_samples, n_outputs)
    """
    batch_size = len(inputs) if batch_size is None else batch_size
    no_masks = [None] * len(_model_layers(model))
    with _quiet():
        if batch_size >= len(inputs):
            return forward.unchecked(model, inputs, no_masks)[0]
        # One array for every output, filled batch by batch: no list of pieces to join.
        outputs = np.empty((len(inputs), *_model_shapes(model)[-1]), dtype=_dtype(model))
        for start in range(0, len(inputs), batch_size):
            outputs[start:start + batch_size] = forward.unchecked(model, inputs[start:start + batch_size], no_masks)[0]
    return outputs


@_checks.takes(model=MODEL, inputs="inputs for model", targets=TARGETS, batch_size="limit")
def evaluate(model, inputs, targets, batch_size=None):
    """Loss and accuracy of the model on a data set, without dropout.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    batch_size: as for predict
    ->    {"loss", "data_loss", "regularisation", "accuracy"}

    In batches, the loss and accuracy are the batches' means weighted by their sizes.
    """
    n_samples = len(inputs)
    batch_size = n_samples if batch_size is None else batch_size
    precision = _std(targets) / 250 if model["task"] == "regression" else None
    no_masks = [None] * len(_model_layers(model))
    data_loss = correct = penalty = 0.0
    for start in range(0, n_samples, batch_size):
        batch_targets = targets[start:start + batch_size]
        with _quiet():
            outputs = forward.unchecked(model, inputs[start:start + batch_size], no_masks)[0]
            batch_loss, penalty = loss.unchecked(model, outputs, batch_targets)
        data_loss += batch_loss * len(outputs) / n_samples
        correct += _accuracy(model, outputs, batch_targets, precision) * len(outputs) / n_samples
    return {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty, "accuracy": correct}


def _dtype(model):
    """The dtype a model computes in: its parameters' (one for all of them)."""
    return next(iter(model["params"].values())).dtype


def _plain(model):
    """The model with its arrays as nested lists of Python floats, as JSON wants them."""
    return {**model, "params": {name: np.asarray(array).tolist() for name, array in model["params"].items()}}


def _canonical(model):
    """The model as JSON text in one fixed form: the bytes its checksum is taken of."""
    return json.dumps(model, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _checksum_command(path):
    """A shell command that prints the checksum of the model in the file at path, as load computes it."""
    program = ("import hashlib, json, sys; model = json.load(open(sys.argv[1], encoding='utf-8'))['model']; "
               "print(hashlib.sha256(json.dumps(model, sort_keys=True, separators=(',', ':')).encode()).hexdigest())")
    return f'python -c "{program}" {shlex.quote(os.fspath(path))}'


def _file_mode():
    """The mode a new file gets from the umask (mkstemp's own is 0600, whatever the umask)."""
    umask = os.umask(0o022)  # the umask can only be read by setting it
    os.umask(umask)
    return 0o666 & ~umask


@_checks.takes(path="path", model=MODEL_TO_SAVE)
def save(model, path):
    """Write a model to a JSON file that either twin can load, atomically.

    model: a model    path: a file name    ->    None

    The file holds the format's name and version (1 for a model given by its sizes,
    2 for one given by its layers), the model, and the SHA-256 of
    the model's canonical JSON, so that a truncated or edited file is refused
    by load. It is written to a temporary file beside path, then renamed over
    it: a crash midway leaves the old file (or none), never half a file. The
    file gets the mode the umask gives new files; an OSError names path.
    """
    model = _plain(model)
    try:
        body = _canonical(model)
    except ValueError:  # a NaN or an infinity the checks let through (in l1 or l2)
        body = None
    if body is None:
        _checks.fail(ValueError, "save", f"model expected finite numbers, got NaN or infinity: nothing was "
                                         f"written to {path}")
    document = {"format": FILE_FORMAT, "version": FILE_VERSIONS["layers" in model],
                "sha256": hashlib.sha256(body.encode()).hexdigest(), "model": model}
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".twinnet-", suffix=".tmp", dir=folder)
    except OSError as error:
        # The temporary file's name would mean nothing to the caller: name the file asked for.
        raise OSError(error.errno, error.strerror, path) from None
    try:
        os.fchmod(handle, _file_mode())
        with os.fdopen(handle, "w") as file:
            json.dump(document, file, sort_keys=True, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# The end of the messages for a file that cannot be read at all.
_SAVE_AGAIN = "save the model again with twinnet"
_TOO_DEEP = f"JSON nested too deeply to read (a model file nests 5 levels deep): {_SAVE_AGAIN}"


def _document(path, data):
    """The JSON document in the bytes of a model file; a ValueError naming the file when they are not JSON."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        problem = (f"bytes that are not UTF-8 text (at byte {error.start}): {_SAVE_AGAIN}, or save an edited file "
                   "as UTF-8")
    except RecursionError:
        problem = _TOO_DEEP
    except ValueError as error:
        problem = f"text that is not JSON, perhaps truncated ({error}): correct the JSON there, or {_SAVE_AGAIN}"
    # Raised here, not in the handler, so that the decoder's own traceback is not chained to it.
    _checks.fail(ValueError, "load", f"{path} expected a twinnet model file (JSON), got {problem}")


@_checks.takes(path="path")
def load(path):
    """Read a model that save wrote (by either twin), of file version 1 or 2.

    path: a file name    ->    model

    Raises ValueError naming the file when it is not a complete, unedited twinnet
    model file: not JSON text (binary, truncated, nested too deeply), the wrong
    format or version, NaN or infinity, a checksum that does not match, or
    parameters that do not fit the sizes. Each message ends with how to make a
    file edited by hand load again.
    """
    with open(path, "rb") as file:
        document = _document(path, file.read())
    _checks.model_file("load", path, document, FILE_FORMAT, FILE_VERSIONS)
    try:
        checksum, problem = hashlib.sha256(_canonical(document["model"]).encode()).hexdigest(), None
    except RecursionError:
        problem = f"a twinnet model file (JSON), got {_TOO_DEEP}"
    except ValueError:
        problem = ('finite numbers, got NaN or Infinity in "model": JSON has no such numbers and save never '
                   "writes them; put numbers there")
    if problem is not None:
        _checks.fail(ValueError, "load", f"{path} expected {problem}")
    if checksum != document["sha256"]:
        _checks.fail(ValueError, "load", f"{path} expected the model its checksum was taken of, got different "
                                         'contents: the file was edited or damaged. Its "sha256" is the SHA-256 of '
                                         '"model" as canonical JSON: after an edit by hand, set it to what this '
                                         f"prints: {_checksum_command(path)}")
    try:
        return _checks.model("load", document["model"], HIDDEN_ACTIVATIONS, TASKS, types=LAYERS)
    except (TypeError, ValueError) as error:
        message = str(error)
    raise ValueError(f'{message}; correct "model" in {path} (and then its "sha256", as load says), or {_SAVE_AGAIN}')
