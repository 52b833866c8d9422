"""Activation functions and their gradients, written as plain loops over lists.

Every function takes a batch, a matrix ``(n_samples, n_features)`` given as a
list of rows, and returns a matrix of the same shape. A ``*_backward`` function
takes ``dvalues``, the gradient of the loss with respect to the activation's
outputs, and returns ``dinputs``, the gradient with respect to its inputs.
"""

import math

from pure import _checks


@_checks.takes(inputs="matrix")
def step(inputs):
    """The step function of the first perceptrons: 1 where the input is positive, else 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        step(x) = 1 if x > 0 else 0

    It has no useful gradient (0 almost everywhere), which is why networks
    trained by backpropagation use the smooth functions below instead.
    """
    return [[1.0 if x > 0 else 0.0 for x in row] for row in inputs]


@_checks.takes(inputs="matrix")
def linear(inputs):
    """The identity: outputs equal inputs. Used on the last layer of a regression.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        linear(x) = x
    """
    return [[float(x) for x in row] for row in inputs]


@_checks.takes(dvalues="matrix")
def linear_backward(dvalues):
    """Gradient of the identity: the upstream gradient passes through unchanged.

    dvalues: (n_samples, n_features)    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * 1
    """
    return [[float(g) for g in row] for row in dvalues]


@_checks.takes(inputs="matrix")
def relu(inputs):
    """Rectified linear unit: the input where it is positive, else 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        relu(x) = max(0, x)
    """
    return [[x if x > 0 else 0.0 for x in row] for row in inputs]


@_checks.takes(dvalues="matrix", inputs="matrix like dvalues")
def relu_backward(dvalues, inputs):
    """Gradient of ReLU: the upstream gradient where the input was positive, else 0.

    dvalues: (n_samples, n_features)    inputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 if inputs > 0 else 0)      (0 at exactly 0)
    """
    return [[g if x > 0 else 0.0 for g, x in zip(grad_row, row)]
            for grad_row, row in zip(dvalues, inputs)]


@_checks.takes(inputs="matrix", slope="number")
def leaky_relu(inputs, slope=0.01):
    """Leaky ReLU: the input where it is positive, else the input times a small slope.

    inputs: (n_samples, n_features)    slope: float    ->    (n_samples, n_features)

        leaky_relu(x) = x if x > 0 else slope * x
    """
    return [[float(x) if x > 0 else slope * x for x in row] for row in inputs]


@_checks.takes(dvalues="matrix", inputs="matrix like dvalues", slope="number")
def leaky_relu_backward(dvalues, inputs, slope=0.01):
    """Gradient of leaky ReLU: 1 where the input was positive, else the slope.

    dvalues: (n_samples, n_features)    inputs: (n_samples, n_features)    slope: float
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 if inputs > 0 else slope)      (slope at exactly 0)
    """
    return [[float(g) if x > 0 else slope * g for g, x in zip(grad_row, row)]
            for grad_row, row in zip(dvalues, inputs)]


def _logistic(x):
    # 1 / (1 + e^-x) overflows for x near -1000; for negative x the same value
    # written as e^x / (1 + e^x) only ever takes e to a negative power.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    exp_x = math.exp(x)
    return exp_x / (1.0 + exp_x)


@_checks.takes(inputs="matrix")
def sigmoid(inputs):
    """The logistic sigmoid: squashes any number into (0, 1).

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        sigmoid(x) = 1 / (1 + exp(-x))

    Computed as exp(x) / (1 + exp(x)) for negative x, so that exp never overflows.
    """
    return [[_logistic(x) for x in row] for row in inputs]


@_checks.takes(dvalues="matrix", outputs="matrix like dvalues")
def sigmoid_backward(dvalues, outputs):
    """Gradient of the sigmoid, from its outputs s: ds/dx = s * (1 - s).

    dvalues: (n_samples, n_features)    outputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * outputs * (1 - outputs)
    """
    return [[g * s * (1.0 - s) for g, s in zip(grad_row, row)]
            for grad_row, row in zip(dvalues, outputs)]


