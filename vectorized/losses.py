"""Losses, accuracy and weight penalties, vectorized with NumPy.

``predictions`` is a batch, a matrix ``(n_samples, n_outputs)``. Class targets
come either as sparse labels, a vector of ``n_samples`` ints, or as one-hot rows,
a matrix the shape of ``predictions``; every function that takes class targets
takes both. Each loss returns a mean, and its ``*_backward`` the gradient of that
mean with respect to ``predictions``.
"""

import numpy as np

from vectorized import _checks

# Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log, so that a
# confident wrong answer costs -log(1e-7) = 16.1 instead of infinity.
EPSILON = 1e-7


def _clip(probabilities):
    return np.clip(probabilities, EPSILON, 1.0 - EPSILON)


def _class_targets(func, predictions, targets):
    predictions = _checks.matrix(func, "predictions", predictions)
    targets, sparse = _checks.targets(func, "targets", targets, predictions)
    return predictions, targets, sparse


def _same_shape_targets(func, predictions, targets):
    predictions = _checks.matrix(func, "predictions", predictions)
    targets = _checks.matrix(func, "targets", targets)
    _checks.same_shape(func, "predictions", predictions, "targets", targets)
    return predictions, targets


def categorical_cross_entropy(predictions, targets):
    """Mean categorical cross-entropy of predicted class probabilities.

    predictions: (n_samples, n_classes), rows of probabilities
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    float

        loss = mean over samples of -sum_j targets[i][j] * log(clip(predictions[i][j]))

    With sparse labels the sum keeps only the true class: -log(predictions[i][label]).
    Probabilities are clipped to [1e-7, 1 - 1e-7] so the loss stays finite.
    """
    predictions, targets, sparse = _class_targets("categorical_cross_entropy", predictions, targets)
    return _categorical_cross_entropy(predictions, targets, sparse)


def _categorical_cross_entropy(predictions, targets, sparse):
    # categorical_cross_entropy itself, for callers that have checked its arguments (the network).
    n_samples = predictions.shape[0]
    if sparse:
        # Fancy indexing picks predictions[i, targets[i]] for every i at once.
        correct = predictions[np.arange(n_samples), targets]
        return float(-np.sum(np.log(_clip(correct))) / n_samples)
    return float(-np.sum(targets * np.log(_clip(predictions))) / n_samples)


def categorical_cross_entropy_backward(predictions, targets):
    """Gradient of the mean categorical cross-entropy with respect to the predictions.

    predictions: (n_samples, n_classes)
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    dinputs: (n_samples, n_classes)

        dinputs[i][j] = -targets[i][j] / clip(predictions[i][j]) / n_samples

    The clip keeps the gradient finite where a probability is 0.
    """
    predictions, targets, sparse = _class_targets("categorical_cross_entropy_backward", predictions, targets)
    n_samples = predictions.shape[0]
    if sparse:
        # Only the true class has a non-zero target, so only it gets a gradient.
        rows = np.arange(n_samples)
        dinputs = np.zeros_like(predictions)
        dinputs[rows, targets] = -1 / _clip(predictions[rows, targets]) / n_samples
        return dinputs
    return -targets / _clip(predictions) / n_samples


def softmax_cross_entropy_backward(probabilities, targets):
    """Gradient of cross-entropy with respect to the logits fed to a softmax, in one step.

    probabilities: (n_samples, n_classes), the softmax's outputs
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    dinputs: (n_samples, n_classes)

        dinputs = (probabilities - one_hot(targets)) / n_samples

    Chaining categorical_cross_entropy_backward through softmax_backward gives the
    same numbers (away from the clip), with far more arithmetic.
    """
    probabilities, targets, sparse = _class_targets("softmax_cross_entropy_backward", probabilities, targets)
    return _softmax_cross_entropy_backward(probabilities, targets, sparse)


def _softmax_cross_entropy_backward(probabilities, targets, sparse):
    # softmax_cross_entropy_backward itself, for callers that have checked its arguments (the network).
    n_samples = probabilities.shape[0]
    if sparse:
        # Subtracting a one-hot row only touches the true class: do just that.
        dinputs = probabilities.copy()
        dinputs[np.arange(n_samples), targets] -= 1
    else:
        dinputs = probabilities - targets
    dinputs /= n_samples
    return dinputs


def binary_cross_entropy(predictions, targets):
    """Mean binary cross-entropy: each output is an independent yes/no probability.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float

        loss = mean over every element of -(t * log(clip(p)) + (1 - t) * log(1 - clip(p)))
    """
    predictions, targets = _same_shape_targets("binary_cross_entropy", predictions, targets)
    return _binary_cross_entropy(predictions, targets)


def _binary_cross_entropy(predictions, targets):
    # binary_cross_entropy itself, for callers that have checked its arguments (the network).
    p = _clip(predictions)
    return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))


def binary_cross_entropy_backward(predictions, targets):
    """Gradient of the mean binary cross-entropy with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -(t / clip(p) - (1 - t) / (1 - clip(p))) / (n_samples * n_outputs)
    """
    predictions, targets = _same_shape_targets("binary_cross_entropy_backward", predictions, targets)
    return _binary_cross_entropy_backward(predictions, targets)


