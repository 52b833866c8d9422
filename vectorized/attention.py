"""Embeddings, positions and attention over sequences, vectorized with NumPy.

Sequences are ``(n_samples, length, width)``: a vector of ``width`` features at
each position. Token indices are ``(n_samples, length)`` ints. An attention
mask is ``(n_queries, n_keys)`` booleans, True where a query may attend to a
key (PyTorch's convention), and the same for every sample; a row with no True
left is an error, never NaN. Scores are scaled by ``1 / sqrt(d_k)``:

    attention(query, key, value) = softmax(query @ key^T / sqrt(d_k)) @ value

Compare with ``pure/attention.py``, which loops over samples, heads, queries
and keys: here batched matrix products (``@`` on arrays of more than two axes
multiplies their last two axes, matrix by matrix) compute every sample, query
and key at once, and multi-head attention reshapes the heads into one more
batch axis. No Python loop runs over samples, heads or positions.
"""

import math

import numpy as np

from vectorized import _checks, activations

_softmax = activations.softmax.unchecked
_softmax_backward = activations.softmax_backward.unchecked

# The keys of attention match the queries' samples and features; the values, the keys' positions.
_KEY = "sequences, rows = rows of query (one per sample), features = features of query (d_k)"
_VALUE = "sequences, rows = rows of query (one per sample), positions = positions of key (one per key)"
# Each projection of multi-head attention maps the width onto itself.
_PROJECTION = "matrix, rows = features of inputs (one per feature), columns = features of inputs (one per feature)"


def _allowed(mask, n_queries, n_keys):
    """The mask as given, or where there is none, every key allowed to every query:
    (n_queries, n_keys)."""
    return mask if mask is not None else np.ones((n_queries, n_keys), dtype=bool)


def _positions(sequences):
    """Every position of every sample, one row each: (n_samples * length, width)."""
    return sequences.reshape(-1, sequences.shape[-1])


def _split_heads(sequences, n_heads):
    """Each position's features cut into ``n_heads`` consecutive slices, a head each:
    (n_samples, length, width) -> (n_samples, n_heads, length, width // n_heads)."""
    n_samples, length, width = sequences.shape
    return sequences.reshape(n_samples, length, n_heads, width // n_heads).transpose(0, 2, 1, 3)


def _merge_heads(heads):
    """What _split_heads cut, put back side by side:
    (n_samples, n_heads, length, d_head) -> (n_samples, length, n_heads * d_head)."""
    n_samples, n_heads, length, d_head = heads.shape
    return heads.transpose(0, 2, 1, 3).reshape(n_samples, length, n_heads * d_head)


def _projected_heads(inputs, weights, n_heads):
    """The queries, keys or values of every head: inputs @ weights, split into heads."""
    return _split_heads(inputs @ weights, n_heads)


def _weights_gradient(inputs, dprojected):
    """The gradient of weights shared by every position: the sum over samples and positions of
    inputs^T @ dprojected, (width, out)."""
    return _positions(inputs).T @ _positions(dprojected)


def _by_rows(function, *arrays):
    """A function of matrices (softmax, its backward) applied to every row of arrays of any number of axes,
    the rows being the last axis: the arrays flattened into one matrix, and the result folded back."""
    return function(*(array.reshape(-1, array.shape[-1]) for array in arrays)).reshape(arrays[0].shape)


@_checks.takes(table="matrix", indices="indices for table")
def embedding(indices, table):
    """Embedding: each token index replaced by its row of the table, a learned vector per token.

    indices: (n_samples, length), ints in [0, vocabulary)    table: (vocabulary, width)
    ->    (n_samples, length, width)

        outputs[n][t] = table[indices[n][t]]
    """
    return table[indices]


@_checks.takes(dvalues="sequences", vocabulary=_checks.rows_of_table("dvalues"),
               indices="indices for vocabulary, rows = rows of dvalues (one per sample), "
                       "columns = positions of dvalues (one per position)")
def embedding_backward(dvalues, indices, vocabulary):
    """Gradient of the embedding's table: each position's upstream gradient, added to its token's row.

    dvalues: (n_samples, length, width)    indices: (n_samples, length), as given to embedding
    vocabulary: the table's number of rows
    ->    dtable: (vocabulary, width)

        dtable[indices[n][t]] += dvalues[n][t]      for every sample n and position t

    A token used twice gets the sum of both gradients (+=, not =); a token not
    used gets zeros. The indices have no gradient.
    """
    dtable = np.zeros((vocabulary, dvalues.shape[-1]), dtype=dvalues.dtype)
    # Unbuffered: where an index repeats, np.add.at adds every position's gradient (dtable[indices] += dvalues
    # would keep only the last one).
    np.add.at(dtable, indices, dvalues)
    return dtable


@_checks.takes(length="count", width=_checks.count_times("length"))
def positional_encoding(length, width):
    """The sinusoidal positional encoding of "Attention Is All You Need": a vector per position.

    length, width: ints >= 1    ->    (length, width)

        angle = pos / 10000 ** (2i / width)                  for columns 2i and 2i + 1
        encoding[pos][2i] = sin(angle)    encoding[pos][2i + 1] = cos(angle)

    Each pair of columns turns at its own rate, from one radian per position
    (columns 0 and 1) to nearly 10000 positions per turn, so that every position
    gets its own pattern. Added to the embeddings, it tells attention, which
    by itself ignores order, where each token stands. It has no parameters and
    no gradient.
    """
    pos = np.arange(length)[:, None]                # a column of positions
    j = np.arange(width)                            # a row of columns; 2i is j rounded down to even
    angle = pos / 10000.0 ** ((j - j % 2) / width)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle))


