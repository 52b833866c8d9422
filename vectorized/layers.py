"""Neurons and dense layers, vectorized with NumPy.

Weights are stored ``(n_inputs, n_neurons)``: row i holds the weights that input i
sends to every neuron, so column j is neuron j's weight vector. With that layout a
batch's outputs are ``inputs @ weights + biases``, as in the classic book.
"""

import numpy as np

from vectorized import _checks


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
    # One matrix product does every sample at once; the bias row broadcasts.
    outputs = inputs @ weights
    outputs += biases
    return outputs


def dense_backward(dvalues, inputs, weights):
    """Gradients of a dense layer, given the gradient of the loss with respect to its outputs.

    dvalues: (n_samples, n_neurons)    inputs: (n_samples, n_inputs)
    weights: (n_inputs, n_neurons)
    ->    dinputs: (n_samples, n_inputs), dweights: (n_inputs, n_neurons),
          dbiases: (n_neurons,)

        dinputs  = dvalues @ weights.T     (each input fed every neuron)
        dweights = inputs.T @ dvalues      (summed over the samples)
        dbiases  = sum over samples of dvalues
    """
    dvalues = _checks.matrix("dense_backward", "dvalues", dvalues)
    inputs = _checks.matrix("dense_backward", "inputs", inputs)
    weights = _checks.matrix("dense_backward", "weights", weights)
    _checks.length("dense_backward", "inputs", inputs.shape[0], dvalues.shape[0], "rows (one per sample of dvalues)")
    _checks.length("dense_backward", "weights", weights.shape[0], inputs.shape[1], "rows (one per input feature)")
    _checks.length("dense_backward", "weights", weights.shape[1], dvalues.shape[1], "columns (one per neuron)")
    dinputs = dvalues @ weights.T
    # inputs.T @ dvalues adds up, for every weight, input times gradient over
    # the samples: the sum the pure twin writes as a loop.
    dweights = inputs.T @ dvalues
    dbiases = dvalues.sum(axis=0)
    return dinputs, dweights, dbiases
