"""Activation functions and their gradients, vectorized with NumPy.

Every function takes a batch, a matrix ``(n_samples, n_features)``, and returns
a matrix of the same shape. A ``*_backward`` function takes ``dvalues``, the
gradient of the loss with respect to the activation's outputs, and returns
``dinputs``, the gradient with respect to its inputs.
"""

import numpy as np

from vectorized import _checks


def _same_shape_as_dvalues(func, dvalues, name, values):
    dvalues = _checks.matrix(func, "dvalues", dvalues)
    values = _checks.matrix(func, name, values)
    _checks.same_shape(func, "dvalues", dvalues, name, values)
    return dvalues, values


def step(inputs):
    """The step function of the first perceptrons: 1 where the input is positive, else 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        step(x) = 1 if x > 0 else 0

    It has no useful gradient (0 almost everywhere), which is why networks
    trained by backpropagation use the smooth functions below instead.
    """
    inputs = _checks.matrix("step", "inputs", inputs)
    return (inputs > 0).astype(inputs.dtype)


def linear(inputs):
    """The identity: outputs equal inputs. Used on the last layer of a regression.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        linear(x) = x
    """
    inputs = _checks.matrix("linear", "inputs", inputs)
    return _linear(inputs)


def _linear(inputs):
    # linear itself, for callers that have checked its arguments (the network).
    return inputs.copy()


def linear_backward(dvalues):
    """Gradient of the identity: the upstream gradient passes through unchanged.

    dvalues: (n_samples, n_features)    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * 1
    """
    dvalues = _checks.matrix("linear_backward", "dvalues", dvalues)
    return _linear_backward(dvalues)


def _linear_backward(dvalues):
    # linear_backward itself, for callers that have checked its arguments (the network).
    return dvalues.copy()


def relu(inputs):
    """Rectified linear unit: the input where it is positive, else 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        relu(x) = max(0, x)
    """
    inputs = _checks.matrix("relu", "inputs", inputs)
    return _relu(inputs)


def _relu(inputs):
    # relu itself, for callers that have checked its arguments (the network).
    return np.maximum(inputs, 0)


def relu_backward(dvalues, inputs):
    """Gradient of ReLU: the upstream gradient where the input was positive, else 0.

    dvalues: (n_samples, n_features)    inputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 if inputs > 0 else 0)      (0 at exactly 0)
    """
    dvalues, inputs = _same_shape_as_dvalues("relu_backward", dvalues, "inputs", inputs)
    return _relu_backward(dvalues, inputs)


def _relu_backward(dvalues, inputs):
    # relu_backward itself, for callers that have checked its arguments (the network).
    return np.where(inputs > 0, dvalues, 0)


def leaky_relu(inputs, slope=0.01):
    """Leaky ReLU: the input where it is positive, else the input times a small slope.

    inputs: (n_samples, n_features)    slope: float    ->    (n_samples, n_features)

        leaky_relu(x) = x if x > 0 else slope * x
    """
    inputs = _checks.matrix("leaky_relu", "inputs", inputs)
    slope = _checks.number("leaky_relu", "slope", slope)
    return _leaky_relu(inputs, slope)


def _leaky_relu(inputs, slope=0.01):
    # leaky_relu itself, for callers that have checked its arguments (the network).
    return np.where(inputs > 0, inputs, slope * inputs)


def leaky_relu_backward(dvalues, inputs, slope=0.01):
    """Gradient of leaky ReLU: 1 where the input was positive, else the slope.

    dvalues: (n_samples, n_features)    inputs: (n_samples, n_features)    slope: float
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 if inputs > 0 else slope)      (slope at exactly 0)
    """
    dvalues, inputs = _same_shape_as_dvalues("leaky_relu_backward", dvalues, "inputs", inputs)
    slope = _checks.number("leaky_relu_backward", "slope", slope)
    return _leaky_relu_backward(dvalues, inputs, slope)


def _leaky_relu_backward(dvalues, inputs, slope=0.01):
    # leaky_relu_backward itself, for callers that have checked its arguments (the network).
    return np.where(inputs > 0, dvalues, slope * dvalues)