@_checks.takes(n=_checks.count_times("n"))
def causal_mask(n):
    """The mask of a decoder: each position may attend to itself and to the positions before it.

    n: the sequence's length    ->    (n, n) booleans

        mask[i][j] = (j <= i)        True: query i may attend to key j

    With it, position i's output depends on positions 0..i only, never on the
    tokens that come after it (the ones a language model is asked to predict).
    """
    return np.arange(n)[None, :] <= np.arange(n)[:, None]


def _attention_backward(doutputs, query, key, value, weights):
    """Gradients of attention whose weights are known (see scaled_dot_product_attention_backward):
    (dquery, dkey, dvalue). Multi-head attention's backward has the weights already."""
    dvalue = weights.mT @ doutputs
    dweights = doutputs @ value.mT
    dscores = _by_rows(_softmax_backward, dweights, weights) / math.sqrt(query.shape[-1])
    return dscores @ key, dscores.mT @ query, dvalue


@_checks.takes(query="sequences", key=_KEY, mask=_checks.mask_over("query", "key"))
def attention_weights(query, key, mask=None):
    """The attention weights: how much each query attends to each key, a softmax over the keys.

    query: (n_samples, n_queries, d_k)    key: (n_samples, n_keys, d_k)
    mask: (n_queries, n_keys) booleans, True where a query may attend to a key; None: every key
    ->    weights: (n_samples, n_queries, n_keys), each row summing to 1

        scores[n][i][j] = dot(query[n][i], key[n][j]) / sqrt(d_k)
        weights[n][i] = softmax(scores[n][i]), masked keys excluded (weight exactly 0)

    The row's largest allowed score is subtracted before exp (see softmax), so
    scores of 1e4 stay finite. A masked score becomes -inf, whose exp is 0.
    """
    d_k = query.shape[-1]
    allowed = _allowed(mask, query.shape[-2], key.shape[-2])
    # .mT: each matrix of the batch transposed (the last two axes swapped); @ multiplies matrix by matrix.
    scores = np.where(allowed, query @ key.mT / math.sqrt(d_k), -math.inf)
    return _by_rows(_softmax, scores)


@_checks.takes(query="sequences", key=_KEY, value=_VALUE, mask=_checks.mask_over("query", "key"))
def scaled_dot_product_attention(query, key, value, mask=None):
    """Scaled dot-product attention: for each query, the values averaged with its attention weights.

    query: (n_samples, n_queries, d_k)    key: (n_samples, n_keys, d_k)
    value: (n_samples, n_keys, d_v)
    mask: (n_queries, n_keys) booleans, True where a query may attend to a key; None: every key
    ->    outputs: (n_samples, n_queries, d_v)

        weights = attention_weights(query, key, mask)      softmax(query @ key^T / sqrt(d_k))
        outputs[n] = weights[n] @ value[n]

    Dividing by sqrt(d_k) keeps the scores' spread near 1 whatever d_k is: a dot
    product of d_k terms of variance 1 has variance d_k.
    """
    weights = attention_weights.unchecked(query, key, mask)
    return weights @ value                                                            # every sample at once


@_checks.takes(query="sequences", key=_KEY, value=_VALUE, mask=_checks.mask_over("query", "key"),
               doutputs="sequences, rows = rows of query (one per sample), positions = positions of query "
                        "(one per query), features = features of value (d_v)")
def scaled_dot_product_attention_backward(doutputs, query, key, value, mask=None):
    """Gradients of scaled dot-product attention, given the loss's gradient at its outputs.

    doutputs: (n_samples, n_queries, d_v), the upstream gradient
    query, key, value, mask: as given to scaled_dot_product_attention
    ->    dquery: (n_samples, n_queries, d_k), dkey: (n_samples, n_keys, d_k),
          dvalue: (n_samples, n_keys, d_v)

        weights = attention_weights(query, key, mask)
        dvalue[n] = weights[n]^T @ doutputs[n]
        dweights[n] = doutputs[n] @ value[n]^T
        dscores[n] = softmax_backward(dweights[n], weights[n]) / sqrt(d_k)     (0 where masked)
        dquery[n] = dscores[n] @ key[n]        dkey[n] = dscores[n]^T @ query[n]

    The upstream gradient is called ``doutputs``, not ``dvalues`` as elsewhere in
    twinnet: beside an argument ``value`` and a result ``dvalue``, ``dvalues``
    would read as the gradient of the values, which it is not.
    """
    return _attention_backward(doutputs, query, key, value, attention_weights.unchecked(query, key, mask))


