"""Neurons and dense layers, written as plain loops over lists.

Weights are stored ``(n_inputs, n_neurons)``: row i holds the weights that input i
sends to every neuron, so column j is neuron j's weight vector. With that layout a
batch's outputs are ``inputs @ weights + biases``, as in the classic book.
"""

import math

from pure import _checks, rng

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
    _checks.vector("neuron", "inputs", inputs)
    _checks.vector("neuron", "weights", weights)
    _checks.length("neuron", "weights", len(weights), len(inputs), "values (one per input)")
    bias = _checks.number("neuron", "bias", bias)
    output = bias
    for x, w in zip(inputs, weights):
        output += x * w
    return output


def layer(inputs, weights, biases):
    """A layer of neurons applied to one sample: every neuron sees every input.

    inputs: (n_inputs,)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    (n_neurons,)

        outputs[j] = sum_i inputs[i] * weights[i][j] + biases[j]
    """
    _checks.vector("layer", "inputs", inputs)
    _checks.matrix("layer", "weights", weights)
    _checks.vector("layer", "biases", biases)
    _checks.length("layer", "weights", len(weights), len(inputs), "rows (one per input)")
    _checks.length("layer", "biases", len(biases), len(weights[0]), "values (one per neuron)")
    outputs = list(biases)
    # Input i adds inputs[i] * weights[i][j] to every neuron j; going input by
    # input reads each weight row from front to back.
    for x, weight_row in zip(inputs, weights):
        for j, w in enumerate(weight_row):
            outputs[j] += x * w
    return outputs


def dense_forward(inputs, weights, biases):
    """A dense layer applied to a batch: the layer above, once per sample (row).

    inputs: (n_samples, n_inputs)    weights: (n_inputs, n_neurons)    biases: (n_neurons,)
    ->    outputs: (n_samples, n_neurons)

        outputs = inputs @ weights + biases
    """
    _checks.matrix("dense_forward", "inputs", inputs)
    _checks.matrix("dense_forward", "weights", weights)
    _checks.vector("dense_forward", "biases", biases)
    _checks.length("dense_forward", "weights", len(weights), len(inputs[0]), "rows (one per input feature)")
    _checks.length("dense_forward", "biases", len(biases), len(weights[0]), "values (one per neuron)")
    return _dense_forward(inputs, weights, biases)


def _dense_forward(inputs, weights, biases):
    # dense_forward itself, for callers that have checked its arguments (the network).
    outputs = []
    for sample in inputs:
        row = list(biases)
        for x, weight_row in zip(sample, weights):
            for j, w in enumerate(weight_row):
                row[j] += x * w
        outputs.append(row)
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
    _checks.matrix("dense_backward", "dvalues", dvalues)
    _checks.matrix("dense_backward", "inputs", inputs)
    _checks.matrix("dense_backward", "weights", weights)
    _checks.length("dense_backward", "inputs", len(inputs), len(dvalues), "rows (one per sample of dvalues)")
    _checks.length("dense_backward", "weights", len(weights), len(inputs[0]), "rows (one per input feature)")
    _checks.length("dense_backward", "weights", len(weights[0]), len(dvalues[0]), "columns (one per neuron)")
    return _dense_backward(dvalues, inputs, weights, need_dinputs)


def _dense_backward(dvalues, inputs, weights, need_dinputs):
    # dense_backward itself, for callers that have checked its arguments (the network).
    n_neurons = len(weights[0])
    dinputs = [] if need_dinputs else None
    dweights = [[0.0] * n_neurons for _ in weights]
    dbiases = [0.0] * n_neurons
    for sample, grad_row in zip(inputs, dvalues):
        # Weight [i][j] carried input i to neuron j. Going back through it,
        # neuron j's gradient g does two things: the weight's own gradient
        # gains input i times g, and input i's gradient gains g times the weight.
        if need_dinputs:
            dinput_row = []
            for x, weight_row, dweight_row in zip(sample, weights, dweights):
                total = 0.0
                for j, g in enumerate(grad_row):
                    dweight_row[j] += x * g
                    total += g * weight_row[j]
                dinput_row.append(total)
            dinputs.append(dinput_row)
        else:
            for x, dweight_row in zip(sample, dweights):
                for j, g in enumerate(grad_row):
                    dweight_row[j] += x * g
        for j, g in enumerate(grad_row):
            dbiases[j] += g
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
    weights = [[scale * z for z in row] for row in rng.normal((n_inputs, n_neurons), seed)]
    return weights, [0.0] * n_neurons


def dropout_mask(shape, rate, seed):
    """A dropout mask drawn from a seed: 1.0 keeps a value, 0.0 drops it.

    shape: (n_samples, n_neurons)    rate: float in [0, 1), the fraction dropped    seed: int
    ->    mask: (n_samples, n_neurons)

        mask[i][j] = 1 if rng.uniform(shape, seed)[i][j] >= rate else 0
    """
    shape = _checks.shape_argument("dropout_mask", "shape", shape)
    rate = _checks.rate("dropout_mask", "rate", rate)
    seed = _checks.seed("dropout_mask", "seed", seed)
    return [[1.0 if u >= rate else 0.0 for u in row] for row in rng.uniform(shape, seed)]


def dropout_forward(inputs, mask, rate):
    """Dropout while training: zero the values the mask drops, and scale up the rest.

    inputs: (n_samples, n_neurons)    mask: (n_samples, n_neurons) of 0s and 1s
    rate: float in [0, 1), the fraction dropped    ->    (n_samples, n_neurons)

        outputs = inputs * mask / (1 - rate)

    Dividing by the fraction kept, 1 - rate, keeps each value's expected size
    the same as without dropout, so nothing needs rescaling at prediction time.
    """
    _checks.matrix("dropout_forward", "inputs", inputs)
    _checks.matrix("dropout_forward", "mask", mask)
    _checks.same_shape("dropout_forward", "inputs", inputs, "mask", mask)
    rate = _checks.rate("dropout_forward", "rate", rate)
    return _dropout_forward(inputs, mask, rate)


def _dropout_forward(inputs, mask, rate):
    # dropout_forward itself, for callers that have checked its arguments (the network).
    return [[x * m / (1.0 - rate) for x, m in zip(row, mask_row)] for row, mask_row in zip(inputs, mask)]


def dropout_backward(dvalues, mask, rate):
    """Gradient of dropout: the upstream gradient through the kept values, scaled alike.

    dvalues: (n_samples, n_neurons)    mask: (n_samples, n_neurons)    rate: float in [0, 1)
    ->    dinputs: (n_samples, n_neurons)

        dinputs = dvalues * mask / (1 - rate)
    """
    _checks.matrix("dropout_backward", "dvalues", dvalues)
    _checks.matrix("dropout_backward", "mask", mask)
    _checks.same_shape("dropout_backward", "dvalues", dvalues, "mask", mask)
    rate = _checks.rate("dropout_backward", "rate", rate)
    return _dropout_backward(dvalues, mask, rate)


def _dropout_backward(dvalues, mask, rate):
    # dropout_backward itself, for callers that have checked its arguments (the network).
    return [[g * m / (1.0 - rate) for g, m in zip(row, mask_row)] for row, mask_row in zip(dvalues, mask)]
