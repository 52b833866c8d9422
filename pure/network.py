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
import math
import os
import tempfile

from pure import _checks, activations, layers, losses, optimizers, rng

# Hidden activations: (forward, backward, what the backward takes besides dvalues).
# The network checks its arguments once, at its own entry points; inside, it
# calls each operation's unchecked core (the function of the same name with a
# leading underscore), so that a training step does not check again what it
# has just computed itself. On the spiral's pure epoch the checks cost a fifth
# of the time.
HIDDEN_ACTIVATIONS = {
    "relu": (activations.relu.unchecked, activations.relu_backward.unchecked, "inputs"),
    "leaky_relu": (activations.leaky_relu.unchecked, activations.leaky_relu_backward.unchecked, "inputs"),
    "tanh": (activations.tanh.unchecked, activations.tanh_backward.unchecked, "outputs"),
    "sigmoid": (activations.sigmoid.unchecked, activations.sigmoid_backward.unchecked, "outputs"),
    "linear": (activations.linear.unchecked, lambda dvalues, values: activations.linear_backward.unchecked(dvalues), "outputs"),
}

def _sparse(targets):
    """True for class labels, False for one-hot rows (targets already checked)."""
    return not isinstance(targets[0], (list, tuple))


def _cross_entropy(outputs, targets):
    return losses._categorical_cross_entropy(outputs, targets, _sparse(targets))


# What each task puts on the last layer, and the loss it minimises.
TASKS = {
    "classification": (activations.softmax.unchecked, _cross_entropy),
    "binary": (activations.sigmoid.unchecked, losses._binary_cross_entropy),
    "regression": (activations.linear.unchecked, losses._mean_squared_error),
}

OPTIMIZERS = {
    "sgd": optimizers._sgd,
    "adagrad": optimizers._adagrad,
    "rmsprop": optimizers._rmsprop,
    "adam": optimizers._adam,
}

FILE_FORMAT = "twinnet-model"
FILE_VERSION = 1


def _plus(a, b):
    """Element by element sum of two vectors or two matrices of one shape."""
    if isinstance(a[0], list):
        return [[x + y for x, y in zip(row_a, row_b)] for row_a, row_b in zip(a, b)]
    return [x + y for x, y in zip(a, b)]


def _check_inputs(func, model, inputs):
    """Check a model and a batch of inputs that fits it; return both, as this twin computes with them."""
    model = _checks.model(func, model, HIDDEN_ACTIVATIONS, TASKS)
    _checks.matrix(func, "inputs", inputs)
    _checks.length(func, "inputs", len(inputs[0]), model["sizes"][0], "columns (the model's inputs)")
    return model, inputs


def _check_targets(func, model, targets, n_samples):
    """Check targets that fit the model's task and a batch of n_samples."""
    return _checks.task_targets(func, "targets", targets, model["task"], n_samples, model["sizes"][-1])


def _check_training(func, optimizer, state, hyperparameters, seed):
    """Check the optimizer's name, state and hyperparameters, and a seed, before any work starts.

    Returns the hyperparameters with the optimizer's defaults filled in.
    """
    _checks.choice(func, "optimizer", optimizer, OPTIMIZERS)
    _checks.iterations(func, state)
    _checks.seed(func, "seed", seed)
    return _checks.hyperparameters(func, hyperparameters, optimizers.DEFAULTS[optimizer])


def _layer_seed(seed, index):
    return seed * 1000 + index


def _step_seed(seed, epoch, step):
    # One dropout seed per (seed, epoch, step): no two steps share masks.
    return (seed * 1_000_003 + epoch) * 1_000_003 + step


def create(sizes, activation="relu", task="classification", seed=0, init="he", dropout=0.0, l1=0.0, l2=0.0):
    """A new model with weights drawn from a seed.

    sizes: [n_inputs, hidden sizes..., n_outputs]    activation: a HIDDEN_ACTIVATIONS name
    task: "classification" (softmax, cross-entropy), "binary" (sigmoid, binary
    cross-entropy) or "regression" (linear, mean squared error)
    seed: int    init: "classic", "he" or "glorot"    dropout: rate in [0, 1)
    l1, l2: penalty strengths >= 0    ->    model (a dict)

    Layer i is drawn by layers.init_dense with seed seed * 1000 + i; biases start at 0.
    """
    model = {"sizes": sizes, "activation": activation, "task": task, "dropout": dropout, "l1": l1, "l2": l2}
    _checks.model_settings("create", model, HIDDEN_ACTIVATIONS, TASKS)
    seed = _checks.seed("create", "seed", seed)
    _checks.choice("create", "init", init, layers.INIT_SCALES)
    params = {}
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"weights{i}"], params[f"biases{i}"] = layers.init_dense(n_inputs, n_neurons, _layer_seed(seed, i), init)
    return {**model, "sizes": list(sizes), "dropout": float(dropout), "l1": float(l1), "l2": float(l2),
            "params": params}


