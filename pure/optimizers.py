"""Optimizers as pure update rules, written as plain loops over lists.

Every optimizer has the same shape::

    new_params, new_state = optimizer(params, grads, state, hyperparameters)

``params`` and ``grads`` are dicts from a name (such as ``"weights0"``) to a
vector or a matrix; ``state`` is None before the first step and afterwards
whatever the previous step returned; ``hyperparameters`` is a dict whose
missing entries take the defaults in ``DEFAULTS``. Nothing is changed in place.

The step counter ``state["iterations"]`` counts the updates already made. An
update uses it as it stands (for learning-rate decay, and plus one for Adam's
bias correction) and returns it advanced by one: the first update sees 0.

The declared checks fill in the defaults, so a body reads every hyperparameter
from one full dict. ``optimizer.unchecked`` expects that full dict (as the
network passes it, checked and merged once before training), not None.
"""

import math

from pure import _checks

DEFAULTS = {
    "sgd": {"lr": 1.0, "decay": 0.0, "momentum": 0.0},
    "adagrad": {"lr": 1.0, "decay": 0.0, "epsilon": 1e-7},
    "rmsprop": {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "rho": 0.9},
    "adam": {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "beta1": 0.9, "beta2": 0.999},
}

# What each optimizer keeps in its state between steps, checked against params
# (sgd keeps momentums only when it has a momentum). The network checks a
# state it is given with the same table, once, at its entry points.
STATES = {
    "sgd": _checks.previous_state("momentums", when="momentum"),
    "adagrad": _checks.previous_state("caches"),
    "rmsprop": _checks.previous_state("caches"),
    "adam": _checks.previous_state("momentums", "caches"),
}


# An optimizer updates every number of a parameter on its own, whatever the shape:
# the loops below run over one list of its numbers, then put them back in shape.
def _numbers(array):
    """The numbers of a vector or a matrix, row after row, in a new list."""
    if isinstance(array[0], (list, tuple)):
        return [x for row in array for x in row]
    return list(array)


def _shaped(numbers, like):
    """A list from ``_numbers`` back in the shape of the vector or matrix ``like``."""
    if isinstance(like[0], (list, tuple)):
        width = len(like[0])
        return [numbers[start:start + width] for start in range(0, len(numbers), width)]
    return numbers


def _zeros_like(array):
    """A vector or a matrix of zeros, the shape of ``array``."""
    if isinstance(array[0], (list, tuple)):
        return [[0.0] * len(row) for row in array]
    return [0.0] * len(array)


def _iterations(state):
    # The updates already made: none before the first step.
    return 0 if state is None else state["iterations"]


def _learning_rate(hyperparameters, iterations):
    # Decay shrinks the step as training goes on: lr / (1 + decay * iterations).
    return hyperparameters["lr"] / (1.0 + hyperparameters["decay"] * iterations)


def _slots(state, key, params):
    """Per-parameter memory kept between steps (momentums, caches): zeros on the first step."""
    if state is None:
        return {name: _zeros_like(w) for name, w in params.items()}
    return state[key]


@_checks.takes(params="arrays", grads="arrays for params", hyperparameters=_checks.merged_with(DEFAULTS["sgd"]),
               state=STATES["sgd"])
def sgd(params, grads, state=None, hyperparameters=None):
    """Stochastic gradient descent, with optional learning-rate decay and momentum.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (1.0), decay (0.0), momentum (0.0)    ->    (new_params, new_state)

        lr_t = lr / (1 + decay * iterations)
        without momentum:  w = w - lr_t * g
        with momentum:     u = momentum * u - lr_t * g;  w = w + u
    """
    iterations = _iterations(state)
    lr, momentum = _learning_rate(hyperparameters, iterations), hyperparameters["momentum"]
    new_params = {}
    if not momentum:
        for name in params:
            w, g = _numbers(params[name]), _numbers(grads[name])
            for i in range(len(w)):
                w[i] = w[i] - lr * g[i]
            new_params[name] = _shaped(w, params[name])
        return new_params, {"iterations": iterations + 1}
    # Each update keeps a fraction of the previous one, like a ball rolling
    # downhill that does not stop at every small bump.
    updates, new_updates = _slots(state, "momentums", params), {}
    for name in params:
        w, g, u = _numbers(params[name]), _numbers(grads[name]), _numbers(updates[name])
        for i in range(len(w)):
            u[i] = momentum * u[i] - lr * g[i]
            w[i] = w[i] + u[i]
        new_params[name], new_updates[name] = _shaped(w, params[name]), _shaped(u, params[name])
    return new_params, {"iterations": iterations + 1, "momentums": new_updates}


