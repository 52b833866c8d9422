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
"""

import math

from pure import _checks

DEFAULTS = {
    "sgd": {"lr": 1.0, "decay": 0.0, "momentum": 0.0},
    "adagrad": {"lr": 1.0, "decay": 0.0, "epsilon": 1e-7},
    "rmsprop": {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "rho": 0.9},
    "adam": {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "beta1": 0.9, "beta2": 0.999},
}


def _map(function, *arrays):
    """Apply a function of numbers element by element to vectors or matrices of one shape."""
    if isinstance(arrays[0][0], (list, tuple)):
        return [[function(*values) for values in zip(*rows)] for rows in zip(*arrays)]
    return [function(*values) for values in zip(*arrays)]


def _zeros_like(value):
    return _map(lambda x: 0.0, value)


def _learning_rate(hp, iterations):
    # Decay shrinks the step as training goes on: lr / (1 + decay * iterations).
    return hp["lr"] / (1.0 + hp["decay"] * iterations)


def _slots(func, state, key, params):
    """Per-parameter memory kept between steps (momentums, caches): zeros on the first step."""
    if state is None:
        return {name: _zeros_like(value) for name, value in params.items()}
    return _checks.state_slots(func, state, key, params)


def sgd(params, grads, state=None, hyperparameters=None):
    """Stochastic gradient descent, with optional learning-rate decay and momentum.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (1.0), decay (0.0), momentum (0.0)    ->    (new_params, new_state)

        lr_t = lr / (1 + decay * iterations)
        without momentum:  w = w - lr_t * g
        with momentum:     u = momentum * u - lr_t * g;  w = w + u
    """
    params, grads, hp, iterations = _checks.optimizer_inputs("sgd", params, grads, state, hyperparameters,
                                                            DEFAULTS["sgd"])
    return _sgd(params, grads, state, hp, iterations)


def _sgd(params, grads, state, hp, iterations):
    # sgd itself, for callers that have checked its arguments (the network).
    lr = _learning_rate(hp, iterations)
    momentum = hp["momentum"]
    new_params, new_state = {}, {"iterations": iterations + 1}
    if momentum:
        # Each update keeps a fraction of the previous one, like a ball rolling
        # downhill that does not stop at every small bump.
        updates = _slots("sgd", state, "momentums", params)
        new_state["momentums"] = {}
        for name, w in params.items():
            update = _map(lambda u, g: momentum * u - lr * g, updates[name], grads[name])
            new_state["momentums"][name] = update
            new_params[name] = _map(lambda w, u: w + u, w, update)
    else:
        for name, w in params.items():
            new_params[name] = _map(lambda w, g: w - lr * g, w, grads[name])
    return new_params, new_state


def adagrad(params, grads, state=None, hyperparameters=None):
    """Adagrad: each parameter's step shrinks with the sum of its past squared gradients.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (1.0), decay (0.0), epsilon (1e-7)    ->    (new_params, new_state)

        cache = cache + g**2
        w = w - lr_t * g / (sqrt(cache) + epsilon)
    """
    params, grads, hp, iterations = _checks.optimizer_inputs("adagrad", params, grads, state, hyperparameters,
                                                            DEFAULTS["adagrad"])
    return _adagrad(params, grads, state, hp, iterations)


def _adagrad(params, grads, state, hp, iterations):
    # adagrad itself, for callers that have checked its arguments (the network).
    lr, epsilon = _learning_rate(hp, iterations), hp["epsilon"]
    caches = _slots("adagrad", state, "caches", params)
    new_params, new_state = {}, {"iterations": iterations + 1, "caches": {}}
    for name, w in params.items():
        cache = _map(lambda c, g: c + g * g, caches[name], grads[name])
        new_state["caches"][name] = cache
        new_params[name] = _map(lambda w, g, c: w - lr * g / (math.sqrt(c) + epsilon), w, grads[name], cache)
    return new_params, new_state


def rmsprop(params, grads, state=None, hyperparameters=None):
    """RMSprop: like Adagrad, but the cache is a moving average, so old gradients fade.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (0.001), decay (0.0), epsilon (1e-7), rho (0.9)
    ->    (new_params, new_state)

        cache = rho * cache + (1 - rho) * g**2
        w = w - lr_t * g / (sqrt(cache) + epsilon)
    """
    params, grads, hp, iterations = _checks.optimizer_inputs("rmsprop", params, grads, state, hyperparameters,
                                                            DEFAULTS["rmsprop"])
    return _rmsprop(params, grads, state, hp, iterations)


def _rmsprop(params, grads, state, hp, iterations):
    # rmsprop itself, for callers that have checked its arguments (the network).
    lr, epsilon, rho = _learning_rate(hp, iterations), hp["epsilon"], hp["rho"]
    caches = _slots("rmsprop", state, "caches", params)
    new_params, new_state = {}, {"iterations": iterations + 1, "caches": {}}
    for name, w in params.items():
        cache = _map(lambda c, g: rho * c + (1.0 - rho) * g * g, caches[name], grads[name])
        new_state["caches"][name] = cache
        new_params[name] = _map(lambda w, g, c: w - lr * g / (math.sqrt(c) + epsilon), w, grads[name], cache)
    return new_params, new_state


def adam(params, grads, state=None, hyperparameters=None):
    """Adam: momentum and an RMSprop cache together, each corrected for starting at zero.

    params, grads: dicts of arrays with the same names and shapes    state: None or a dict
    hyperparameters: lr (0.001), decay (0.0), epsilon (1e-7), beta1 (0.9), beta2 (0.999)
    ->    (new_params, new_state)

        m = beta1 * m + (1 - beta1) * g             v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**(iterations + 1))   v_hat = v / (1 - beta2**(iterations + 1))
        w = w - lr_t * m_hat / (sqrt(v_hat) + epsilon)
    """
    params, grads, hp, iterations = _checks.optimizer_inputs("adam", params, grads, state, hyperparameters,
                                                            DEFAULTS["adam"])
    return _adam(params, grads, state, hp, iterations)


def _adam(params, grads, state, hp, iterations):
    # adam itself, for callers that have checked its arguments (the network).
    lr, epsilon, beta1, beta2 = _learning_rate(hp, iterations), hp["epsilon"], hp["beta1"], hp["beta2"]
    # m and v start at zero, so early averages are too small; dividing by
    # 1 - beta**t undoes that, and matters less and less as t grows.
    correction1 = 1.0 - beta1 ** (iterations + 1)
    correction2 = 1.0 - beta2 ** (iterations + 1)
    momentums = _slots("adam", state, "momentums", params)
    caches = _slots("adam", state, "caches", params)
    new_params, new_state = {}, {"iterations": iterations + 1, "momentums": {}, "caches": {}}
    for name, w in params.items():
        g = grads[name]
        m = _map(lambda m, g: beta1 * m + (1.0 - beta1) * g, momentums[name], g)
        v = _map(lambda v, g: beta2 * v + (1.0 - beta2) * g * g, caches[name], g)
        new_state["momentums"][name], new_state["caches"][name] = m, v
        new_params[name] = _map(
            lambda w, m, v: w - lr * (m / correction1) / (math.sqrt(v / correction2) + epsilon), w, m, v)
    return new_params, new_state
