"""Normalisation, layer norm and batch norm, written as plain loops over lists.

Both shift a group of numbers to mean 0 and scale it to variance 1, then scale and
shift it again by the parameters gamma and beta, which the network learns, one of each
per feature:

    normalised = (x - mean) / sqrt(variance + eps)        outputs = gamma * normalised + beta

**Layer norm** takes the group along a row: the features of one sample, or of one
position of a sequence, ``(n_samples, features)`` or ``(n_samples, length, features)``.
**Batch norm** takes it down a column: one feature over the batch, ``(n_samples,
features)``; it is layer norm's normalisation of the transpose. Both divide the
variance by n, not n - 1 (the biased variance), as PyTorch does. For evaluation, batch
norm keeps running statistics, updated outside its forward by ``running_statistics``.
Compare with ``vectorized/normalization.py``, where each statistic is one reduction
along an axis.
"""

import math

from pure import _checks, linalg

_dot = linalg.dot.unchecked
_transpose = linalg.transpose.unchecked


def _moments(rows):
    """The mean and the variance (biased: divided by n) of each row: (means, variances), one of each per row."""
    means = [sum(row) / len(row) for row in rows]
    variances = [sum((x - mean) ** 2 for x in row) / len(row) for row, mean in zip(rows, means)]
    return means, variances


def _standardise(rows, means, variances, eps):
    """Each row shifted by its mean and divided by sqrt(its variance + eps):
    (the normalised rows, each row's 1 / sqrt(variance + eps))."""
    inv_stds = [1.0 / math.sqrt(variance + eps) for variance in variances]
    return [[(x - mean) * inv_std for x in row] for row, mean, inv_std in zip(rows, means, inv_stds)], inv_stds


def _normalise(rows, eps):
    """Each row normalised by its own mean and variance: (the normalised rows, each row's 1 / sqrt(variance + eps))."""
    means, variances = _moments(rows)
    return _standardise(rows, means, variances, eps)


def _normalise_backward(dnormalised, normalised, inv_stds):
    """Gradient of _normalise with respect to its rows, given the gradient of the normalised rows.

    A row's mean and variance depend on every value of the row: besides dnormalised * inv_std,
    each value's gradient has a term for the mean and one for the variance,

        drow = inv_std * (dnormalised - mean(dnormalised) - normalised * mean(dnormalised * normalised))
    """
    drows = []
    for drow, row, inv_std in zip(dnormalised, normalised, inv_stds):
        mean_d, mean_dx = sum(drow) / len(drow), _dot(drow, row) / len(row)
        drows.append([inv_std * (d - mean_d - x * mean_dx) for d, x in zip(drow, row)])
    return drows


def _affine(normalised, gamma, beta):
    """gamma * normalised + beta, feature by feature (a gamma and a beta per column)."""
    return [[g * x + b for x, g, b in zip(row, gamma, beta)] for row in normalised]


def _affine_backward(dvalues, normalised, gamma):
    """Gradients of _affine: (dnormalised, dgamma, dbeta), dgamma and dbeta summed over the rows."""
    dgamma = [_dot(dcolumn, column) for dcolumn, column in zip(zip(*dvalues), zip(*normalised))]
    dbeta = [sum(dcolumn) for dcolumn in zip(*dvalues)]
    return [[d * g for d, g in zip(drow, gamma)] for drow in dvalues], dgamma, dbeta


def _rows(inputs):
    """The rows of features of a matrix, or of sequences position by position: (n_samples [* length], features)."""
    return [row for sequence in inputs for row in sequence] if isinstance(inputs[0][0], (list, tuple)) else inputs


def _like(rows, inputs):
    """Rows back in the shape of ``inputs``: a matrix, or sequences of ``length`` rows each."""
    if not isinstance(inputs[0][0], (list, tuple)):
        return rows
    length = len(inputs[0])
    return [rows[start:start + length] for start in range(0, len(rows), length)]


@_checks.takes(inputs="matrix or sequences", gamma="vector, values = features of inputs (one per feature)",
               beta="vector, values = features of inputs (one per feature)", eps="positive")