def _divide_by_root_cache(params, grads, state, hyperparameters, new_cache):
    """Adagrad's and RMSprop's step, which differ only in how they keep the cache:

        cache = new_cache(cache, g)
        w = w - lr_t * g / (sqrt(cache) + epsilon)
    """
    iterations = _iterations(state)
    lr, epsilon = _learning_rate(hyperparameters, iterations), hyperparameters["epsilon"]
    caches = _slots(state, "caches", params)
    new_params, new_caches = {}, {}
    for name in params:
        w, g, cache = _numbers(params[name]), _numbers(grads[name]), _numbers(caches[name])
        for i in range(len(w)):
            cache[i] = new_cache(cache[i], g[i])
            w[i] = w[i] - lr * g[i] / (math.sqrt(cache[i]) + epsilon)
        new_params[name], new_caches[name] = _shaped(w, params[name]), _shaped(cache, params[name])
    return new_params, {"iterations": iterations + 1, "caches": new_caches}


@_checks.takes(params="arrays", grads="arrays for params", hyperparameters=_checks.merged_with(DEFAULTS["adagrad"]),
               state=STATES["adagrad"])
def adagrad(params, grads, state=None, hyperparameters=None):
    """Adagrad: each parameter's step shrinks with the sum of its past squared gradients.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (1.0), decay (0.0), epsilon (1e-7)    ->    (new_params, new_state)

        cache = cache + g**2
        w = w - lr_t * g / (sqrt(cache) + epsilon)
    """
    def new_cache(cache, g):
        return cache + g * g
    return _divide_by_root_cache(params, grads, state, hyperparameters, new_cache)


@_checks.takes(params="arrays", grads="arrays for params", hyperparameters=_checks.merged_with(DEFAULTS["rmsprop"]),
               state=STATES["rmsprop"])
def rmsprop(params, grads, state=None, hyperparameters=None):
    """RMSprop: like Adagrad, but the cache is a moving average, so old gradients fade.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (0.001), decay (0.0), epsilon (1e-7), rho (0.9)
    ->    (new_params, new_state)

        cache = rho * cache + (1 - rho) * g**2
        w = w - lr_t * g / (sqrt(cache) + epsilon)
    """
    rho = hyperparameters["rho"]

    def new_cache(cache, g):
        return rho * cache + (1.0 - rho) * g * g
    return _divide_by_root_cache(params, grads, state, hyperparameters, new_cache)


@_checks.takes(params="arrays", grads="arrays for params", hyperparameters=_checks.merged_with(DEFAULTS["adam"]),
               state=STATES["adam"])
def adam(params, grads, state=None, hyperparameters=None):
    """Adam: momentum and an RMSprop cache together, each corrected for starting at zero.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (0.001), decay (0.0), epsilon (1e-7), beta1 (0.9), beta2 (0.999)
    ->    (new_params, new_state)

        m = beta1 * m + (1 - beta1) * g             v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**(iterations + 1))   v_hat = v / (1 - beta2**(iterations + 1))
        w = w - lr_t * m_hat / (sqrt(v_hat) + epsilon)
    """
    iterations = _iterations(state)
    lr, epsilon = _learning_rate(hyperparameters, iterations), hyperparameters["epsilon"]
    beta1, beta2 = hyperparameters["beta1"], hyperparameters["beta2"]
    # m and v start at zero, so early averages are too small; dividing by
    # 1 - beta**t undoes that, and matters less and less as t grows.
    correction1 = 1.0 - beta1 ** (iterations + 1)
    correction2 = 1.0 - beta2 ** (iterations + 1)
    momentums, caches = _slots(state, "momentums", params), _slots(state, "caches", params)
    new_params, new_momentums, new_caches = {}, {}, {}
    for name in params:
        w, g = _numbers(params[name]), _numbers(grads[name])
        m, v = _numbers(momentums[name]), _numbers(caches[name])
        for i in range(len(w)):
            m[i] = beta1 * m[i] + (1.0 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
            w[i] = w[i] - lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + epsilon)
        new_params[name], new_momentums[name], new_caches[name] = (
            _shaped(w, params[name]), _shaped(m, params[name]), _shaped(v, params[name]))
    return new_params, {"iterations": iterations + 1, "momentums": new_momentums, "caches": new_caches}
