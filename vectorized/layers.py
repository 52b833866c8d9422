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


@_checks.takes(inputs="vector", weights="vector, values = values of inputs (one per input)", bias="number")
def neuron(inputs, weights, bias):
    """One neuron: a weighted sum of its inputs plus a bias.

    inputs: (n_inputs,)    weights: (n_inputs,)    bias: float    ->    float

        output = sum_i inputs[i] * weights[i] + bias
    """
    return float(np.dot(inputs, weights) + bias)


@_checks.takes(inputs="vector", weights="matrix, rows = values of inputs (one per input)",
               biases="vector, values = columns of weights (one per neuron)")
def layer(inputs, weights, biases):
    """A layer of neurons applied to one sample: every neuron sees every input.

    inputs: (n_inputs,)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    (n_neurons,)

        outputs[j] = sum_i inputs[i] * weights[i][j] + biases[j]
    """
    # One sample is a batch of one row: the same product as dense_forward's.
    return inputs @ weights + biases


@_checks.takes(inputs="matrix", weights="matrix, rows = columns of inputs (one per input feature)",
               biases="vector, values = columns of weights (one per neuron)")
def dense_forward(inputs, weights, biases):
    """A dense layer applied to a batch: the layer above, once per sample (row).

    inputs: (n_samples, n_inputs)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    outputs: (n_samples, n_neurons)

        outputs = inputs @ weights + biases
    """
    return inputs @ weights + biases


@_checks.takes(dvalues="matrix", inputs="matrix, rows = rows of dvalues (one per sample of dvalues)",
               weights="matrix, rows = columns of inputs (one per input feature),"
                       " columns = columns of dvalues (one per neuron)",
               need_dinputs="flag")
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
    dinputs = dvalues @ weights.T if need_dinputs else None
    dweights = inputs.T @ dvalues
    dbiases = dvalues.sum(axis=0)
    return dinputs, dweights, dbiases


@_checks.takes(n_inputs="count", n_neurons=_checks.count_times("n_inputs", what="weights"), seed="seed",
               method=_checks.one_of(INIT_SCALES))
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
    scale = INIT_SCALES[method](n_inputs, n_neurons)
    weights = scale * rng.normal((n_inputs, n_neurons), seed)
    return weights, np.zeros(n_neurons)


@_checks.takes(shape="shape", rate="rate", seed="seed")
def dropout_mask(shape, rate, seed):
    """A dropout mask drawn from a seed: 1.0 keeps a value, 0.0 drops it.

    shape: (n_samples, n_neurons)    rate: float in [0, 1), the fraction dropped    seed: int
    ->    mask: (n_samples, n_neurons)

        mask[i][j] = 1 if rng.uniform(shape, seed)[i][j] >= rate else 0
    """
    return (rng.uniform(shape, seed) >= rate).astype(np.float64)


@_checks.takes(inputs="matrix", mask="matrix like inputs", rate="rate")
def dropout_forward(inputs, mask, rate):
    """Dropout while training: zero the values the mask drops, and scale up the rest.

    inputs: (n_samples, n_neurons)    mask: (n_samples, n_neurons) of 0s and 1s
    rate: float in [0, 1), the fraction dropped    ->    (n_samples, n_neurons)

        outputs = inputs * mask / (1 - rate)

    Dividing by the fraction kept, 1 - rate, keeps each value's expected size
    the same as without dropout, so nothing needs rescaling at prediction time.
    """
    # The mask takes the inputs' precision, so float32 training stays float32.
    return inputs * mask.astype(inputs.dtype, copy=False) / (1.0 - rate)


@_checks.takes(dvalues="matrix", mask="matrix like dvalues", rate="rate")
def dropout_backward(dvalues, mask, rate):
    """Gradient of dropout: the upstream gradient through the kept values, scaled alike.

    dvalues: (n_samples, n_neurons)    mask: (n_samples, n_neurons)    rate: float in [0, 1)
    ->    dinputs: (n_samples, n_neurons)

        dinputs = dvalues * mask / (1 - rate)
    """
    # Dropout multiplies each value by a constant, mask / (1 - rate), so its
    # gradient is the upstream gradient times that same constant.
    return dropout_forward.unchecked(dvalues, mask, rate)
