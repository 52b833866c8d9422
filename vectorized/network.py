"""A multilayer network built from this twin's operations, trained end to end.

A model is plain data, a dict that JSON can hold::

    {"sizes": [2, 64, 3],            # inputs, hidden layers, outputs
     "activation": "relu",           # of every hidden layer
     "task": "classification",       # the output layer and loss, from TASKS
     "dropout": 0.0,                 # fraction dropped after each hidden layer, in training
     "l1": 0.0, "l2": 0.0,           # penalties on every weight and bias
     "params": {"weights0": ..., "biases0": ..., "weights1": ..., "biases1": ...}}

Every function takes the model and returns new values; none changes it. The
same seed gives the same initial weights, mini-batches and dropout masks in
both twins, so a training run can be compared step by step.
"""

import hashlib
import json
import os
import tempfile

import numpy as np

from vectorized import _checks, activations, layers, losses, optimizers, rng

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


# The checks of the arguments most entry points share (see _checks.takes).
MODEL = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS)
TARGETS = _checks.network_targets("inputs")
OPTIMIZER = _checks.one_of(OPTIMIZERS)
HYPERPARAMETERS = _checks.hyperparameters_for(optimizers.DEFAULTS)
STATE = _checks.state_for_optimizer(optimizers.STATES)

FILE_FORMAT = "twinnet-model"
FILE_VERSION = 1


def _layer_seed(seed, index):
    return seed * 1000 + index


def _step_seed(seed, epoch, step):
    # One dropout seed per (seed, epoch, step): no two steps share masks.
    return (seed * 1_000_003 + epoch) * 1_000_003 + step


@_checks.takes(sizes="layer sizes", activation=_checks.one_of(HIDDEN_ACTIVATIONS), task=_checks.one_of(TASKS),
               dropout="rate", l1="non-negative", l2="non-negative", seed="seed",
               init=_checks.one_of(layers.INIT_SCALES))
def create(sizes, activation="relu", task="classification", seed=0, init="he", dropout=0.0, l1=0.0, l2=0.0):
    """A new model with weights drawn from a seed.

    sizes: [n_inputs, hidden sizes..., n_outputs]    activation: a HIDDEN_ACTIVATIONS name
    task: "classification" (softmax, cross-entropy), "binary" (sigmoid, binary
    cross-entropy) or "regression" (linear, mean squared error)
    seed: int    init: "classic", "he" or "glorot"    dropout: rate in [0, 1)
    l1, l2: penalty strengths >= 0    ->    model (a dict)

    Layer i is drawn by layers.init_dense with seed seed * 1000 + i; biases start at 0.
    """
    params = {}
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights, biases = layers.init_dense.unchecked(n_inputs, n_neurons, _layer_seed(seed, i), init)
        params[f"weights{i}"], params[f"biases{i}"] = weights, biases
    return {"sizes": sizes, "activation": activation, "task": task, "dropout": dropout, "l1": l1, "l2": l2,
            "params": params}


@_checks.takes(model=MODEL, n_samples="count", seed="seed")
def dropout_masks(model, n_samples, seed):
    """The dropout masks of one training step: one per hidden layer, None for the output layer.

    model: a model    n_samples: int, rows in the batch    seed: int
    ->    a list with a (n_samples, size) mask per hidden layer, then None

    Hidden layer i's mask is layers.dropout_mask with seed seed * 1000 + i.
    With a dropout rate of 0, every entry is None.
    """
    sizes, rate = model["sizes"], model["dropout"]
    masks = [None] * (len(sizes) - 1)
    if rate > 0:
        for i, size in enumerate(sizes[1:-1]):
            masks[i] = layers.dropout_mask.unchecked((n_samples, size), rate, _layer_seed(seed, i))
    return masks


@_checks.takes(model=MODEL, inputs="inputs for model", masks="masks for model")
def forward(model, inputs, masks=None):
    """The forward pass: every layer in turn, keeping what the backward pass will need.

    model: a model    inputs: (n_samples, n_inputs)    masks: None, or dropout_masks(...)
    ->    outputs: (n_samples, n_outputs), cache: a list with a dict per layer

        z = inputs @ weights + biases;  a = activation(z);  a = dropout(a) in training
    """
    params, n_layers = model["params"], len(model["sizes"]) - 1
    hidden = HIDDEN_ACTIVATIONS[model["activation"]][0]
    output_activation = TASKS[model["task"]][0]
    cache, values = [], inputs
    for i in range(n_layers):
        z = layers.dense_forward.unchecked(values, params[f"weights{i}"], params[f"biases{i}"])
        a = output_activation(z) if i == n_layers - 1 else hidden(z)
        cache.append({"inputs": values, "z": z, "a": a, "mask": masks[i]})
        values = a if masks[i] is None else layers.dropout_forward.unchecked(a, masks[i], model["dropout"])
    return values, cache


