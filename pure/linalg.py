"""Linear algebra for neural networks, written as plain loops over lists.

A vector is a list of floats; a matrix is a list of rows, each a list of floats.
Compare with ``vectorized/linalg.py``: the same functions, one NumPy call each.
"""

from pure import _checks


@_checks.takes(a="vector", b="vector, values = values of a (the length of a)")
def dot(a, b):
    """Dot product of two vectors of the same length.

    a: (n,)    b: (n,)    ->    float

        dot(a, b) = sum_i a[i] * b[i]
    """
    total = 0.0
    for x, y in zip(a, b):
        total += x * y
    return total


@_checks.takes(matrix="matrix")
def transpose(matrix):
    """Swap rows and columns: row i of the result is column i of ``matrix``.

    matrix: (rows, columns)    ->    (columns, rows)

        transpose(m)[j][i] = m[i][j]
    """
    n_rows, n_columns = len(matrix), len(matrix[0])
    return [[matrix[i][j] for i in range(n_rows)] for j in range(n_columns)]


@_checks.takes(a="matrix", b="matrix, rows = columns of a")
def matmul(a, b):
    """Matrix product: entry (i, j) is the dot product of row i of a and column j of b.

    a: (n, k)    b: (k, m)    ->    (n, m)

        matmul(a, b)[i][j] = sum_k a[i][k] * b[k][j]
    """
    result = []
    for a_row in a:
        # Walk b row by row rather than column by column: each a[i][k] scales
        # row k of b into the output row. Same sum, but the inner loop reads a
        # Python list front to back, which is the fastest way to read one.
        out_row = [0.0] * len(b[0])
        for a_ik, b_row in zip(a_row, b):
            for j, b_kj in enumerate(b_row):
                out_row[j] += a_ik * b_kj
        result.append(out_row)
    return result


@_checks.takes(matrix="matrix", bias="vector, values = columns of matrix")
def add_bias(matrix, bias):
    """Add the same bias vector to every row of a matrix.

    matrix: (n_samples, n_features)    bias: (n_features,)    ->    (n_samples, n_features)

        add_bias(m, b)[i][j] = m[i][j] + b[j]
    """
    return [[x + b for x, b in zip(row, bias)] for row in matrix]
