"""Attention's properties beyond the twins' agreement, each in both twins.

Agreement proves the twins compute the same thing; these prove it is attention:
the weights of each query are a distribution over the keys it may see, a causal
mask keeps the future out of the past, and the keys are a set (their order does
not matter, as long as each value moves with its key).
"""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet.contract import strategies, tolerances
from twinnet.contract.tolerances import AGREEMENT_RTOL
from twinnet.contract.twins import TWINS

TWIN_NAMES = ["pure", "vectorized"]


def _run(twin, name, kwargs):
    """``attention.name`` of one twin on the drawn arguments (NumPy arrays), its result as arrays."""
    result = TWINS[twin].function("attention", name)(**TWINS[twin].convert(kwargs))
    return tuple(map(np.asarray, result)) if isinstance(result, tuple) else np.asarray(result)


# ---------------------------------------------------------------- the weights are distributions


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_each_row_of_weights_sums_to_one_and_masked_weights_are_zero(twin, data):
    kwargs = data.draw(strategies.attention_weights_args())
    weights = _run(twin, "attention_weights", kwargs)
    n_samples, n_queries, n_keys = len(kwargs["query"]), kwargs["query"].shape[1], kwargs["key"].shape[1]
    assert weights.shape == (n_samples, n_queries, n_keys)
    # A sum of n_keys numbers in [0, 1] is off from 1 by at most n_keys roundings.
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=n_keys * 2.0 ** -52)
    assert np.all(weights >= 0)
    if kwargs["mask"] is not None:
        assert np.all(weights[:, ~kwargs["mask"]] == 0.0)  # exactly 0, not merely small


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_each_heads_weights_are_distributions_too(twin, data):
    kwargs = data.draw(strategies.multi_head_attention_weights_args())
    weights = _run(twin, "multi_head_attention_weights", kwargs)
    n_samples, length, _ = kwargs["inputs"].shape
    assert weights.shape == (n_samples, kwargs["n_heads"], length, length)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=length * 2.0 ** -52)
    if kwargs["mask"] is not None:
        assert np.all(weights[:, :, ~kwargs["mask"]] == 0.0)


# ---------------------------------------------------------------- causal: the future never reaches the past


@st.composite
def causal_change(draw, name):
    """Causal self-attention arguments, a position t, and the same arguments changed at every position after t."""
    if name == "multi_head_attention":
        kwargs, sequences = draw(strategies.multi_head_attention_args()), ("inputs",)
    else:
        n_samples, length, d_k, d_v = (draw(strategies.sides()) for _ in range(4))
        kwargs = {"query": draw(strategies.arrays((n_samples, length, d_k))),
                  "key": draw(strategies.arrays((n_samples, length, d_k))),
                  "value": draw(strategies.arrays((n_samples, length, d_v)))}
        sequences = ("query", "key", "value")
    length = kwargs[sequences[0]].shape[1]
    kwargs["mask"] = TWINS["vectorized"].attention.causal_mask(length)
    t = draw(st.integers(0, length - 1))
    changed = dict(kwargs)
    for argument in sequences:
        changed[argument] = kwargs[argument].copy()
        changed[argument][:, t + 1:] = draw(strategies.arrays(changed[argument][:, t + 1:].shape))
    return kwargs, changed, t


@pytest.mark.parametrize("twin", TWIN_NAMES)
@pytest.mark.parametrize("name", ["scaled_dot_product_attention", "multi_head_attention"])
@given(data=st.data())
def test_with_a_causal_mask_a_later_token_never_changes_an_earlier_output(twin, name, data):
    kwargs, changed, t = data.draw(causal_change(name))
    before, after = _run(twin, name, kwargs), _run(twin, name, changed)
    # Exactly: a masked key's weight is exactly 0, so its value adds exactly nothing.
    np.testing.assert_array_equal(after[:, :t + 1], before[:, :t + 1])


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_without_the_mask_the_future_does_reach_the_past(twin):
    """The property above is the mask's doing: the same change moves the first output when nothing is masked."""
    rng = np.random.default_rng(0)
    query, key, value = (rng.normal(size=(1, 4, 3)) for _ in range(3))
    changed = value.copy()
    changed[0, 3] += 1.0
    for mask, moves in ((None, True), (TWINS["vectorized"].attention.causal_mask(4), False)):
        outputs = [_run(twin, "scaled_dot_product_attention", dict(query=query, key=key, value=v, mask=mask))
                   for v in (value, changed)]
        assert (not np.array_equal(outputs[0][0, 0], outputs[1][0, 0])) is moves


def test_the_causal_mask_is_pytorchs():
    """PyTorch's documented reference for scaled_dot_product_attention builds its causal mask as
    torch.ones(L, S, dtype=torch.bool).tril(diagonal=0): True on and below the diagonal."""
    for twin in TWIN_NAMES:
        for n in (1, 2, 5):
            np.testing.assert_array_equal(_run(twin, "causal_mask", {"n": n}), np.tril(np.ones((n, n), dtype=bool)))