def dropout_masks(model, n_samples, seed):
    """The dropout masks of one training step: one per hidden layer, None for the output layer.

    model: a model    n_samples: int, rows in the batch    seed: int
    ->    a list with a (n_samples, size) mask per hidden layer, then None

    Hidden layer i's mask is layers.dropout_mask with seed seed * 1000 + i.
    With a dropout rate of 0, every entry is None.
    """
    model = _checks.model("dropout_masks", model, HIDDEN_ACTIVATIONS, TASKS)
    n_samples = _checks.count("dropout_masks", "n_samples", n_samples)
    seed = _checks.seed("dropout_masks", "seed", seed)
    return _dropout_masks(model, n_samples, seed)


def _dropout_masks(model, n_samples, seed):
    sizes, rate = model["sizes"], model["dropout"]
    masks = [None] * (len(sizes) - 1)
    if rate > 0:
        for i, size in enumerate(sizes[1:-1]):
            masks[i] = layers.dropout_mask((n_samples, size), rate, _layer_seed(seed, i))
    return masks


def forward(model, inputs, masks=None):
    """The forward pass: every layer in turn, keeping what the backward pass will need.

    model: a model    inputs: (n_samples, n_inputs)    masks: None, or dropout_masks(...)
    ->    outputs: (n_samples, n_outputs), cache: a list with a dict per layer

        z = inputs @ weights + biases;  a = activation(z);  a = dropout(a) in training
    """
    model, inputs = _check_inputs("forward", model, inputs)
    masks = _checks.masks("forward", masks, len(model["sizes"]) - 1)
    return _forward(model, inputs, masks)


def _forward(model, inputs, masks):
    # The forward pass itself, for callers that have checked their arguments.
    params, n_layers = model["params"], len(model["sizes"]) - 1
    hidden = HIDDEN_ACTIVATIONS[model["activation"]][0]
    output_activation = TASKS[model["task"]][0]
    cache, values = [], inputs
    for i in range(n_layers):
        z = layers._dense_forward(values, params[f"weights{i}"], params[f"biases{i}"])
        a = output_activation(z) if i == n_layers - 1 else hidden(z)
        cache.append({"inputs": values, "z": z, "a": a, "mask": masks[i]})
        values = a if masks[i] is None else layers._dropout_forward(a, masks[i], model["dropout"])
    return values, cache


def loss(model, outputs, targets):
    """The task's loss of the outputs, and the regularisation penalty of the weights.

    model: a model    outputs: (n_samples, n_outputs), from forward
    targets: labels or one-hot rows (classification), or (n_samples, n_outputs)
    ->    (data_loss, regularisation_loss), two floats

        regularisation_loss = sum over layers of l1 * (sum|W| + sum|b|) + l2 * (sum W**2 + sum b**2)
    """
    model = _checks.model("loss", model, HIDDEN_ACTIVATIONS, TASKS)
    _checks.matrix("loss", "outputs", outputs)
    _checks.length("loss", "outputs", len(outputs[0]), model["sizes"][-1], "columns (the model's outputs)")
    targets = _checks.task_targets("loss", "targets", targets, model["task"], len(outputs), model["sizes"][-1])
    return _loss(model, outputs, targets)


def _loss(model, outputs, targets):
    # The loss itself, for callers that have checked their arguments.
    data_loss = TASKS[model["task"]][1](outputs, targets)
    penalty = 0.0
    for array in model["params"].values():
        if model["l1"]:
            penalty += losses.l1_penalty(array, model["l1"])
        if model["l2"]:
            penalty += losses.l2_penalty(array, model["l2"])
    return data_loss, penalty


def _std(targets):
    values = [t for row in targets for t in row]
    mean = sum(values) / len(values)
    return math.sqrt(sum((t - mean) * (t - mean) for t in values) / len(values))


def _accuracy(model, outputs, targets, precision=None):
    """The task's accuracy: arg-max match, yes/no on the right side of 0.5, or near enough.

    For regression, "near enough" is within precision, by default std(targets) / 250
    as the classic book has it.
    """
    if model["task"] == "classification":
        return losses._accuracy(outputs, targets, _sparse(targets))
    if model["task"] == "binary":
        return losses._binary_accuracy(outputs, targets)
    return losses._regression_accuracy(outputs, targets, _std(targets) / 250 if precision is None else precision)


