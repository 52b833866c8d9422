"""Losses, accuracy and weight penalties, written as plain loops over lists.

``predictions`` is a batch, a matrix ``(n_samples, n_outputs)``. Class targets
come either as sparse labels, a list of ``n_samples`` ints, or as one-hot rows,
a matrix the shape of ``predictions``; every function that takes class targets
takes both. Each loss returns a mean, and its ``*_backward`` the gradient of that
mean with respect to ``predictions``.
"""

import math

from pure import _checks

# Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log, so that a
# confident wrong answer costs -log(1e-7) = 16.1 instead of infinity.
EPSILON = 1e-7


def _clip(probability):
    return min(max(probability, EPSILON), 1.0 - EPSILON)


def _is_matrix(values):
    return isinstance(values[0], (list, tuple))


def _one_hot_rows(targets, predictions):
    """Class targets as one-hot rows the shape of ``predictions``: labels are converted, rows kept."""
    if _is_matrix(targets):
        return targets
    # A sparse label is a one-hot row with its single 1 at index `label`.
    n_classes = len(predictions[0])
    return [[1.0 if j == label else 0.0 for j in range(n_classes)] for label in targets]


def _mean_over_elements(term, predictions, targets):
    """The mean of term(p, t) over every element: the loop that every elementwise loss shares."""
    total = 0.0
    for row, target_row in zip(predictions, targets):
        for p, t in zip(row, target_row):
            total += term(p, t)
    return total / (len(predictions) * len(predictions[0]))


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
    total = 0.0
    if not _is_matrix(targets):
        # Sparse labels: the sum keeps only the true class's term, so only those
        # probabilities are logged.
        for row, label in zip(predictions, targets):
            total -= math.log(_clip(row[label]))
    else:
        for row, target_row in zip(predictions, targets):
            for p, t in zip(row, target_row):
                total -= t * math.log(_clip(p))
    return total / len(predictions)


@_checks.takes(predictions="probabilities", targets="targets for predictions")
def categorical_cross_entropy_backward(predictions, targets):
    """Gradient of the mean categorical cross-entropy with respect to the predictions.

    predictions: (n_samples, n_classes)
    targets: (n_samples,) sparse labels, or (n_samples, n_classes) one-hot rows
    ->    dinputs: (n_samples, n_classes)

        dinputs[i][j] = -targets[i][j] / clip(predictions[i][j]) / n_samples

    The clip keeps the gradient finite where a probability is 0.
    """
    n_samples = len(predictions)
    return [[-t / _clip(p) / n_samples for p, t in zip(row, target_row)]
            for row, target_row in zip(predictions, _one_hot_rows(targets, predictions))]


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
    n_samples = len(probabilities)
    return [[(p - t) / n_samples for p, t in zip(row, target_row)]
            for row, target_row in zip(probabilities, _one_hot_rows(targets, probabilities))]


def _binary_cross_entropy_term(p, t):
    p = _clip(p)
    return -(t * math.log(p) + (1.0 - t) * math.log(1.0 - p))


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_cross_entropy(predictions, targets):
    """Mean binary cross-entropy: each output is an independent yes/no probability.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float

        loss = mean over every element of -(t * log(clip(p)) + (1 - t) * log(1 - clip(p)))
    """
    return _mean_over_elements(_binary_cross_entropy_term, predictions, targets)


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_cross_entropy_backward(predictions, targets):
    """Gradient of the mean binary cross-entropy with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -(t / clip(p) - (1 - t) / (1 - clip(p))) / (n_samples * n_outputs)
    """
    n_elements = len(predictions) * len(predictions[0])
    return [[-(t / _clip(p) - (1.0 - t) / (1.0 - _clip(p))) / n_elements for p, t in zip(row, target_row)]
            for row, target_row in zip(predictions, targets)]


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_squared_error(predictions, targets):
    """Mean squared error over every element: the regression loss.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of (targets - predictions)**2
    """
    # (t - p) * (t - p), not ** 2: on overflow Python's ** raises, while * gives
    # inf, as NumPy does, so a diverging run ends the same way in both twins.
    return _mean_over_elements(lambda p, t: (t - p) * (t - p), predictions, targets)


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_squared_error_backward(predictions, targets):
    """Gradient of the mean squared error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = -2 * (targets - predictions) / (n_samples * n_outputs)
    """
    n_elements = len(predictions) * len(predictions[0])
    return [[-2.0 * (t - p) / n_elements for p, t in zip(row, target_row)]
            for row, target_row in zip(predictions, targets)]


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_absolute_error(predictions, targets):
    """Mean absolute error over every element: a regression loss less swayed by outliers.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    ->    float

        loss = mean over every element of |targets - predictions|
    """
    return _mean_over_elements(lambda p, t: abs(t - p), predictions, targets)


