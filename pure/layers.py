"""Neurons and dense layers, written as plain loops over lists.

Weights are stored ``(n_inputs, n_neurons)``: row i holds the weights that input i
sends to every neuron, so column j is neuron j's weight vector. With that layout a
batch's outputs are ``inputs @ weights + biases``, as in the classic book.
"""

from pure import _checks


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
    outputs = [float(b) for b in biases]
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
    outputs = []
    for sample in inputs:
        row = [float(b) for b in biases]
        for x, weight_row in zip(sample, weights):
            for j, w in enumerate(weight_row):
                row[j] += x * w
        outputs.append(row)
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
    _checks.matrix("dense_backward", "dvalues", dvalues)
    _checks.matrix("dense_backward", "inputs", inputs)
    _checks.matrix("dense_backward", "weights", weights)
    _checks.length("dense_backward", "inputs", len(inputs), len(dvalues), "rows (one per sample of dvalues)")
    _checks.length("dense_backward", "weights", len(weights), len(inputs[0]), "rows (one per input feature)")
    _checks.length("dense_backward", "weights", len(weights[0]), len(dvalues[0]), "columns (one per neuron)")
    n_inputs, n_neurons = len(weights), len(weights[0])
    dinputs = []
    dweights = [[0.0] * n_neurons for _ in range(n_inputs)]
    dbiases = [0.0] * n_neurons
    for sample, grad_row in zip(inputs, dvalues):
        # Input i reached neuron j through weights[i][j], so the loss's gradient
        # flows back to it along the same weight: sum_j grad_row[j] * weights[i][j].
        dinputs.append([sum(g * w for g, w in zip(grad_row, weight_row)) for weight_row in weights])
        # Weight [i][j] scaled input i on its way to neuron j, so its gradient is
        # input i times neuron j's gradient, added up over the samples.
        for x, dweight_row in zip(sample, dweights):
            for j, g in enumerate(grad_row):
                dweight_row[j] += x * g
        for j, g in enumerate(grad_row):
            dbiases[j] += g
    return dinputs, dweights, dbiases
