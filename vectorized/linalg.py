"""Linear algebra for neural networks, vectorized with NumPy.

A vector is a 1-D ndarray; a matrix is a 2-D ndarray, one row per sample.
Compare with ``pure/linalg.py``: the same functions, written as loops.
"""

import numpy as np

from vectorized import _checks


@_checks.takes(a="vector", b="vector, values = values of a (the length of a)")
def dot(a, b):
    """Dot product of two vectors of the same length.

    a: (n,)    b: (n,)    ->    float

        dot(a, b) = sum_i a[i] * b[i]
    """
    return float(np.dot(a, b))


@_checks.takes(matrix="matrix")
def transpose(matrix):
    """Swap rows and columns: row i of the result is column i of ``matrix``.

    matrix: (rows, columns)    ->    (columns, rows)

        transpose(m)[j][i] = m[i][j]
    """
    # A view: NumPy swaps the strides and copies nothing.
    return matrix.T


@_checks.takes(a="matrix", b="matrix, rows = columns of a")
def matmul(a, b):
    """Matrix product: entry (i, j) is the dot product of row i of a and column j of b.

    a: (n, k)    b: (k, m)    ->    (n, m)

        matmul(a, b)[i][j] = sum_k a[i][k] * b[k][j]
    """
    return a @ b


@_checks.takes(matrix="matrix", bias="vector, values = columns of matrix")
def add_bias(matrix, bias):
    """Add the same bias vector to every row of a matrix.

    matrix: (n_samples, n_features)    bias: (n_features,)    ->    (n_samples, n_features)

        add_bias(m, b)[i][j] = m[i][j] + b[j]
    """
    # Broadcasting stretches the (n_features,) bias over every row.
    return matrix + bias