def _binary_cross_entropy_backward(predictions, targets):
    # binary_cross_entropy_backward itself, for callers that have checked its arguments (the network).
    p = _clip(predictions)
    return -(targets / p - (1 - targets) / (1 - p)) / predictions.size


def mean_squared_error(predictions, targets):
    """Mean squared error over every element: the regression loss.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of (targets - predictions)**2
    """
    predictions, targets = _same_shape_targets("mean_squared_error", predictions, targets)
    return _mean_squared_error(predictions, targets)


def _mean_squared_error(predictions, targets):
    # mean_squared_error itself, for callers that have checked its arguments (the network).
    return float(np.mean((targets - predictions) ** 2))


def mean_squared_error_backward(predictions, targets):
    """Gradient of the mean squared error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -2 * (targets - predictions) / (n_samples * n_outputs)
    """
    predictions, targets = _same_shape_targets("mean_squared_error_backward", predictions, targets)
    return _mean_squared_error_backward(predictions, targets)


def _mean_squared_error_backward(predictions, targets):
    # mean_squared_error_backward itself, for callers that have checked its arguments (the network).
    return -2 * (targets - predictions) / predictions.size


def mean_absolute_error(predictions, targets):
    """Mean absolute error over every element: a regression loss less swayed by outliers.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of |targets - predictions|
    """
    predictions, targets = _same_shape_targets("mean_absolute_error", predictions, targets)
    return float(np.mean(np.abs(targets - predictions)))


def mean_absolute_error_backward(predictions, targets):
    """Gradient of the mean absolute error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = sign(predictions - targets) / (n_samples * n_outputs)      (0 where equal)
    """
    predictions, targets = _same_shape_targets("mean_absolute_error_backward", predictions, targets)
    return np.sign(predictions - targets) / predictions.size


def accuracy(predictions, targets):
    """Fraction of samples whose most probable class is the true class.

    predictions: (n_samples, n_classes)
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    float in [0, 1]

        accuracy = mean over samples of (argmax_j predictions[i][j] == label[i])

    A one-hot row's label is its arg-max. Ties go to the first largest class.
    """
    predictions, targets, sparse = _class_targets("accuracy", predictions, targets)
    return _accuracy(predictions, targets, sparse)


def _accuracy(predictions, targets, sparse):
    # accuracy itself, for callers that have checked its arguments (the network).
    labels = targets if sparse else np.argmax(targets, axis=1)
    return float(np.mean(np.argmax(predictions, axis=1) == labels))


def binary_accuracy(predictions, targets):
    """Fraction of yes/no outputs on the right side of 0.5.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float in [0, 1]

        accuracy = mean over every element of ((p > 0.5) == t)
    """
    predictions, targets = _same_shape_targets("binary_accuracy", predictions, targets)
    return _binary_accuracy(predictions, targets)


def _binary_accuracy(predictions, targets):
    # binary_accuracy itself, for callers that have checked its arguments (the network).
    return float(np.mean((predictions > 0.5) == targets))


def regression_accuracy(predictions, targets, precision):
    """Fraction of regression outputs within ``precision`` of their targets.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    precision: float > 0
    ->    float in [0, 1]

        accuracy = mean over every element of (|p - t| < precision)

    The classic book uses precision = std(targets) / 250.
    """
    predictions, targets = _same_shape_targets("regression_accuracy", predictions, targets)
    precision = _checks.non_negative("regression_accuracy", "precision", precision)
    return _regression_accuracy(predictions, targets, precision)


def _regression_accuracy(predictions, targets, precision):
    # regression_accuracy itself, for callers that have checked its arguments (the network).
    return float(np.mean(np.abs(predictions - targets) < precision))


def l1_penalty(weights, strength):
    """L1 regularisation: a penalty on the sum of the weights' absolute values.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum |w|
    """
    weights = _checks.vector_or_matrix("l1_penalty", "weights", weights)
    strength = _checks.non_negative("l1_penalty", "strength", strength)
    return strength * float(np.sum(np.abs(weights)))


def l1_penalty_backward(weights, strength):
    """Gradient of the L1 penalty: the strength times each weight's sign.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = strength * sign(w)      (0 where w is exactly 0)
    """
    weights = _checks.vector_or_matrix("l1_penalty_backward", "weights", weights)
    strength = _checks.non_negative("l1_penalty_backward", "strength", strength)
    return strength * np.sign(weights)


def l2_penalty(weights, strength):
    """L2 regularisation: a penalty on the sum of the squared weights.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum w**2
    """
    weights = _checks.vector_or_matrix("l2_penalty", "weights", weights)
    strength = _checks.non_negative("l2_penalty", "strength", strength)
    # A dot product of the flat weights with themselves: the sum of squares
    # without a temporary array of squares.
    flat = weights.ravel()
    return strength * float(np.dot(flat, flat))


def l2_penalty_backward(weights, strength):
    """Gradient of the L2 penalty: twice the strength times each weight.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = 2 * strength * w
    """
    weights = _checks.vector_or_matrix("l2_penalty_backward", "weights", weights)
    strength = _checks.non_negative("l2_penalty_backward", "strength", strength)
    return 2 * strength * weights
