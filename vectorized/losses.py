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


def _one_hot_rows(targets, predictions):
    """Class targets as one-hot rows the shape of ``predictions``: labels are converted, rows kept."""
    if targets.ndim == 2:
        return targets
    # A sparse label is a one-hot row with its single 1 at index `label`.
    n_classes = predictions.shape[1]
    # Row `label` of the identity matrix, in the predictions' dtype so that float32 stays float32.
    return np.eye(n_classes, dtype=predictions.dtype)[targets]


@_checks.takes(predictions="probabilities", targets="targets for predictions")
def categorical_cross_entropy(predictions, targets):
    """Mean categorical cross-entropy of predicted class probabilities.

    predictions: (n_samples, n_classes), rows of probabilities
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    float

        loss = mean over samples of -sum_j targets[i][j] * log(clip(predictions[i][j]))

    With sparse labels the sum keeps only the true class: -log(predictions[i][label]).
    Probabilities are clipped to [1e-7, 1 - 1e-7] so the loss stays finite.
    """
    n_samples = predictions.shape[0]
    if targets.ndim == 1:
        # Sparse labels: the sum keeps only the true class's term, so only those
        # probabilities are logged (3x faster on MNIST's batches than the one-hot sum).
        sample_losses = -np.log(_clip(predictions[np.arange(n_samples), targets]))
    else:
        sample_losses = -np.sum(targets * np.log(_clip(predictions)), axis=1)
    return float(np.sum(sample_losses) / n_samples)


@_checks.takes(predictions="probabilities", targets="targets for predictions")
def categorical_cross_entropy_backward(predictions, targets):
    """Gradient of the mean categorical cross-entropy with respect to the predictions.

    predictions: (n_samples, n_classes)
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    dinputs: (n_samples, n_classes)

        dinputs[i][j] = -targets[i][j] / clip(predictions[i][j]) / n_samples

    The clip keeps the gradient finite where a probability is 0.
    """
    n_samples = predictions.shape[0]
    return -_one_hot_rows(targets, predictions) / _clip(predictions) / n_samples


@_checks.takes(probabilities="probabilities", targets="targets for probabilities")
def softmax_cross_entropy_backward(probabilities, targets):
    """Gradient of cross-entropy with respect to the logits fed to a softmax, in one step.

    probabilities: (n_samples, n_classes), the softmax's outputs
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    dinputs: (n_samples, n_classes)

        dinputs = (probabilities - one_hot(targets)) / n_samples

    Chaining categorical_cross_entropy_backward through softmax_backward gives the
    same numbers (away from the clip), with far more arithmetic.
    """
    n_samples = probabilities.shape[0]
    return (probabilities - _one_hot_rows(targets, probabilities)) / n_samples


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_cross_entropy(predictions, targets):
    """Mean binary cross-entropy: each output is an independent yes/no probability.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float

        loss = mean over every element of -(t * log(clip(p)) + (1 - t) * log(1 - clip(p)))
    """
    p = _clip(predictions)
    return float(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)))


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_cross_entropy_backward(predictions, targets):
    """Gradient of the mean binary cross-entropy with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -(t / clip(p) - (1 - t) / (1 - clip(p))) / (n_samples * n_outputs)
    """
    p = _clip(predictions)
    return -(targets / p - (1 - targets) / (1 - p)) / predictions.size


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_squared_error(predictions, targets):
    """Mean squared error over every element: the regression loss.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of (targets - predictions)**2
    """
    return float(np.mean((targets - predictions) ** 2))


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_squared_error_backward(predictions, targets):
    """Gradient of the mean squared error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -2 * (targets - predictions) / (n_samples * n_outputs)
    """
    return -2 * (targets - predictions) / predictions.size


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_absolute_error(predictions, targets):
    """Mean absolute error over every element: a regression loss less swayed by outliers.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of |targets - predictions|
    """
    return float(np.mean(np.abs(targets - predictions)))


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_absolute_error_backward(predictions, targets):
    """Gradient of the mean absolute error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = sign(predictions - targets) / (n_samples * n_outputs)      (0 where equal)
    """
    return np.sign(predictions - targets) / predictions.size


def _labels(targets):
    """Class targets as sparse labels: a one-hot row's label is its arg-max, labels are kept."""
    if targets.ndim == 2:
        return np.argmax(targets, axis=1)
    return targets


@_checks.takes(predictions="probabilities", targets="targets for predictions")
def accuracy(predictions, targets):
    """Fraction of samples whose most probable class is the true class.

    predictions: (n_samples, n_classes)
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    float in [0, 1]

        accuracy = mean over samples of (argmax_j predictions[i][j] == label[i])

    A one-hot row's label is its arg-max. Ties go to the first largest class.
    """
    return float(np.mean(np.argmax(predictions, axis=1) == _labels(targets)))


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_accuracy(predictions, targets):
    """Fraction of yes/no outputs on the right side of 0.5.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float in [0, 1]

        accuracy = mean over every element of ((p > 0.5) == t)
    """
    return float(np.mean((predictions > 0.5) == targets))


@_checks.takes(predictions="matrix", targets="matrix like predictions", precision="non-negative")
def regression_accuracy(predictions, targets, precision):
    """Fraction of regression outputs within ``precision`` of their targets.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    precision: float > 0
    ->    float in [0, 1]

        accuracy = mean over every element of (|p - t| < precision)

    The classic book uses precision = std(targets) / 250.
    """
    return float(np.mean(np.abs(predictions - targets) < precision))


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l1_penalty(weights, strength):
    """L1 regularisation: a penalty on the sum of the weights' absolute values.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum |w|
    """
    return strength * float(np.sum(np.abs(weights)))


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l1_penalty_backward(weights, strength):
    """Gradient of the L1 penalty: the strength times each weight's sign.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = strength * sign(w)      (0 where w is exactly 0)
    """
    return strength * np.sign(weights)


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l2_penalty(weights, strength):
    """L2 regularisation: a penalty on the sum of the squared weights.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum w**2
    """
    # A dot product of the flat weights with themselves: the sum of squares
    # without a temporary array of squares.
    flat = weights.ravel()
    return strength * float(np.dot(flat, flat))


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l2_penalty_backward(weights, strength):
    """Gradient of the L2 penalty: twice the strength times each weight.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = 2 * strength * w
    """
    return 2 * strength * weights
