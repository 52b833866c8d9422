"""How to call an operation for the uniform checks, where its own signature does not say.

Two kinds of adapter, each named by a registry entry:

- Gradient adapters: what a ``*_backward`` is the gradient of. The gradient
  check (:mod:`twinnet.contract.gradcheck`) runs the forward computation,
  measures its gradient by central differences, and calls the backward with
  arguments built from the forward's.
- File round trips: the operations that read or write files (saving a model,
  reading IDX files) are compared by running both twins on the same files, in
  a temporary folder, instead of on values.
"""

import gzip
import pathlib
import struct
import tempfile
from dataclasses import dataclass
from typing import Callable

import numpy as np

from twinnet.contract.twins import TWINS

# ---------------------------------------------------------------- gradient adapters


@dataclass(frozen=True)
class Gradient:
    """What a ``*_backward`` operation is the gradient of, for the gradient checks.

    forward(twin, **kwargs) computes the forward value in one twin: a matrix, to
    be weighted by a random upstream gradient ``dvalues``, or a float (a loss).
    backward_kwargs(twin, kwargs, outputs, dvalues) builds the backward call's
    arguments from the forward's. ``wrt`` names the forward arguments that the
    backward's results are the gradients of, in the order it returns them.
    """

    forward: Callable
    backward_kwargs: Callable
    wrt: object  # a tuple of names, or a function of the forward kwargs giving one
    inputs: str  # strategy for forward kwargs away from kinks and clips

    def names(self, kwargs):
        return self.wrt(kwargs) if callable(self.wrt) else self.wrt


def elementwise_gradient(module, name, by=None, *, inputs):
    """The gradient of ``module.name(inputs, **options)`` (an activation, dropout).

    Its backward takes ``dvalues``, the same options, and, when ``by`` is given,
    the forward's ``"inputs"`` or its ``"outputs"``.
    """

    def forward(twin, **kwargs):
        return twin.function(module, name)(**kwargs)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        options = {key: value for key, value in kwargs.items() if key != "inputs"}
        if by is not None:
            options[by] = kwargs["inputs"] if by == "inputs" else outputs
        return {"dvalues": dvalues, **options}

    return Gradient(forward=forward, backward_kwargs=backward_kwargs, wrt=("inputs",), inputs=inputs)


def loss_gradient(name, wrt, *, inputs):
    """The gradient of the loss ``losses.name``, whose backward takes the loss's own arguments."""

    def forward(twin, **kwargs):
        return twin.function("losses", name)(**kwargs)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        return dict(kwargs)

    return Gradient(forward=forward, backward_kwargs=backward_kwargs, wrt=(wrt,), inputs=inputs)


def _dense_forward(twin, inputs, weights, biases):
    return twin.layers.dense_forward(inputs, weights, biases)


def _dense_backward_kwargs(twin, kwargs, outputs, dvalues):
    return {"dvalues": dvalues, "inputs": kwargs["inputs"], "weights": kwargs["weights"]}


def dense_gradient(*, inputs):
    """The gradient of ``dense_forward`` with respect to its inputs, weights and biases."""
    return Gradient(forward=_dense_forward, backward_kwargs=_dense_backward_kwargs,
                    wrt=("inputs", "weights", "biases"), inputs=inputs)


def _softmax_then_cross_entropy(twin, logits, targets):
    return twin.losses.categorical_cross_entropy(twin.activations.softmax(logits), targets)


def _softmax_cross_entropy_kwargs(twin, kwargs, outputs, dvalues):
    return {"probabilities": twin.activations.softmax(kwargs["logits"]), "targets": kwargs["targets"]}


def softmax_cross_entropy_gradient(*, inputs):
    """The gradient of cross-entropy after softmax, with respect to the logits."""
    return Gradient(forward=_softmax_then_cross_entropy, backward_kwargs=_softmax_cross_entropy_kwargs,
                    wrt=("logits",), inputs=inputs)


def _network_model(twin, kwargs):
    """The model and its dropout masks, from the gradient strategy's flat kwargs (parameters by name)."""
    params = {name: value for name, value in kwargs.items() if name.startswith(("weights", "biases"))}
    model = {**kwargs["settings"], "params": params}
    masks = twin.network.dropout_masks(model, len(kwargs["inputs"]), kwargs["seed"]) if model["dropout"] else None
    return model, masks


def _network_objective(twin, **kwargs):
    model, masks = _network_model(twin, kwargs)
    outputs, _ = twin.network.forward(model, kwargs["inputs"], masks)
    data_loss, penalty = twin.network.loss(model, outputs, kwargs["targets"])
    return data_loss + penalty


def _network_backward_kwargs(twin, kwargs, outputs, dvalues):
    model, masks = _network_model(twin, kwargs)
    _, cache = twin.network.forward(model, kwargs["inputs"], masks)
    return {"model": model, "cache": cache, "targets": kwargs["targets"]}


