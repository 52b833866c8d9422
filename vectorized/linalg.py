"""Linear algebra for neural networks, vectorized with NumPy.

A vector is a 1-D ndarray; a matrix is a 2-D ndarray, one row per sample.
Compare with ``pure/linalg.py``: the same functions, written as loops.
"""

import numpy as np

from vectorized import _checks


def dot(a, b):
    """Dot product of two vectors of the same length.

    a: (n,)    b: (n,)    ->    float

        dot(a, b) = sum_i a[i] * b[i]
    """
    a = _checks.vector("dot", "a", a)
    b = _checks.vector("dot", "b", b)
    _checks.length("dot", "b", b.shape[0], a.shape[0], "values (the length of a)")
    return float(np.dot(a, b))


def transpose(matrix):
    """Swap rows and columns: row i of the result is column i of ``matrix``.

    matrix: (rows, columns)    ->    (columns, rows)

        transpose(m)[j][i] = m[i][j]
    """
    matrix = _checks.matrix("transpose", "matrix", matrix)
    # A view: NumPy swaps the strides and copies nothing.
    return matrix.T


def matmul(a, b):
    """Matrix product: entry (i, j) is the dot product of row i of a and column j of b.

    a: (n, k)    b: (k, m)    ->    (n, m)

        matmul(a, b)[i][j] = sum_k a[i][k] * b[k][j]
    """
    a = _checks.matrix("matmul", "a", a)
    b = _checks.matrix("matmul", "b", b)
    _checks.length("matmul", "b", b.shape[0], a.shape[1], "rows (the columns of a)")
    return a @ b


def add_bias(matrix, bias):
    """Add the same bias vector to every row of a matrix.

    matrix: (n_samples, n_features)    bias: (n_features,)    ->    (n_samples, n_features)

        add_bias(m, b)[i][j] = m[i][j] + b[j]
    """
    matrix = _checks.matrix("add_bias", "matrix", matrix)
    bias = _checks.vector("add_bias", "bias", bias)
    _checks.length("add_bias", "bias", bias.shape[0], matrix.shape[1], "values (the columns of matrix)")
    # Broadcasting stretches the (n_features,) bias over every row.
    return matrix + bias