def backward(model, cache, targets):
    """The backward pass: the gradient of the loss (with its penalties) for every parameter.

    model: a model    cache: from forward    targets: as for loss
    ->    grads: a dict with the names and shapes of model["params"]

    Each layer hands the one below it the gradient with respect to its inputs:
        dz = activation_backward(da);  dinputs, dweights, dbiases = dense_backward(dz, ...)
    """
    model = _checks.model("backward", model, HIDDEN_ACTIVATIONS, TASKS)
    cache = _checks.cache("backward", cache, len(model["sizes"]) - 1)
    targets = _checks.task_targets("backward", "targets", targets, model["task"], len(cache[-1]["a"]),
                                   model["sizes"][-1])
    return _backward(model, cache, targets)


def _backward(model, cache, targets):
    # The backward pass itself, for callers that have checked their arguments.
    params, rate = model["params"], model["dropout"]
    _, hidden_backward, takes = HIDDEN_ACTIVATIONS[model["activation"]]
    outputs = cache[-1]["a"]
    # The output layer's activation and loss differentiate together.
    if model["task"] == "classification":
        dz = losses._softmax_cross_entropy_backward(outputs, targets, _sparse(targets))
    elif model["task"] == "binary":
        dz = activations.sigmoid_backward.unchecked(losses._binary_cross_entropy_backward(outputs, targets), outputs)
    else:
        dz = activations.linear_backward.unchecked(losses._mean_squared_error_backward(outputs, targets))
    grads = {}
    for i in reversed(range(len(cache))):
        # The first layer's inputs are the data: nothing needs their gradient.
        dinputs, dweights, dbiases = layers._dense_backward(dz, cache[i]["inputs"], params[f"weights{i}"], i > 0)
        grads[f"weights{i}"], grads[f"biases{i}"] = dweights, dbiases
        if i > 0:
            below = cache[i - 1]
            if below["mask"] is not None:
                dinputs = layers._dropout_backward(dinputs, below["mask"], rate)
            dz = hidden_backward(dinputs, below["z"] if takes == "inputs" else below["a"])
    for name, array in params.items():
        if model["l1"]:
            grads[name] = _plus(grads[name], losses.l1_penalty_backward(array, model["l1"]))
        if model["l2"]:
            grads[name] = _plus(grads[name], losses.l2_penalty_backward(array, model["l2"]))
    return {name: grads[name] for name in params}


def train_step(model, inputs, targets, optimizer="adam", state=None, hyperparameters=None, seed=0):
    """One step of training on one batch: forward, loss, backward, update.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    optimizer: "sgd", "adagrad", "rmsprop" or "adam"    state: the optimizer's, or None
    hyperparameters: the optimizer's, or None for its defaults    seed: int, for dropout
    ->    (new_model, new_state, metrics)

    metrics: {"loss": data_loss + regularisation_loss, "data_loss", "regularisation", "accuracy"},
    measured on this batch before the update (with dropout, when the model has it).
    """
    model, inputs = _check_inputs("train_step", model, inputs)
    targets = _check_targets("train_step", model, targets, len(inputs))
    hyperparameters = _check_training("train_step", optimizer, state, hyperparameters, seed)
    return _train_step(model, inputs, targets, optimizer, state, hyperparameters, seed)


def _train_step(model, inputs, targets, optimizer, state, hyperparameters, seed):
    # One step itself, for callers that have checked their arguments (train_epoch
    # checks the whole data set once, not every batch again).
    masks = _dropout_masks(model, len(inputs), seed) if model["dropout"] else [None] * (len(model["sizes"]) - 1)
    outputs, cache = _forward(model, inputs, masks)
    data_loss, penalty = _loss(model, outputs, targets)
    metrics = {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty,
               "accuracy": _accuracy(model, outputs, targets)}
    grads = _backward(model, cache, targets)
    iterations = 0 if state is None else state["iterations"]
    params, state = OPTIMIZERS[optimizer](model["params"], grads, state, hyperparameters, iterations)
    return {**model, "params": params}, state, metrics


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
    model, inputs = _check_inputs("train_epoch", model, inputs)
    targets = _check_targets("train_epoch", model, targets, len(inputs))
    n_samples = len(inputs)
    batch_size = n_samples if batch_size is None else _checks.count("train_epoch", "batch_size", batch_size)
    hyperparameters = _check_training("train_epoch", optimizer, state, hyperparameters, seed)
    epoch = _checks.integer("train_epoch", "epoch", epoch)
    if batch_size >= n_samples:
        order = list(range(n_samples))
    else:
        order = rng.permutation(n_samples, seed * 1_000_003 + epoch)
    totals = {"loss": 0.0, "data_loss": 0.0, "regularisation": 0.0, "accuracy": 0.0}
    step_losses = []
    for step, start in enumerate(range(0, n_samples, batch_size)):
        batch = order[start:start + batch_size]
        batch_inputs = [inputs[i] for i in batch]
        batch_targets = [targets[i] for i in batch]
        model, state, metrics = _train_step(model, batch_inputs, batch_targets, optimizer, state,
                                            hyperparameters, _step_seed(seed, epoch, step))
        for key in totals:
            totals[key] += metrics[key] * len(batch)
        step_losses.append(metrics["loss"])
    metrics = {key: total / n_samples for key, total in totals.items()}
    metrics["step_losses"] = step_losses
    return model, state, metrics


