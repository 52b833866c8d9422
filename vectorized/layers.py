"""Neurons and dense layers, vectorized with NumPy.

Weights are stored ``(n_inputs, n_neurons)``: row i holds the weights that input i
sends to every neuron, so column j is neuron j's weight vector. With that layout a
batch's outputs are ``inputs @ weights + biases``, as in the classic book.
"""

import math

import numpy as np

from vectorized import _checks, rng

# Standard deviation of the initial weights, for each initialisation method.
INIT_SCALES = {
    "classic": lambda n_inputs, n_neurons: 0.01,
    "he": lambda n_inputs, n_neurons: math.sqrt(2.0 / n_inputs),
    "glorot": lambda n_inputs, n_neurons: math.sqrt(2.0 / (n_inputs + n_neurons)),
}


def neuron(inputs, weights, bias):
    """One neuron: a weighted sum of its inputs plus a bias.

    inputs: (n_inputs,)    weights: (n_inputs,)    bias: float    ->    float

        output = sum_i inputs[i] * weights[i] + bias
    """
    inputs = _checks.vector("neuron", "inputs", inputs)
    weights = _checks.vector("neuron", "weights", weights)
    _checks.length("neuron", "weights", weights.shape[0], inputs.shape[0], "values (one per input)")
    bias = _checks.number("neuron", "bias", bias)
    return float(np.dot(inputs, weights) + bias)


def layer(inputs, weights, biases):
    """A layer of neurons applied to one sample: every neuron sees every input.

    inputs: (n_inputs,)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    (n_neurons,)

        outputs[j] = sum_i inputs[i] * weights[i][j] + biases[j]
    """
    inputs = _checks.vector("layer", "inputs", inputs)
    weights = _checks.matrix("layer", "weights", weights)
    biases = _checks.vector("layer", "biases", biases)
    _checks.length("layer", "weights", weights.shape[0], inputs.shape[0], "rows (one per input)")
    _checks.length("layer", "biases", biases.shape[0], weights.shape[1], "values (one per neuron)")
    return inputs @ weights + biases


def dense_forward(inputs, weights, biases):
    """A dense layer applied to a batch: the layer above, once per sample (row).

    inputs: (n_samples, n_inputs)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    outputs: (n_samples, n_neurons)

        outputs = inputs @ weights + biases
    """
    inputs = _checks.matrix("dense_forward", "inputs", inputs)
    weights = _checks.matrix("dense_forward", "weights", weights)
    biases = _checks.vector("dense_forward", "biases", biases)
    _checks.length("dense_forward", "weights", weights.shape[0], inputs.shape[1], "rows (one per input feature)")
    _checks.length("dense_forward", "biases", biases.shape[0], weights.shape[1], "values (one per neuron)")
    return _dense_forward(inputs, weights, biases)


def _dense_forward(inputs, weights, biases):
    # dense_forward itself, for callers that have checked its arguments (the network).
    # One matrix product does every sample at once; the bias row broadcasts.
    outputs = inputs @ weights
    outputs += biases
    return outputs


def dense_backward(dvalues, inputs, weights, need_dinputs=True):
    """Gradients of a dense layer, given the gradient of the loss with respect to its outputs.

    dvalues: (n_samples, n_neurons)    inputs: (n_samples, n_inputs)
    weights: (n_inputs, n_neurons)    need_dinputs: False skips dinputs (None is returned)
    ->    dinputs: (n_samples, n_inputs), dweights: (n_inputs, n_neurons),
          dbiases: (n_neurons,)

        dinputs  = dvalues @ weights.T     (each input fed every neuron)
        dweights = inputs.T @ dvalues      (summed over the samples)
        dbiases  = sum over samples of dvalues

    A network's first layer passes need_dinputs=False: its inputs are the data,
    and nothing below it needs their gradient.
    """
    dvalues = _checks.matrix("dense_backward", "dvalues", dvalues)
    inputs = _checks.matrix("dense_backward", "inputs", inputs)
    weights = _checks.matrix("dense_backward", "weights", weights)
    _checks.length("dense_backward", "inputs", inputs.shape[0], dvalues.shape[0], "rows (one per sample of dvalues)")
    _checks.length("dense_backward", "weights", weights.shape[0], inputs.shape[1], "rows (one per input feature)")
    _checks.length("dense_backward", "weights", weights.shape[1], dvalues.shape[1], "columns (one per neuron)")
    return _dense_backward(dvalues, inputs, weights, need_dinputs)