@_checks.takes(inputs="sequences", query_weights=_PROJECTION, key_weights=_PROJECTION,
               n_heads=_checks.heads_of("inputs"), mask=_checks.mask_over("inputs", "inputs", heads="n_heads"))
def multi_head_attention_weights(inputs, query_weights, key_weights, n_heads, mask=None):
    """Each head's attention weights in multi-head self-attention, to look at (a plot per head).

    inputs: (n_samples, length, width)    query_weights, key_weights: (width, width)
    n_heads: an int that divides width    mask: (length, length) booleans, or None
    ->    weights: (n_samples, n_heads, length, length)

        weights[n][h] = attention_weights(query[n][h], key[n][h], mask)
        with query = inputs @ query_weights and key = inputs @ key_weights split into heads
        (see multi_head_attention)
    """
    query, key = (_projected_heads(inputs, weights, n_heads) for weights in (query_weights, key_weights))
    return attention_weights.unchecked(query, key, mask)


@_checks.takes(inputs="sequences", query_weights=_PROJECTION, key_weights=_PROJECTION, value_weights=_PROJECTION,
               output_weights=_PROJECTION, n_heads=_checks.heads_of("inputs"),
               mask=_checks.mask_over("inputs", "inputs", heads="n_heads"))
def multi_head_attention(inputs, query_weights, key_weights, value_weights, output_weights, n_heads, mask=None):
    """Multi-head self-attention: the sequence attends to itself, in n_heads heads side by side.

    inputs: (n_samples, length, width)
    query_weights, key_weights, value_weights, output_weights: (width, width)
    n_heads: an int that divides width    mask: (length, length) booleans, or None
    ->    outputs: (n_samples, length, width)

        query, key, value = inputs @ query_weights, inputs @ key_weights, inputs @ value_weights
        each cut into n_heads heads of d_head = width // n_heads consecutive features:
            query[n][h][t] = query[n][t][h * d_head:(h + 1) * d_head]    (and key, value)
        heads[n][h] = scaled_dot_product_attention(query[n][h], key[n][h], value[n][h], mask)
        outputs[n][t] = concat over h of heads[n][h][t], @ output_weights

    Each head scales its scores by 1 / sqrt(d_head). The projections have no
    biases, as many small GPTs leave them out (a bias of the keys would add the
    same amount to all of a query's scores, which softmax ignores).
    """
    query, key, value = (_projected_heads(inputs, weights, n_heads)
                         for weights in (query_weights, key_weights, value_weights))
    # Every sample's heads at once: the heads are one more batch axis, the mask the same for each.
    heads = scaled_dot_product_attention.unchecked(query, key, value, mask)
    return _merge_heads(heads) @ output_weights


@_checks.takes(inputs="sequences", query_weights=_PROJECTION, key_weights=_PROJECTION, value_weights=_PROJECTION,
               output_weights=_PROJECTION, n_heads=_checks.heads_of("inputs"),
               mask=_checks.mask_over("inputs", "inputs", heads="n_heads"), dvalues="sequences like inputs")
def multi_head_attention_backward(dvalues, inputs, query_weights, key_weights, value_weights, output_weights,
                                  n_heads, mask=None):
    """Gradients of multi-head self-attention, given the loss's gradient at its outputs.

    dvalues: (n_samples, length, width)
    inputs, query_weights, key_weights, value_weights, output_weights, n_heads, mask: as given to
    multi_head_attention
    ->    dinputs: (n_samples, length, width), dquery_weights, dkey_weights, dvalue_weights,
          doutput_weights: (width, width)

        concat = the heads side by side, as in multi_head_attention
        doutput_weights = sum over n, t of concat[n][t]^T dvalues[n][t]
        dheads = dvalues @ output_weights^T, cut into heads
        dquery, dkey, dvalue = scaled_dot_product_attention_backward(dheads, query, key, value,
            mask), head by head, put back side by side
        dquery_weights = sum over n, t of inputs[n][t]^T dquery[n][t]
            (and dkey_weights, dvalue_weights alike)
        dinputs = dquery @ query_weights^T + dkey @ key_weights^T + dvalue @ value_weights^T

    The input feeds the queries, the keys and the values: its gradient is the
    sum of the three paths back.
    """
    query, key, value = (_projected_heads(inputs, weights, n_heads)
                         for weights in (query_weights, key_weights, value_weights))
    weights = attention_weights.unchecked(query, key, mask)          # once, for the heads and their gradients
    heads = weights @ value
    doutput_weights = _weights_gradient(_merge_heads(heads), dvalues)
    dheads = _split_heads(dvalues @ output_weights.T, n_heads)
    gradients = _attention_backward(dheads, query, key, value, weights)
    dquery, dkey, dvalue = (_merge_heads(heads_gradient) for heads_gradient in gradients)
    dinputs = dquery @ query_weights.T + dkey @ key_weights.T + dvalue @ value_weights.T
    return (dinputs, _weights_gradient(inputs, dquery), _weights_gradient(inputs, dkey),
            _weights_gradient(inputs, dvalue), doutput_weights)