@_checks.takes(model=MODEL, outputs="outputs for model", targets=_checks.network_targets("outputs"))
def loss(model, outputs, targets):
    """The task's loss of the outputs, and the regularisation penalty of the weights.

    model: a model    outputs: (n_samples, n_outputs), from forward
    targets: labels or one-hot rows (classification), or (n_samples, n_outputs)
    ->    (data_loss, regularisation_loss), two floats

        regularisation_loss = sum over layers of l1 * (sum|W| + sum|b|) + l2 * (sum W**2 + sum b**2)
    """
    data_loss = TASKS[model["task"]][1](outputs, targets)
    penalty = 0.0
    for array in model["params"].values():
        if model["l1"]:
            penalty += losses.l1_penalty.unchecked(array, model["l1"])
        if model["l2"]:
            penalty += losses.l2_penalty.unchecked(array, model["l2"])
    return data_loss, penalty


def _std(targets):
    return float(np.std(targets))


def _accuracy(model, outputs, targets, precision=None):
    """The task's accuracy: arg-max match, yes/no on the right side of 0.5, or near enough.

    For regression, "near enough" is within precision, by default std(targets) / 250
    as the classic book has it.
    """
    if model["task"] == "classification":
        return losses.accuracy.unchecked(outputs, targets)
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
        dz = activation_backward(da);  dinputs, dweights, dbiases = dense_backward(dz, ...)
    """
    params, rate = model["params"], model["dropout"]
    _, hidden_backward, takes = HIDDEN_ACTIVATIONS[model["activation"]]
    outputs = cache[-1]["a"]
    # The output layer's activation and loss differentiate together.
    if model["task"] == "classification":
        dz = losses.softmax_cross_entropy_backward.unchecked(outputs, targets)
    elif model["task"] == "binary":
        doutputs = losses.binary_cross_entropy_backward.unchecked(outputs, targets)
        dz = activations.sigmoid_backward.unchecked(doutputs, outputs)
    else:
        doutputs = losses.mean_squared_error_backward.unchecked(outputs, targets)
        dz = activations.linear_backward.unchecked(doutputs)
    grads = {}
    for i in reversed(range(len(cache))):
        # The first layer's inputs are the data: nothing needs their gradient.
        dinputs, dweights, dbiases = layers.dense_backward.unchecked(
            dz, cache[i]["inputs"], params[f"weights{i}"], i > 0)
        grads[f"weights{i}"], grads[f"biases{i}"] = dweights, dbiases
        if i > 0:
            below = cache[i - 1]
            if below["mask"] is not None:
                dinputs = layers.dropout_backward.unchecked(dinputs, below["mask"], rate)
            dz = hidden_backward(dinputs, below["z"] if takes == "inputs" else below["a"])
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
    """
    masks = dropout_masks.unchecked(model, len(inputs), seed)
    outputs, cache = forward.unchecked(model, inputs, masks)
    data_loss, penalty = loss.unchecked(model, outputs, targets)
    metrics = {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty,
               "accuracy": _accuracy(model, outputs, targets)}
    grads = backward.unchecked(model, cache, targets)
    params, state = OPTIMIZERS[optimizer](model["params"], grads, state, hyperparameters)
    return {**model, "params": params}, state, metrics


@_checks.takes(model=MODEL, inputs="inputs for model", targets=TARGETS, batch_size="limit", optimizer=OPTIMIZER,
               seed="seed", hyperparameters=HYPERPARAMETERS, state=STATE, epoch="int")
