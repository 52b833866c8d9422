"""An engineer's fast code: four operations in float32 NumPy, checked against twinnet in
test_fast_operations.py beside this file.

Each computes in the dtype of the arrays it is given (float32 when the check
runs with dtype="float32"), the way fast training code does.
"""

import numpy as np


def relu(inputs):
    return np.maximum(inputs, np.float32(0.0), dtype=np.float32)


def softmax(inputs):
    inputs = inputs.astype(np.float32, copy=False)
    exps = np.exp(inputs - inputs.max(axis=1, keepdims=True))
    return exps / exps.sum(axis=1, keepdims=True)


def dense_forward(inputs, weights, biases):
    return inputs.astype(np.float32) @ weights.astype(np.float32) + biases.astype(np.float32)


def adam(params, grads, state=None, hyperparameters=None):
    settings = {"lr": 0.001, "decay": 0.0, "epsilon": 1e-7, "beta1": 0.9, "beta2": 0.999, **(hyperparameters or {})}
    iterations = 0 if state is None else state["iterations"]
    lr = settings["lr"] / (1.0 + settings["decay"] * iterations)
    beta1, beta2 = settings["beta1"], settings["beta2"]
    new_params, momentums, caches = {}, {}, {}
    for name, w in params.items():
        w, g = w.astype(np.float32), grads[name].astype(np.float32)
        m = np.zeros_like(w) if state is None else state["momentums"][name].astype(np.float32)
        v = np.zeros_like(w) if state is None else state["caches"][name].astype(np.float32)
        m = np.float32(beta1) * m + np.float32(1.0 - beta1) * g
        v = np.float32(beta2) * v + np.float32(1.0 - beta2) * g * g
        m_hat = m / np.float32(1.0 - beta1 ** (iterations + 1))
        v_hat = v / np.float32(1.0 - beta2 ** (iterations + 1))
        new_params[name] = w - np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(settings["epsilon"]))
        momentums[name], caches[name] = m, v
    return new_params, {"iterations": iterations + 1, "momentums": momentums, "caches": caches}