@_checks.takes(inputs="matrix")
def tanh(inputs):
    """The hyperbolic tangent: squashes any number into (-1, 1), centred on 0.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))
    """
    return [[math.tanh(x) for x in row] for row in inputs]


@_checks.takes(dvalues="matrix", outputs="matrix like dvalues")
def tanh_backward(dvalues, outputs):
    """Gradient of tanh, from its outputs t: dt/dx = 1 - t**2.

    dvalues: (n_samples, n_features)    outputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        dinputs = dvalues * (1 - outputs**2)
    """
    return [[g * (1.0 - t * t) for g, t in zip(grad_row, row)]
            for grad_row, row in zip(dvalues, outputs)]


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu_tanh(x):
    """tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)), the tanh of GELU's approximation."""
    return math.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))


@_checks.takes(inputs="matrix")
def gelu(inputs):
    """GELU, the Gaussian error linear unit of BERT and GPT, in its tanh approximation.

    inputs: (n_samples, n_features)    ->    (n_samples, n_features)

        gelu(x) = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))

    The tanh approximation of x * Phi(x), Phi the standard normal's cumulative
    distribution, as PyTorch computes it with approximate='tanh'. Like ReLU far from 0
    (x for large x, 0 for very negative x), but smooth, and a little negative below 0.
    """
    return [[0.5 * x * (1.0 + _gelu_tanh(x)) for x in row] for row in inputs]


@_checks.takes(dvalues="matrix", inputs="matrix like dvalues")
def gelu_backward(dvalues, inputs):
    """Gradient of GELU (the tanh approximation), from its inputs.

    dvalues: (n_samples, n_features)    inputs: (n_samples, n_features)
    ->    dinputs: (n_samples, n_features)

        t = tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))
        dt/dx = (1 - t**2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x**2)
        dinputs = dvalues * (0.5 * (1 + t) + 0.5 * x * dt/dx)          (the product rule)
    """
    dinputs = []
    for grad_row, row in zip(dvalues, inputs):
        dinputs.append([])
        for g, x in zip(grad_row, row):
            t = _gelu_tanh(x)
            dinputs[-1].append(g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI
                                    * (1.0 + 3 * 0.044715 * x * x)))
    return dinputs


@_checks.takes(inputs="matrix")
def softmax(inputs):
    """Softmax of each row: exponentiate, then divide by the row's sum, giving probabilities.

    inputs: (n_samples, n_classes)    ->    (n_samples, n_classes), each row sums to 1

        softmax(x)[i][j] = exp(x[i][j] - max_k x[i][k]) / sum_k exp(x[i][k] - max_k x[i][k])

    Subtracting the row's maximum changes nothing mathematically (it cancels in
    the fraction) but keeps every exponent <= 0, so exp never overflows.
    """
    outputs = []
    for row in inputs:
        largest = max(row)
        exps = [math.exp(x - largest) for x in row]
        total = sum(exps)
        outputs.append([e / total for e in exps])
    return outputs


@_checks.takes(dvalues="matrix", outputs="matrix like dvalues")
def softmax_backward(dvalues, outputs):
    """Gradient of softmax: the Jacobian-vector product, one sample at a time.

    dvalues: (n_samples, n_classes)    outputs: (n_samples, n_classes)
    ->    dinputs: (n_samples, n_classes)

    For one sample with outputs s, the Jacobian is J[i][j] = s[i] * (delta_ij - s[j]),
    and dinputs = J @ dvalues. Multiplying it out gives a form without the matrix:

        dinputs[j] = s[j] * (dvalues[j] - sum_i dvalues[i] * s[i])
    """
    dinputs = []
    for grad_row, s_row in zip(dvalues, outputs):
        # sum_i dvalues[i] * s[i]: how much the sample's gradient leans on the
        # probabilities as a whole, which every class gives back in proportion.
        weighted = sum(g * s for g, s in zip(grad_row, s_row))
        dinputs.append([s * (g - weighted) for g, s in zip(grad_row, s_row)])
    return dinputs