def _dense_backward(dvalues, inputs, weights, need_dinputs):
    # dense_backward itself, for callers that have checked its arguments (the network).
    dinputs = dvalues @ weights.T if need_dinputs else None
    # inputs.T @ dvalues adds up, for every weight, input times gradient over
    # the samples: the sum the pure twin writes as a loop.
    dweights = inputs.T @ dvalues
    dbiases = dvalues.sum(axis=0)
    return dinputs, dweights, dbiases


def init_dense(n_inputs, n_neurons, seed, method="classic"):
    """Initial weights and biases for a dense layer, drawn from a seed.

    n_inputs: int    n_neurons: int    seed: int    method: "classic", "he" or "glorot"
    ->    weights: (n_inputs, n_neurons), biases: (n_neurons,) zeros

        weights = scale * N(0, 1), with scale
            classic: 0.01                          (the book's small random weights)
            he:      sqrt(2 / n_inputs)            (keeps ReLU activations' variance steady)
            glorot:  sqrt(2 / (n_inputs + n_neurons))   (the same for tanh and sigmoid)

    The normal numbers come from rng.normal, drawn row by row, so both twins
    start from identical weights for the same seed.
    """
    n_inputs = _checks.count("init_dense", "n_inputs", n_inputs)
    n_neurons = _checks.count("init_dense", "n_neurons", n_neurons)
    seed = _checks.seed("init_dense", "seed", seed)
    scale = INIT_SCALES[_checks.choice("init_dense", "method", method, INIT_SCALES)](n_inputs, n_neurons)
    weights = scale * rng.normal((n_inputs, n_neurons), seed)
    return weights, np.zeros(n_neurons)


def dropout_mask(shape, rate, seed):
    """A dropout mask drawn from a seed: 1.0 keeps a value, 0.0 drops it.

    shape: (n_samples, n_neurons)    rate: float in [0, 1), the fraction dropped    seed: int
    ->    mask: (n_samples, n_neurons)

        mask[i][j] = 1 if rng.uniform(shape, seed)[i][j] >= rate else 0
    """
    shape = _checks.shape_argument("dropout_mask", "shape", shape)
    rate = _checks.rate("dropout_mask", "rate", rate)
    seed = _checks.seed("dropout_mask", "seed", seed)
    return (rng.uniform(shape, seed) >= rate).astype(np.float64)


def dropout_forward(inputs, mask, rate):
    """Dropout while training: zero the values the mask drops, and scale up the rest.

    inputs: (n_samples, n_neurons)    mask: (n_samples, n_neurons) of 0s and 1s
    rate: float in [0, 1), the fraction dropped    ->    (n_samples, n_neurons)

        outputs = inputs * mask / (1 - rate)

    Dividing by the fraction kept, 1 - rate, keeps each value's expected size
    the same as without dropout, so nothing needs rescaling at prediction time.
    """
    inputs = _checks.matrix("dropout_forward", "inputs", inputs)
    mask = _checks.matrix("dropout_forward", "mask", mask)
    _checks.same_shape("dropout_forward", "inputs", inputs, "mask", mask)
    rate = _checks.rate("dropout_forward", "rate", rate)
    return _dropout_forward(inputs, mask, rate)


def _dropout_forward(inputs, mask, rate):
    # dropout_forward itself, for callers that have checked its arguments (the network).
    # The mask takes the inputs' precision, so float32 training stays float32.
    return inputs * mask.astype(inputs.dtype, copy=False) / (1.0 - rate)


def dropout_backward(dvalues, mask, rate):
    """Gradient of dropout: the upstream gradient through the kept values, scaled alike.

    dvalues: (n_samples, n_neurons)    mask: (n_samples, n_neurons)    rate: float in [0, 1)
    ->    dinputs: (n_samples, n_neurons)

        dinputs = dvalues * mask / (1 - rate)
    """
    dvalues = _checks.matrix("dropout_backward", "dvalues", dvalues)
    mask = _checks.matrix("dropout_backward", "mask", mask)
    _checks.same_shape("dropout_backward", "dvalues", dvalues, "mask", mask)
    rate = _checks.rate("dropout_backward", "rate", rate)
    return _dropout_backward(dvalues, mask, rate)


def _dropout_backward(dvalues, mask, rate):
    # dropout_backward itself, for callers that have checked its arguments (the network).
    return dvalues * mask.astype(dvalues.dtype, copy=False) / (1.0 - rate)