def _parameter_names(kwargs):
    return tuple(name for name in kwargs if name.startswith(("weights", "biases")))


def network_gradient(*, inputs):
    """The gradient of a whole network's loss (plus penalty) with respect to every parameter."""
    return Gradient(forward=_network_objective, backward_kwargs=_network_backward_kwargs, wrt=_parameter_names,
                    inputs=inputs)


def conv_gradient(name, wrt=("inputs",), *, inputs):
    """The gradient of ``conv.name`` (conv2d, a pooling, flatten) with respect to ``wrt``.

    Its backward takes ``dvalues`` and the forward's arguments but the biases;
    flatten_backward takes the inputs' shape instead of the inputs.
    """

    def forward(twin, **kwargs):
        return twin.function("conv", name)(**kwargs)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        if name == "flatten":
            return {"dvalues": dvalues, "shape": np.shape(kwargs["inputs"])}
        return {"dvalues": dvalues, **{key: value for key, value in kwargs.items() if key != "biases"}}

    return Gradient(forward=forward, backward_kwargs=backward_kwargs, wrt=wrt, inputs=inputs)


def normalization_gradient(name, *, inputs):
    """The gradient of ``normalization.name`` (layer_norm, batch_norm, batch_norm_inference) with respect to
    its inputs, gamma and beta. Its backward takes ``dvalues`` and the forward's arguments but beta."""

    def forward(twin, **kwargs):
        return twin.function("normalization", name)(**kwargs)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        return {"dvalues": dvalues, **{key: value for key, value in kwargs.items() if key != "beta"}}

    return Gradient(forward=forward, backward_kwargs=backward_kwargs, wrt=("inputs", "gamma", "beta"), inputs=inputs)


def attention_gradient(name, wrt, upstream="dvalues", *, inputs):
    """The gradient of ``attention.name`` (embedding, attention, multi-head attention) with respect to ``wrt``.

    Its backward takes the upstream gradient, under the name ``upstream`` (scaled dot-product attention
    calls it ``doutputs``), and the forward's arguments; embedding_backward takes the table's number of
    rows instead of the table. Masks and token indices are passed along, never differentiated.
    """

    def forward(twin, **kwargs):
        return twin.function("attention", name)(**kwargs)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        arguments = dict(kwargs)
        if name == "embedding":
            arguments["vocabulary"] = len(arguments.pop("table"))
        return {upstream: dvalues, **arguments}

    return Gradient(forward=forward, backward_kwargs=backward_kwargs, wrt=wrt, inputs=inputs)


# ---------------------------------------------------------------- file round trips
# Each takes (operation, kwargs) and returns (pure result, vectorized result).


def save_in_both(operation, kwargs):
    """Both twins save the same model; the results are the files' bytes, which must be equal."""
    with tempfile.TemporaryDirectory() as folder:
        paths = {twin: pathlib.Path(folder, f"{twin}.json") for twin in TWINS}
        for name, twin in TWINS.items():
            twin.network.save(twin.convert(kwargs["model"]), paths[name])
        return paths["pure"].read_bytes(), paths["vectorized"].read_bytes()


def load_in_both(operation, kwargs):
    """One file, saved by the pure twin, loaded by both."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder, "model.json")
        TWINS["pure"].network.save(TWINS["pure"].convert(kwargs["model"]), path)
        return TWINS["pure"].network.load(path), TWINS["vectorized"].network.load(path)


def idx_bytes(images=None, labels=None):
    """The bytes of an IDX images file (magic 2051) or labels file (magic 2049)."""
    if images is not None:
        images = np.asarray(images, dtype=np.uint8)
        return struct.pack(">IIII", 2051, *images.shape) + images.tobytes()
    labels = np.asarray(labels, dtype=np.uint8)
    return struct.pack(">II", 2049, len(labels)) + labels.tobytes()


# What each reader of pure/data.py and vectorized/data.py takes, from the files and the drawn kwargs.
_IDX_ARGUMENTS = {
    "read_images": lambda paths, kwargs: (paths["images"], kwargs["limit"], kwargs["dtype"]),
    "read_labels": lambda paths, kwargs: (paths["labels"], kwargs["limit"]),
    "load_idx": lambda paths, kwargs: (paths["images"], paths["labels"], kwargs["limit"], kwargs["dtype"]),
}


def idx_in_both(operation, kwargs):
    """Write the drawn images and labels as IDX files, then read them with both twins."""
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for kind in ("images", "labels"):
            body = idx_bytes(**{kind: kwargs[kind]})
            paths[kind] = pathlib.Path(folder, f"{kind}.idx" + (".gz" if kwargs["gzipped"] else ""))
            paths[kind].write_bytes(gzip.compress(body) if kwargs["gzipped"] else body)
        arguments = _IDX_ARGUMENTS[operation.name](paths, kwargs)
        return tuple(TWINS[twin].function("data", operation.name)(*arguments) for twin in ("pure", "vectorized"))