def train_epoch(model, inputs, targets, optimizer="adam", state=None, hyperparameters=None, batch_size=None,
                seed=0, epoch=0):
    """One pass over the training set, in mini-batches shuffled from (seed, epoch).

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    optimizer, state, hyperparameters: as for train_step
    batch_size: int, or None for the whole set as one batch (then nothing is shuffled)
    seed, epoch: ints; the order is rng.permutation(n_samples, seed * 1000003 + epoch)
    ->    (new_model, new_state, metrics)

    metrics: the mean of the steps' loss, data_loss, regularisation and accuracy,
    weighted by batch size, and "step_losses", each step's loss.
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
        model, state, metrics = train_step.unchecked(model, batch_inputs, batch_targets, optimizer, state,
                                                     hyperparameters, _step_seed(seed, epoch, step))
        for key in totals:
            totals[key] += metrics[key] * len(batch_inputs)
        step_losses.append(metrics["loss"])
    metrics = {key: total / n_samples for key, total in totals.items()}
    metrics["step_losses"] = step_losses
    return model, state, metrics


@_checks.takes(model=MODEL, inputs="inputs for model", targets=TARGETS, epochs="count", batch_size="limit",
               optimizer=OPTIMIZER, seed="seed", hyperparameters=HYPERPARAMETERS)
def fit(model, inputs, targets, epochs=1, batch_size=None, optimizer="adam", hyperparameters=None, seed=0):
    """Train for a number of epochs; return the trained model and each epoch's metrics.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    epochs: int >= 1    batch_size, optimizer, hyperparameters, seed: as for train_epoch
    ->    (new_model, history), history a list of train_epoch's metrics, one per epoch
    """
    state, history = None, []
    for epoch in range(epochs):
        model, state, metrics = train_epoch.unchecked(model, inputs, targets, optimizer, state, hyperparameters,
                                                      batch_size, seed, epoch)
        history.append(metrics)
    return model, history


@_checks.takes(model=MODEL, inputs="inputs for model", batch_size="limit")
def predict(model, inputs, batch_size=None):
    """The model's outputs for some inputs, without dropout.

    model: a model    inputs: (n_samples, n_inputs)
    batch_size: None for one forward pass, or how many samples per pass: the
    same outputs, with memory for one batch's activations only
    ->    (n_samples, n_outputs)
    """
    batch_size = len(inputs) if batch_size is None else batch_size
    no_masks = [None] * (len(model["sizes"]) - 1)
    if batch_size >= len(inputs):
        return forward.unchecked(model, inputs, no_masks)[0]
    # One array for every output, filled batch by batch: no list of pieces to join.
    outputs = np.empty((len(inputs), model["sizes"][-1]), dtype=np.result_type(inputs, model["params"]["weights0"]))
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
    no_masks = [None] * (len(model["sizes"]) - 1)
    data_loss = correct = penalty = 0.0
    for start in range(0, n_samples, batch_size):
        batch_targets = targets[start:start + batch_size]
        outputs = forward.unchecked(model, inputs[start:start + batch_size], no_masks)[0]
        batch_loss, penalty = loss.unchecked(model, outputs, batch_targets)
        data_loss += batch_loss * len(outputs) / n_samples
        correct += _accuracy(model, outputs, batch_targets, precision) * len(outputs) / n_samples
    return {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty, "accuracy": correct}


def _plain(model):
    """The model with its arrays as nested lists of Python floats, as JSON wants them."""
    return {**model, "params": {name: np.asarray(array).tolist() for name, array in model["params"].items()}}


def _canonical(model):
    """The model as JSON text in one fixed form: the bytes its checksum is taken of."""
    return json.dumps(model, sort_keys=True, separators=(",", ":"), allow_nan=False)


@_checks.takes(model=MODEL, path="path")
def save(model, path):
    """Write a model to a JSON file that either twin can load, atomically.

    model: a model    path: a file name    ->    None

    The file holds the format's name and version, the model, and the SHA-256 of
    the model's canonical JSON, so that a truncated or edited file is refused
    by load. It is written to a temporary file beside path, then renamed over
    it: a crash midway leaves the old file (or none), never half a file.
    """
    model = _plain(model)
    try:
        body = _canonical(model)
    except ValueError:
        _checks.fail(ValueError, "save", "model expected finite parameters, got NaN or infinity")
    document = {"format": FILE_FORMAT, "version": FILE_VERSION,
                "sha256": hashlib.sha256(body.encode()).hexdigest(), "model": model}
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".twinnet-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(document, file, sort_keys=True, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


@_checks.takes(path="path")
def load(path):
    """Read a model that save wrote (by either twin).

    path: a file name    ->    model

    Raises ValueError naming the file when it is not a complete, unedited twinnet
    model file: not JSON (a truncated file), the wrong format or version, a
    checksum that does not match, or parameters that do not fit the sizes.
    """
    with open(path) as file:
        text = file.read()
    try:
        document = json.loads(text)
    except ValueError as error:
        _checks.fail(ValueError, "load", f"{path} expected a twinnet model file (JSON), "
                                         f"got text that is not JSON, perhaps truncated ({error})")
    _checks.model_file("load", path, document, FILE_FORMAT, FILE_VERSION)
    if hashlib.sha256(_canonical(document["model"]).encode()).hexdigest() != document["sha256"]:
        _checks.fail(ValueError, "load", f"{path} expected the model its checksum was taken of, "
                                         "got different contents: the file was edited or damaged")
    model = document["model"]
    _checks.model("load", model, HIDDEN_ACTIVATIONS, TASKS)
    return {**model, "params": {name: np.array(array, dtype=np.float64) for name, array in model["params"].items()}}