def layer_norm(inputs, gamma, beta, eps=1e-5):
    """Layer normalisation: each row of features shifted to mean 0 and scaled to variance 1, then
    scaled by gamma and shifted by beta, feature by feature.

    inputs: (n_samples, features), or sequences (n_samples, length, features), whose every
    position is a row    gamma, beta: (features,)    eps: a small number > 0
    ->    outputs: the shape of inputs

        for each row:  mean = sum(row) / features
            variance = sum((row - mean)**2) / features
            outputs = gamma * (row - mean) / sqrt(variance + eps) + beta

    The variance is the biased one (divided by features, not features - 1), as in PyTorch's
    LayerNorm; eps keeps a constant row (variance 0) finite. A row's statistics are its own,
    so training and evaluation compute the same.
    """
    normalised, _ = _normalise(_rows(inputs), eps)
    return _like(_affine(normalised, gamma, beta), inputs)


@_checks.takes(dvalues="matrix or sequences", inputs="matrix or sequences like dvalues",
               gamma="vector, values = features of inputs (one per feature)", eps="positive")
def layer_norm_backward(dvalues, inputs, gamma, eps=1e-5):
    """Gradients of layer normalisation, given the gradient of the loss with respect to its outputs.

    dvalues: the shape of inputs    inputs: (n_samples, features) or (n_samples, length, features)
    gamma: (features,)    eps: as given to layer_norm
    ->    dinputs: the shape of inputs, dgamma: (features,), dbeta: (features,)

        for each row, with normalised = (row - mean) / sqrt(variance + eps)
        and d = dvalues * gamma:
            drow = (d - mean(d) - normalised * mean(d * normalised)) / sqrt(variance + eps)
        dgamma = sum over rows of dvalues * normalised        dbeta = sum over rows of dvalues

    The two terms after d are the row's mean and variance at work: both depend on every
    value of the row, so one value moves every output of its row.
    """
    normalised, inv_stds = _normalise(_rows(inputs), eps)
    dnormalised, dgamma, dbeta = _affine_backward(_rows(dvalues), normalised, gamma)
    return _like(_normalise_backward(dnormalised, normalised, inv_stds), inputs), dgamma, dbeta


@_checks.takes(inputs="batch of 2 or more", gamma="vector, values = columns of inputs (one per feature)",
               beta="vector, values = columns of inputs (one per feature)", eps="positive")
def batch_norm(inputs, gamma, beta, eps=1e-5):
    """Batch normalisation in training: each feature (a column) shifted to mean 0 and scaled to
    variance 1 over the batch, then scaled by gamma and shifted by beta.

    inputs: (n_samples, features), 2 samples or more    gamma, beta: (features,)
    eps: a small number > 0
    ->    outputs: (n_samples, features)

        for each column:  mean = sum(column) / n_samples
            variance = sum((column - mean)**2) / n_samples
            outputs = gamma * (column - mean) / sqrt(variance + eps) + beta

    The batch's own statistics, with the biased variance, as PyTorch's BatchNorm1d computes
    them in training: layer norm's normalisation down the columns instead of along the rows.
    One sample has no variance to speak of, and is refused. For evaluation, keep running
    statistics with running_statistics, and normalise with batch_norm_inference.
    """
    columns, _ = _normalise(_transpose(inputs), eps)      # each feature over the batch
    return _affine(_transpose(columns), gamma, beta)


@_checks.takes(dvalues="batch of 2 or more", inputs="batch of 2 or more like dvalues",
               gamma="vector, values = columns of inputs (one per feature)", eps="positive")
def batch_norm_backward(dvalues, inputs, gamma, eps=1e-5):
    """Gradients of batch norm in training, given the gradient of the loss with respect to its outputs.

    dvalues: (n_samples, features)    inputs: (n_samples, features)    gamma: (features,)
    eps: as given to batch_norm
    ->    dinputs: (n_samples, features), dgamma: (features,), dbeta: (features,)

        for each column, with normalised = (column - mean) / sqrt(variance + eps)
        and d = dvalues * gamma:
            dcolumn = (d - mean(d) - normalised * mean(d * normalised)) / sqrt(variance + eps)
        dgamma = sum over samples of dvalues * normalised        dbeta = sum over samples of dvalues

    The full gradient: the batch's mean and variance depend on every sample, so each sample's
    gradient has a term for each. Without them (dcolumn = d / sqrt(variance + eps)) the
    gradient is that of a normalisation by constants, which the batch's statistics are not.
    """
    columns, inv_stds = _normalise(_transpose(inputs), eps)      # each feature over the batch
    dnormalised, dgamma, dbeta = _affine_backward(dvalues, _transpose(columns), gamma)
    return _transpose(_normalise_backward(_transpose(dnormalised), columns, inv_stds)), dgamma, dbeta