def fit(model, inputs, targets, epochs=1, batch_size=None, optimizer="adam", hyperparameters=None, seed=0):
    """Train for a number of epochs; return the trained model and each epoch's metrics.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    epochs: int >= 1    batch_size, optimizer, hyperparameters, seed: as for train_epoch
    ->    (new_model, history), history a list of train_epoch's metrics, one per epoch
    """
    model, inputs = _check_inputs("fit", model, inputs)
    targets = _check_targets("fit", model, targets, len(inputs))
    epochs = _checks.count("fit", "epochs", epochs)
    if batch_size is not None:
        _checks.count("fit", "batch_size", batch_size)
    _check_training("fit", optimizer, None, hyperparameters, seed)
    state, history = None, []
    for epoch in range(epochs):
        model, state, metrics = train_epoch(model, inputs, targets, optimizer, state, hyperparameters,
                                            batch_size, seed, epoch)
        history.append(metrics)
    return model, history


def predict(model, inputs, batch_size=None):
    """The model's outputs for some inputs, without dropout.

    model: a model    inputs: (n_samples, n_inputs)
    batch_size: None for one forward pass, or how many samples per pass: the
    same outputs, with memory for one batch's activations only
    ->    (n_samples, n_outputs)
    """
    model, inputs = _check_inputs("predict", model, inputs)
    batch_size = len(inputs) if batch_size is None else _checks.count("predict", "batch_size", batch_size)
    no_masks = [None] * (len(model["sizes"]) - 1)
    outputs = []
    for start in range(0, len(inputs), batch_size):
        outputs.extend(_forward(model, inputs[start:start + batch_size], no_masks)[0])
    return outputs


def evaluate(model, inputs, targets, batch_size=None):
    """Loss and accuracy of the model on a data set, without dropout.

    model: a model    inputs: (n_samples, n_inputs)    targets: as for loss
    batch_size: as for predict
    ->    {"loss", "data_loss", "regularisation", "accuracy"}

    In batches, the loss and accuracy are the batches' means weighted by their sizes.
    """
    model, inputs = _check_inputs("evaluate", model, inputs)
    targets = _check_targets("evaluate", model, targets, len(inputs))
    n_samples = len(inputs)
    batch_size = n_samples if batch_size is None else _checks.count("evaluate", "batch_size", batch_size)
    precision = _std(targets) / 250 if model["task"] == "regression" else None
    no_masks = [None] * (len(model["sizes"]) - 1)
    data_loss = correct = penalty = 0.0
    for start in range(0, n_samples, batch_size):
        batch_targets = targets[start:start + batch_size]
        outputs = _forward(model, inputs[start:start + batch_size], no_masks)[0]
        batch_loss, penalty = _loss(model, outputs, batch_targets)
        data_loss += batch_loss * len(outputs) / n_samples
        correct += _accuracy(model, outputs, batch_targets, precision) * len(outputs) / n_samples
    return {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty, "accuracy": correct}


def _canonical(model):
    """The model as JSON text in one fixed form: the bytes its checksum is taken of."""
    return json.dumps(model, sort_keys=True, separators=(",", ":"), allow_nan=False)


def save(model, path):
    """Write a model to a JSON file that either twin can load, atomically.

    model: a model    path: a file name    ->    None

    The file holds the format's name and version, the model, and the SHA-256 of
    the model's canonical JSON, so that a truncated or edited file is refused
    by load. It is written to a temporary file beside path, then renamed over
    it: a crash midway leaves the old file (or none), never half a file.
    """
    model = _checks.model("save", model, HIDDEN_ACTIVATIONS, TASKS)
    path = _checks.path("save", "path", path)
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


def load(path):
    """Read a model that save wrote (by either twin).

    path: a file name    ->    model

    Raises ValueError naming the file when it is not a complete, unedited twinnet
    model file: not JSON (a truncated file), the wrong format or version, a
    checksum that does not match, or parameters that do not fit the sizes.
    """
    path = _checks.path("load", "path", path)
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
    return model