def sigmoid(inputs):
    """The logistic sigmoid: squashes any number into (0, 1).

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        sigmoid(x) = 1 / (1 + exp(-x))

    Computed as exp(x) / (1 + exp(x)) for negative x, so that exp never overflows.
    """
    inputs = _checks.matrix("sigmoid", "inputs", inputs)
    return _sigmoid(inputs)


def _sigmoid(inputs):
    # sigmoid itself, for callers that have checked its arguments (the network).
    # exp(-|x|) is exp(-x) for positive x and exp(x) for negative x: one
    # exponential per element that is always <= 1, so it never overflows.
    exp_neg_abs = np.exp(-np.abs(inputs))
    return np.where(inputs >= 0, 1 / (1 + exp_neg_abs), exp_neg_abs / (1 + exp_neg_abs))


def sigmoid_backward(dvalues, outputs):
    """Gradient of the sigmoid, from its outputs s: ds/dx = s * (1 - s).

    dvalues: (n_samples, n_features)    outputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * outputs * (1 - outputs)
    """
    dvalues, outputs = _same_shape_as_dvalues("sigmoid_backward", dvalues, "outputs", outputs)
    return _sigmoid_backward(dvalues, outputs)


def _sigmoid_backward(dvalues, outputs):
    # sigmoid_backward itself, for callers that have checked its arguments (the network).
    return dvalues * outputs * (1 - outputs)


def tanh(inputs):
    """The hyperbolic tangent: squashes any number into (-1, 1), centred on 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))
    """
    inputs = _checks.matrix("tanh", "inputs", inputs)
    return _tanh(inputs)


def _tanh(inputs):
    # tanh itself, for callers that have checked its arguments (the network).
    return np.tanh(inputs)


def tanh_backward(dvalues, outputs):
    """Gradient of tanh, from its outputs t: dt/dx = 1 - t**2.

    dvalues: (n_samples, n_features)    outputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 - outputs**2)
    """
    dvalues, outputs = _same_shape_as_dvalues("tanh_backward", dvalues, "outputs", outputs)
    return _tanh_backward(dvalues, outputs)


def _tanh_backward(dvalues, outputs):
    # tanh_backward itself, for callers that have checked its arguments (the network).
    return dvalues * (1 - outputs * outputs)


def softmax(inputs):
    """Softmax of each row: exponentiate, then divide by the row's sum, giving probabilities.

    inputs: (n_samples, n_classes)    ->    (n_samples, n_classes), each row sums to 1

        softmax(x)[i][j] = exp(x[i][j] - max_k x[i][k]) / sum_k exp(x[i][k] - max_k x[i][k])

    Subtracting the row's maximum changes nothing mathematically (it cancels in
    the fraction) but keeps every exponent <= 0, so exp never overflows.
    """
    inputs = _checks.matrix("softmax", "inputs", inputs)
    return _softmax(inputs)


def _softmax(inputs):
    # softmax itself, for callers that have checked its arguments (the network).
    # keepdims leaves the per-row maxima and sums as (n_samples, 1) columns, so
    # they broadcast across each row. exp and the division work in place on the
    # one new array the subtraction made.
    exps = inputs - inputs.max(axis=1, keepdims=True)
    np.exp(exps, out=exps)
    exps /= exps.sum(axis=1, keepdims=True)
    return exps


def softmax_backward(dvalues, outputs):
    """Gradient of softmax: the Jacobian-vector product, one sample at a time.

    dvalues: (n_samples, n_classes)    outputs: (n_samples, n_classes)
    ->    dinputs: (n_samples, n_classes)

    For one sample with outputs s, the Jacobian is J[i][j] = s[i] * (delta_ij - s[j]),
    and dinputs = J @ dvalues. Multiplying it out gives a form without the matrix:

        dinputs[j] = s[j] * (dvalues[j] - sum_i dvalues[i] * s[i])
    """
    dvalues, outputs = _same_shape_as_dvalues("softmax_backward", dvalues, "outputs", outputs)
    # Every sample's sum_i dvalues[i] * s[i] at once, as an (n_samples, 1) column;
    # no (n_classes, n_classes) Jacobian is ever built.
    weighted = np.sum(dvalues * outputs, axis=1, keepdims=True)
    return outputs * (dvalues - weighted)