# ---------------------------------------------------------------- the keys are a set


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_permuting_keys_and_values_together_leaves_the_output_unchanged(twin, data):
    kwargs = data.draw(strategies.scaled_dot_product_attention_args())
    n_keys = kwargs["key"].shape[1]
    order = np.array(data.draw(st.permutations(range(n_keys))))
    permuted = {**kwargs, "key": kwargs["key"][:, order], "value": kwargs["value"][:, order],
                "mask": None if kwargs["mask"] is None else kwargs["mask"][:, order]}  # a mask moves with its keys
    before, after = _run(twin, "scaled_dot_product_attention", kwargs), _run(twin, "scaled_dot_product_attention",
                                                                             permuted)
    # The same sums in another order: equal within the rounding the twins are held to.
    allowed = AGREEMENT_RTOL * tolerances.scaled_dot_product_attention(kwargs, before)
    assert np.all(np.abs(after - before) <= allowed)


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_permuting_the_values_alone_does_change_the_output(twin):
    query = np.array([[[1.0, 0.0]]])
    key = np.array([[[2.0, 0.0], [0.0, 0.0]]])
    value = np.array([[[1.0], [-1.0]]])
    outputs = [_run(twin, "scaled_dot_product_attention", dict(query=query, key=key, value=v, mask=None))
               for v in (value, value[:, ::-1])]
    assert outputs[0][0, 0, 0] > 0 > outputs[1][0, 0, 0]


# ---------------------------------------------------------------- heads, masks and embeddings


@pytest.mark.parametrize("twin", TWIN_NAMES)
@given(data=st.data())
def test_multi_head_attention_is_single_head_attention_on_each_slice(twin, data):
    """The heads are independent: each is scaled dot-product attention on its own slice of the projections."""
    kwargs = data.draw(strategies.multi_head_attention_args())
    outputs = _run(twin, "multi_head_attention", kwargs)
    inputs, n_heads, mask = kwargs["inputs"], kwargs["n_heads"], kwargs["mask"]
    d_head = inputs.shape[-1] // n_heads
    query, key, value = (inputs @ kwargs[name] for name in ("query_weights", "key_weights", "value_weights"))
    heads = [_run(twin, "scaled_dot_product_attention", dict(
        query=query[..., h * d_head:(h + 1) * d_head], key=key[..., h * d_head:(h + 1) * d_head],
        value=value[..., h * d_head:(h + 1) * d_head], mask=mask)) for h in range(n_heads)]
    expected = np.concatenate(heads, axis=-1) @ kwargs["output_weights"]
    allowed = AGREEMENT_RTOL * tolerances.multi_head_attention(kwargs, outputs)
    assert np.all(np.abs(outputs - expected) <= allowed)


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_a_fully_masked_row_is_an_error_not_nan(twin):
    query = key = value = [[[1.0, 0.0], [0.0, 1.0]]]
    mask = [[True, False], [False, False]]  # the second query may attend to no key
    for name, arguments in (("attention_weights", (query, key)), ("scaled_dot_product_attention", (query, key, value))):
        with pytest.raises(ValueError, match=rf"^{name}: mask expected at least one True in each row \(a key for "
                                             r"each query to attend to\), got a row of False at row 1$"):
            _run(twin, name, dict(zip(("query", "key", "value"), map(np.array, arguments)), mask=np.array(mask)))


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_scores_of_1e4_give_exact_weights(twin):
    """Scores of 1e4, -1e4 and 0, the row's maximum subtracted first; in the second row the score of 1e4 is
    masked, and the largest score left is 0."""
    weights = _run(twin, "attention_weights", dict(query=np.array([[[100.0], [-100.0]]]),
                                                    key=np.array([[[100.0], [-100.0], [0.0]]]),
                                                    mask=np.array([[True, True, True], [True, False, True]])))
    np.testing.assert_array_equal(weights, [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]])


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_a_token_used_twice_gets_the_sum_of_its_gradients(twin):
    dvalues = np.array([[[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]]])
    dtable = _run(twin, "embedding_backward", dict(dvalues=dvalues, indices=np.array([[2, 0, 2]]), vocabulary=4))
    np.testing.assert_array_equal(dtable, [[10.0, 20.0], [0.0, 0.0], [101.0, 202.0], [0.0, 0.0]])


@pytest.mark.parametrize("twin", TWIN_NAMES)
def test_the_mask_takes_booleans_as_lists_numpy_bools_or_an_object_array(twin):
    query = key = value = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    masks = [[[True, False], [True, True]], np.array([[True, False], [True, True]]),
             np.array([[True, False], [True, True]], dtype=object), [[np.True_, np.False_], [np.True_, np.True_]]]
    results = [_run(twin, "scaled_dot_product_attention", dict(query=query, key=key, value=value, mask=mask))
               for mask in masks]
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])