def _sign(x):
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


@_checks.takes(predictions="matrix", targets="matrix like predictions")
def mean_absolute_error_backward(predictions, targets):
    """Gradient of the mean absolute error with respect to the predictions.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)
    ->    dinputs: (n_samples, n_outputs)

        dinputs = sign(predictions - targets) / (n_samples * n_outputs)      (0 where equal)
    """
    n_elements = len(predictions) * len(predictions[0])
    return [[_sign(p - t) / n_elements for p, t in zip(row, target_row)]
            for row, target_row in zip(predictions, targets)]


def _argmax(row):
    # The first index of the largest value, as NumPy's argmax picks on a tie.
    best = 0
    for j, value in enumerate(row):
        if value > row[best]:
            best = j
    return best


def _labels(targets):
    """Class targets as sparse labels: a one-hot row's label is its arg-max, labels are kept."""
    if _is_matrix(targets):
        return [_argmax(row) for row in targets]
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
    correct = 0
    for row, label in zip(predictions, _labels(targets)):
        if _argmax(row) == label:
            correct += 1
    return correct / len(predictions)


@_checks.takes(predictions="binary probabilities", targets="binary targets like predictions")
def binary_accuracy(predictions, targets):
    """Fraction of yes/no outputs on the right side of 0.5.

    predictions: (n_samples, n_outputs), probabilities    targets: (n_samples, n_outputs), 0 or 1
    ->    float in [0, 1]

        accuracy = mean over every element of ((p > 0.5) == t)
    """
    return _mean_over_elements(lambda p, t: float((p > 0.5) == t), predictions, targets)


@_checks.takes(predictions="matrix", targets="matrix like predictions", precision="non-negative")
def regression_accuracy(predictions, targets, precision):
    """Fraction of regression outputs within ``precision`` of their targets.

    predictions: (n_samples, n_outputs)    targets: (n_samples, n_outputs)    precision: float > 0
    ->    float in [0, 1]

        accuracy = mean over every element of (|p - t| < precision)

    The classic book uses precision = std(targets) / 250.
    """
    return _mean_over_elements(lambda p, t: float(abs(p - t) < precision), predictions, targets)


def _flat(values):
    # The values of a vector, or of a matrix row after row.
    return [w for row in values for w in row] if _is_matrix(values) else values


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l1_penalty(weights, strength):
    """L1 regularisation: a penalty on the sum of the weights' absolute values.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum |w|
    """
    return strength * sum(abs(w) for w in _flat(weights))


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l1_penalty_backward(weights, strength):
    """Gradient of the L1 penalty: the strength times each weight's sign.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = strength * sign(w)      (0 where w is exactly 0)
    """
    if _is_matrix(weights):
        return [[strength * _sign(w) for w in row] for row in weights]
    return [strength * _sign(w) for w in weights]


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l2_penalty(weights, strength):
    """L2 regularisation: a penalty on the sum of the squared weights.

    weights: (n_inputs, n_neurons) or a vector such as biases    strength: float >= 0
    ->    float

        penalty = strength * sum w**2
    """
    return strength * sum(w * w for w in _flat(weights))


@_checks.takes(weights="vector or matrix", strength="non-negative")
def l2_penalty_backward(weights, strength):
    """Gradient of the L2 penalty: twice the strength times each weight.

    weights: (n_inputs, n_neurons) or a vector    strength: float >= 0
    ->    dweights: the shape of weights

        dweights = 2 * strength * w
    """
    if _is_matrix(weights):
        return [[2.0 * strength * w for w in row] for row in weights]
    return [2.0 * strength * w for w in weights]
