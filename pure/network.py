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
"""

import contextlib
import hashlib
import json
import math
import os
import shlex
import tempfile

from pure import _checks, activations, layers, losses, optimizers, rng

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
MODEL_IN_DTYPE = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS, dtype="dtype")  # converted to the argument dtype
MODEL_TO_SAVE = _checks.model_among(HIDDEN_ACTIVATIONS, TASKS, file="path")  # NaN: "nothing was written to path"
TARGETS = _checks.network_targets("inputs")
OPTIMIZER = _checks.one_of(OPTIMIZERS)
HYPERPARAMETERS = _checks.hyperparameters_for(optimizers.DEFAULTS)
STATE = _checks.state_for_optimizer(optimizers.STATES)


def _mask_rows(func, name, value, arguments):
    """n_samples: rows of a mask for each hidden layer, no more than MAX_VALUES values in the widest."""
    widest = max(arguments["model"]["sizes"][1:-1], default=1)
    return _checks.count_times(widest, what="values in a mask")(func, name, value, arguments)

FILE_FORMAT = "twinnet-model"
FILE_VERSION = 1


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


def _plus(a, b):
    """Element by element sum of two vectors or two matrices of one shape."""
    if isinstance(a[0], list):
        return [[x + y for x, y in zip(row_a, row_b)] for row_a, row_b in zip(a, b)]
    return [x + y for x, y in zip(a, b)]


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
    return contextlib.nullcontext()  # Python's floats overflow to inf and NaN silently already


def _not_finite(params):
    """Where the first NaN or infinity among the parameters is, as ("weights1[0][2]", value), or None."""
    for name, array in params.items():
        bad = _checks.not_finite(array)
        if bad is not None:
            return name + bad[0], bad[1]
    return None


@_checks.takes(sizes="layer sizes", activation=_checks.one_of(HIDDEN_ACTIVATIONS), task=_checks.one_of(TASKS),
               dropout="rate", l1="non-negative", l2="non-negative", seed="seed",
               init=_checks.one_of(layers.INIT_SCALES), dtype="model dtype")
def create(sizes, activation="relu", task="classification", seed=0, init="he", dropout=0.0, l1=0.0, l2=0.0,
           dtype="float64"):
    """A new model with weights drawn from a seed.

    sizes: [n_inputs, hidden sizes..., n_outputs]    activation: a HIDDEN_ACTIVATIONS name
    task: "classification" (softmax, cross-entropy), "binary" (sigmoid, binary
    cross-entropy) or "regression" (linear, mean squared error)
    seed: int    init: "classic", "he" or "glorot"    dropout: rate in [0, 1)
    l1, l2: penalty strengths >= 0
    dtype: "float64", or "float32" for the vectorized twin alone (see Precision above)
    ->    model (a dict)

    Layer i is drawn by layers.init_dense with seed seed * 1000 + i; biases start at 0.
    A float32 model holds the float64 draws rounded to float32.
    """
    params = {}
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights, biases = layers.init_dense.unchecked(n_inputs, n_neurons, _layer_seed(seed, i), init)
        params[f"weights{i}"], params[f"biases{i}"] = weights, biases
    return {"sizes": sizes, "activation": activation, "task": task, "dropout": dropout, "l1": l1, "l2": l2,
            "params": _checks.one_dtype(params, dtype)}


@_checks.takes(model=MODEL, n_samples=_mask_rows, seed="seed")
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
    values = [t for row in targets for t in row]
    mean = sum(values) / len(values)
    return math.sqrt(sum((t - mean) * (t - mean) for t in values) / len(values))


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
            grads[name] = _plus(grads[name], losses.l1_penalty_backward.unchecked(array, model["l1"]))
        if model["l2"]:
            grads[name] = _plus(grads[name], losses.l2_penalty_backward.unchecked(array, model["l2"]))
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
            batch = order[start:start + batch_size]
            batch_inputs, batch_targets = [inputs[i] for i in batch], [targets[i] for i in batch]
        try:
            model, state, metrics = train_step.unchecked(model, batch_inputs, batch_targets, optimizer, state,
                                                         hyperparameters, _step_seed(seed, epoch, step))
        except Diverged as error:
            raise error.passed_on("train_epoch", epoch=epoch, step=step,
                                  step_losses=step_losses + [error.loss]) from None
        for key in totals:
            totals[key] += metrics[key] * len(batch_inputs)
        step_losses.append(metrics["loss"])
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

    model: a model    inputs: (n_samples, n_inputs)
    batch_size: None for one forward pass, or how many samples per pass: the
    same outputs, with memory for one batch's activations only
    ->    (n_samples, n_outputs)
    """
    batch_size = len(inputs) if batch_size is None else batch_size
    no_masks = [None] * (len(model["sizes"]) - 1)
    with _quiet():
        if batch_size >= len(inputs):
            return forward.unchecked(model, inputs, no_masks)[0]
        outputs = []
        for start in range(0, len(inputs), batch_size):
            outputs.extend(forward.unchecked(model, inputs[start:start + batch_size], no_masks)[0])
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
        with _quiet():
            outputs = forward.unchecked(model, inputs[start:start + batch_size], no_masks)[0]
            batch_loss, penalty = loss.unchecked(model, outputs, batch_targets)
        data_loss += batch_loss * len(outputs) / n_samples
        correct += _accuracy(model, outputs, batch_targets, precision) * len(outputs) / n_samples
    return {"loss": data_loss + penalty, "data_loss": data_loss, "regularisation": penalty, "accuracy": correct}


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

    The file holds the format's name and version, the model, and the SHA-256 of
    the model's canonical JSON, so that a truncated or edited file is refused
    by load. It is written to a temporary file beside path, then renamed over
    it: a crash midway leaves the old file (or none), never half a file. The
    file gets the mode the umask gives new files; an OSError names path.
    """
    try:
        body = _canonical(model)
    except ValueError:  # a NaN or an infinity the checks let through (in l1 or l2)
        body = None
    if body is None:
        _checks.fail(ValueError, "save", f"model expected finite numbers, got NaN or infinity: nothing was "
                                         f"written to {path}")
    document = {"format": FILE_FORMAT, "version": FILE_VERSION,
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
    """Read a model that save wrote (by either twin).

    path: a file name    ->    model

    Raises ValueError naming the file when it is not a complete, unedited twinnet
    model file: not JSON text (binary, truncated, nested too deeply), the wrong
    format or version, NaN or infinity, a checksum that does not match, or
    parameters that do not fit the sizes. Each message ends with how to make a
    file edited by hand load again.
    """
    with open(path, "rb") as file:
        document = _document(path, file.read())
    _checks.model_file("load", path, document, FILE_FORMAT, FILE_VERSION)
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
        return _checks.model("load", document["model"], HIDDEN_ACTIVATIONS, TASKS)
    except (TypeError, ValueError) as error:
        message = str(error)
    raise ValueError(f'{message}; correct "model" in {path} (and then its "sha256", as load says), or {_SAVE_AGAIN}')