@_checks.takes(inputs="batch of 2 or more", running_mean="vector, values = columns of inputs (one per feature)",
               running_var="variances, values = columns of inputs (one per feature)", momentum="fraction")
def running_statistics(inputs, running_mean, running_var, momentum=0.1):
    """Batch norm's running mean and variance, updated with one batch's statistics, for evaluation.

    inputs: (n_samples, features), 2 samples or more
    running_mean, running_var: (features,), the statistics so far (PyTorch starts from 0 and 1)
    momentum: the new batch's weight, in [0, 1]
    ->    running_mean, running_var: (features,), updated

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var
                      + momentum * variance * n_samples / (n_samples - 1)

    PyTorch's convention: batch_norm normalises with the biased variance (divided by
    n_samples), but the running variance averages the unbiased one (divided by
    n_samples - 1), an estimate of the variance of all the data rather than of one batch.
    The update is a function of its own, so batch_norm stays a function of its arguments.
    """
    n_samples = len(inputs)
    means, variances = _moments(_transpose(inputs))      # each feature over the batch
    return ([(1.0 - momentum) * old + momentum * mean for old, mean in zip(running_mean, means)],
            [(1.0 - momentum) * old + momentum * variance * n_samples / (n_samples - 1)
             for old, variance in zip(running_var, variances)])


@_checks.takes(inputs="matrix", gamma="vector, values = columns of inputs (one per feature)",
               beta="vector, values = columns of inputs (one per feature)",
               running_mean="vector, values = columns of inputs (one per feature)",
               running_var="variances, values = columns of inputs (one per feature)", eps="positive")
def batch_norm_inference(inputs, gamma, beta, running_mean, running_var, eps=1e-5):
    """Batch norm in evaluation: each feature normalised by the running statistics, not the batch's.

    inputs: (n_samples, features), any number of samples    gamma, beta: (features,)
    running_mean, running_var: (features,), from running_statistics    eps: a small number > 0
    ->    outputs: (n_samples, features)

        outputs = gamma * (inputs - running_mean) / sqrt(running_var + eps) + beta

    A fixed scale and shift of each feature, as PyTorch's BatchNorm1d computes in eval mode:
    a sample's output no longer depends on the other samples of its batch.
    """
    columns, _ = _standardise(_transpose(inputs), running_mean, running_var, eps)
    return _affine(_transpose(columns), gamma, beta)


@_checks.takes(dvalues="matrix", inputs="matrix like dvalues",
               gamma="vector, values = columns of inputs (one per feature)",
               running_mean="vector, values = columns of inputs (one per feature)",
               running_var="variances, values = columns of inputs (one per feature)", eps="positive")
def batch_norm_inference_backward(dvalues, inputs, gamma, running_mean, running_var, eps=1e-5):
    """Gradients of batch norm in evaluation, given the loss's gradient with respect to its outputs.

    dvalues: (n_samples, features)    inputs: (n_samples, features)
    gamma, running_mean, running_var: (features,)    eps: as given to batch_norm_inference
    ->    dinputs: (n_samples, features), dgamma: (features,), dbeta: (features,)

        dinputs = dvalues * gamma / sqrt(running_var + eps)
        dgamma = sum over samples of dvalues * (inputs - running_mean) / sqrt(running_var + eps)
        dbeta = sum over samples of dvalues

    The running statistics are constants here, so dinputs has no term for them, unlike
    batch_norm_backward, where the batch's mean and variance move with the inputs.
    """
    columns, inv_stds = _standardise(_transpose(inputs), running_mean, running_var, eps)
    dnormalised, dgamma, dbeta = _affine_backward(dvalues, _transpose(columns), gamma)
    return [[d * inv_std for d, inv_std in zip(drow, inv_stds)] for drow in dnormalised], dgamma, dbeta
