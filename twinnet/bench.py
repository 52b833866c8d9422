"""``twinnet bench``: both twins measured against their ceilings, side by side in one run.

Speed is never asserted in a test (the machines are shared and noisy); it is
measured here, as ratios of two timings taken alternately, which a busy machine
slows alike. Each timing is the best of several rounds, and each ratio is shown
with its spread: the ratio of every round's two timings, lowest to highest.

In sections 2, 3, 5 and 6 every contender runs in a process of its own (a worker
that sets its contender up once, then times it each round when asked), so that
NumPy's OpenBLAS threads and PyTorch's thread pool never share a process and
spin against each other (one run that timed both in one process measured
PyTorch's 784-128-10 step at 85 ms instead of 0.81 ms). Section 1 runs in this
process, where PyTorch is never imported.

1. Per operation: pure and vectorized time per call, and the speed-up, at a few sizes.
2. The vectorized training step of a 784-128-10 ReLU/softmax network (batch 128,
   plain SGD), in float32 and float64, against a flat hand-written NumPy script
   of the same math, against its five matrix products alone, and against
   PyTorch on the CPU when it is installed.
3. The pure training epoch of the 2-64-3 spiral network (300 samples, full
   batch, plain SGD) against a flat hand-written loop script of the same math,
   and against micrograd when it is installed.
4. Peak memory of vectorized MNIST training (one epoch), against the float32
   training set's size, when the MNIST files are at hand.
5. Convolution, forward and backward: the vectorized ``conv2d`` at a CNN
   layer's size (batch 64, 16 -> 32 channels, 14x14, 3x3, padding 1), in
   float32 and float64, against a flat hand-written im2col NumPy script of the
   same math and against PyTorch on the CPU when it is installed; the pure
   ``conv2d`` at a small size (batch 2, 3 -> 4 channels, 8x8, 3x3, padding 1)
   against a flat hand-written loop script.
6. Multi-head self-attention, forward and backward, causal mask: the vectorized
   ``multi_head_attention`` at a small transformer's size (batch 32, 64
   positions, width 128, 4 heads), in float32 and float64, against a flat
   hand-written NumPy script of the same math and against PyTorch on the CPU
   when it is installed; the pure twin at a small size (batch 2, 6 positions,
   width 8, 2 heads) against a flat hand-written loop script.
"""

import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

from twinnet.contract import registry
from twinnet.contract.twins import TWINS, to_pure
from twinnet.data import DataError, locate
from twinnet.train import as_vectorized_model

TARGETS = {"vs_flat": 1.10, "vs_matmuls": 1.5, "vs_torch": 0.8, "pure_vs_flat": 1.3, "memory": 1.5,
           "conv_vs_flat": 1.2, "conv_vs_torch": 2.0, "pure_conv_vs_flat": 1.5,
           "attention_vs_flat": 1.2, "attention_vs_torch": 1.5, "pure_attention_vs_flat": 1.5}


def timed(function, min_time):
    """Seconds per call: calls repeated until they take at least ``min_time`` together."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls
        calls = max(calls * 2, int(calls * min_time / max(elapsed, 1e-9)) + 1)


def side_by_side(functions, min_time, repeats):
    """{name: best seconds per call}, timing the functions in turn, ``repeats`` rounds."""
    best = {name: math.inf for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            best[name] = min(best[name], timed(function, min_time))
    return best


WORKER = """
import json, sys
from twinnet import bench
factory, kwargs = json.loads(sys.argv[1])
function = getattr(bench, factory)(**kwargs)
function()                      # once untimed: warm caches, start thread pools
print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps(bench.timed(function, float(line))), flush=True)
"""


def in_processes(contenders, min_time, repeats):
    """{name: [seconds per call, one per round]}, each contender timed in a process of its own.

    ``contenders`` is {name: (factory, kwargs)}: ``factory`` names a function of this
    module that, given the JSON-ready ``kwargs``, builds the contender's data and
    returns the function to time. The workers are started first and set up; then
    each round asks them in turn, one at a time, so that only one of them is busy.
    """
    workers = {}
    try:
        for name, (factory, kwargs) in contenders.items():
            errors = tempfile.TemporaryFile("w+")     # a file, not a pipe: a chatty worker cannot block on it
            worker = subprocess.Popen([sys.executable, "-c", WORKER, json.dumps([factory, kwargs])],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
            workers[name] = worker, errors
            if worker.stdout.readline().strip() != "ready":
                worker.wait()
                errors.seek(0)
                last = (errors.read().strip().splitlines() or ["no message"])[-1]
                raise RuntimeError(f"twinnet bench: the {name} worker failed: {last}")
        rounds = {name: [] for name in contenders}
        for _ in range(repeats):
            for name, (worker, _) in workers.items():
                worker.stdin.write(f"{min_time}\n")
                worker.stdin.flush()
                rounds[name].append(json.loads(worker.stdout.readline()))
        return rounds
    finally:
        for worker, errors in workers.values():
            worker.stdin.close()
            worker.wait()
            worker.stdout.close()
            errors.close()


def ratio(rounds, name, against):
    """The ratio of the best timings, and its spread: (best ratio, lowest, highest round's ratio)."""
    each = [mine / theirs for mine, theirs in zip(rounds[name], rounds[against])]
    return min(rounds[name]) / min(rounds[against]), min(each), max(each)


def installed(module):
    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------- 1. operations


def _matrix(rng, rows, columns, low=-1.0, high=1.0):
    return rng.uniform(low, high, (rows, columns))


def _operation_cases(rng, quick):
    """(operation, size label, kwargs) at two or three sizes each."""
    batches = (16, 256) if quick else (16, 128, 1024)
    squares = (16, 64) if quick else (16, 64, 128)
    cases = []
    for n in (100, 10_000) if quick else (100, 1000, 10_000):
        cases.append(("dot", f"n={n}", {"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n)}))
    for n in squares:
        cases.append(("matmul", f"{n}x{n} @ {n}x{n}", {"a": _matrix(rng, n, n), "b": _matrix(rng, n, n)}))
    for batch in batches:
        inputs, weights, biases = _matrix(rng, batch, 64), _matrix(rng, 64, 64), rng.uniform(-1, 1, 64)
        dvalues = _matrix(rng, batch, 64)
        label = f"batch {batch}, 64-64"
        cases.append(("dense_forward", label, {"inputs": inputs, "weights": weights, "biases": biases}))
        cases.append(("dense_backward", label, {"dvalues": dvalues, "inputs": inputs, "weights": weights}))
        cases.append(("relu", f"{batch}x64", {"inputs": inputs}))
        cases.append(("relu_backward", f"{batch}x64", {"dvalues": dvalues, "inputs": inputs}))
        cases.append(("sigmoid", f"{batch}x64", {"inputs": inputs}))
        logits = _matrix(rng, batch, 10, -5, 5)
        probabilities = TWINS["vectorized"].activations.softmax(logits)
        labels = rng.integers(0, 10, batch)
        cases.append(("softmax", f"{batch}x10", {"inputs": logits}))
        cases.append(("softmax_backward", f"{batch}x10",
                      {"dvalues": _matrix(rng, batch, 10), "outputs": probabilities}))
        cases.append(("categorical_cross_entropy", f"{batch}x10", {"predictions": probabilities, "targets": labels}))
        cases.append(("softmax_cross_entropy_backward", f"{batch}x10",
                      {"probabilities": probabilities, "targets": labels}))
        cases.append(("mean_squared_error", f"{batch}x10", {"predictions": logits, "targets": _matrix(rng, batch, 10)}))
    for n in squares:
        params = {"weights": _matrix(rng, n, n), "biases": rng.uniform(-1, 1, n)}
        grads = {"weights": _matrix(rng, n, n), "biases": rng.uniform(-1, 1, n)}
        cases.append(("adam", f"{n}x{n} + {n}", {"params": params, "grads": grads, "state": None,
                                                 "hyperparameters": None}))
    return cases


def bench_operations(quick=False, min_time=None):
    rng = np.random.default_rng(0)
    min_time = min_time or (0.01 if quick else 0.05)
    rows = []
    for name, size, kwargs in _operation_cases(rng, quick):
        operation = registry.get(name)
        pure_kwargs = to_pure(kwargs)
        best = side_by_side({
            "pure": lambda: operation.pure(**pure_kwargs),
            "vectorized": lambda: operation.vectorized(**kwargs),
        }, min_time, 2 if quick else 3)
        rows.append({"operation": name, "size": size, "pure_seconds": best["pure"],
                     "vectorized_seconds": best["vectorized"], "speedup": best["pure"] / best["vectorized"]})
    return rows


# ---------------------------------------------------------------- 2. the vectorized training step


def flat_numpy_step(inputs, labels, weights0, biases0, weights1, biases1, lr):
    """The same step as vectorized.network.train_step with plain SGD, as one flat NumPy script."""
    n = len(inputs)
    rows = np.arange(n)
    hidden_in = inputs @ weights0 + biases0
    hidden = np.maximum(hidden_in, 0)
    logits = hidden @ weights1 + biases1
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = exps / exps.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(np.clip(probabilities[rows, labels], 1e-7, 1 - 1e-7)))
    accuracy = np.mean(probabilities.argmax(axis=1) == labels)
    dlogits = probabilities.copy()
    dlogits[rows, labels] -= 1
    dlogits /= n
    dweights1, dbiases1 = hidden.T @ dlogits, dlogits.sum(axis=0)
    dhidden = dlogits @ weights1.T
    dhidden[hidden_in <= 0] = 0
    dweights0, dbiases0 = inputs.T @ dhidden, dhidden.sum(axis=0)
    # Each update written into its scaled gradient: one new array per parameter.
    updated = [np.subtract(w, np.multiply(d, lr, out=d), out=d)
               for w, d in ((weights0, dweights0), (biases0, dbiases0), (weights1, dweights1), (biases1, dbiases1))]
    return (*updated, float(loss), float(accuracy))


def _torch_step(dtype, inputs, labels, model):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    layers = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(torch_dtype)
    with torch.no_grad():
        layers[0].weight.copy_(torch.tensor(model["params"]["weights0"].T))
        layers[0].bias.copy_(torch.tensor(model["params"]["biases0"]))
        layers[2].weight.copy_(torch.tensor(model["params"]["weights1"].T))
        layers[2].bias.copy_(torch.tensor(model["params"]["biases1"]))
    optimizer = torch.optim.SGD(layers.parameters(), lr=0.1)
    x, y = torch.tensor(inputs), torch.tensor(labels)

    def step():
        optimizer.zero_grad()
        logits = layers(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        return loss.item(), (logits.argmax(dim=1) == y).double().mean().item()

    return step


def step_contender(name, dtype):
    """One contender of section 2, set up from seed 0 (run in a worker process of its own)."""
    network = TWINS["vectorized"].network
    rng = np.random.default_rng(0)
    inputs = rng.random((128, 784)).astype(dtype)
    labels = rng.integers(0, 10, 128)
    model = as_vectorized_model(network.create([784, 128, 10], seed=0), dtype)
    params = [model["params"][key] for key in ("weights0", "biases0", "weights1", "biases1")]
    if name == "twinnet":
        # The public call checks every argument (finite numbers, shapes, the model) on
        # each call; fit checks once and runs the step unchecked, batch after batch.
        return lambda: network.train_step(model, inputs, labels, "sgd", None, {"lr": 0.1}, 0)
    if name == "inside_fit":
        merged = {**network.optimizers.DEFAULTS["sgd"], "lr": 0.1}
        return lambda: network.train_step.unchecked(model, inputs, labels, "sgd", None, merged, 0)
    if name == "flat":
        return lambda: flat_numpy_step(inputs, labels, *params, 0.1)
    if name == "torch":
        return _torch_step(dtype, inputs, labels, model)
    hidden = np.maximum(inputs @ params[0], 0)
    dlogits, dhidden = rng.random((128, 10)).astype(dtype), rng.random((128, 128)).astype(dtype)

    def five_matmuls():
        inputs @ params[0]
        hidden @ params[2]
        hidden.T @ dlogits
        dlogits @ params[2].T
        inputs.T @ dhidden

    return five_matmuls


def _spread(ratios):
    return {name: [low, high] for name, (_, low, high) in ratios.items()}


def bench_training_step(dtype, quick=False):
    names = ["twinnet", "inside_fit", "flat", "matmuls"]
    torch_note = None
    if installed("torch"):
        names.append("torch")
    else:
        torch_note = "PyTorch is not installed: skipped"
    rounds = in_processes({name: ("step_contender", {"name": name, "dtype": dtype}) for name in names},
                          0.05 if quick else 0.2, 5 if quick else 7)
    ratios = {"vs_flat": ratio(rounds, "twinnet", "flat"), "inside_fit_vs_flat": ratio(rounds, "inside_fit", "flat"),
              "vs_matmuls": ratio(rounds, "twinnet", "matmuls")}
    if "torch" in rounds:
        ratios["vs_torch"] = ratio(rounds, "twinnet", "torch")
    result = {"dtype": dtype, "seconds": {name: min(each) for name, each in rounds.items()}, "rounds": rounds,
              **{name: best for name, (best, _, _) in ratios.items()}, "spread": _spread(ratios)}
    result.setdefault("vs_torch", None)
    result["torch_note"] = torch_note
    return result


# ---------------------------------------------------------------- 3. the pure training epoch


def flat_loop_epoch(inputs, labels, weights0, biases0, weights1, biases1, lr):
    """One full-batch SGD epoch of the 2-64-3 network as one flat loop script: the pure twin's ceiling."""
    n = len(inputs)
    n_hidden, n_classes = len(biases0), len(biases1)
    dweights0 = [[0.0] * n_hidden for _ in weights0]
    dbiases0 = [0.0] * n_hidden
    dweights1 = [[0.0] * n_classes for _ in weights1]
    dbiases1 = [0.0] * n_classes
    loss = 0.0
    correct = 0
    for x, label in zip(inputs, labels):
        hidden_in = list(biases0)
        for xi, row in zip(x, weights0):
            for j, w in enumerate(row):
                hidden_in[j] += xi * w
        hidden = [h if h > 0 else 0.0 for h in hidden_in]
        logits = list(biases1)
        for h, row in zip(hidden, weights1):
            for k, w in enumerate(row):
                logits[k] += h * w
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        probabilities = [e / total for e in exps]
        loss -= math.log(min(max(probabilities[label], 1e-7), 1 - 1e-7))
        correct += probabilities.index(max(probabilities)) == label
        dlogits = [(p - (1.0 if k == label else 0.0)) / n for k, p in enumerate(probabilities)]
        dhidden = [0.0] * n_hidden
        for j, (h, row, drow) in enumerate(zip(hidden, weights1, dweights1)):
            g = 0.0
            for k, d in enumerate(dlogits):
                drow[k] += h * d
                g += d * row[k]
            dhidden[j] = g if hidden_in[j] > 0 else 0.0
        for k, d in enumerate(dlogits):
            dbiases1[k] += d
        for xi, drow in zip(x, dweights0):
            for j, d in enumerate(dhidden):
                drow[j] += xi * d
        for j, d in enumerate(dhidden):
            dbiases0[j] += d
    new = [[[w - lr * d for w, d in zip(row, drow)] for row, drow in zip(weights, dweights)]
           for weights, dweights in ((weights0, dweights0), (weights1, dweights1))]
    return (new[0], [b - lr * d for b, d in zip(biases0, dbiases0)], new[1],
            [b - lr * d for b, d in zip(biases1, dbiases1)], loss / n, correct / n)


def _micrograd_epoch(inputs, labels):
    from micrograd.nn import MLP

    network = MLP(2, [64, 3])

    def epoch():
        # micrograd has no exp or log, so its loss is the multi-class hinge
        # loss of its own demo; the network and the sample count are the same.
        total = 0
        for x, label in zip(inputs, labels):
            scores = network(x)
            for k, score in enumerate(scores):
                if k != label:
                    total = total + (score - scores[label] + 1).relu()
        loss = total * (1.0 / len(inputs))
        network.zero_grad()
        loss.backward()
        for p in network.parameters():
            p.data -= 0.1 * p.grad

    return epoch


def epoch_contender(name):
    """One contender of section 3, set up from seed 0 (run in a worker process of its own)."""
    network = TWINS["pure"].network
    inputs, labels = TWINS["pure"].data.spiral(100, 3, 0)
    model = network.create([2, 64, 3], seed=0)
    params = [model["params"][key] for key in ("weights0", "biases0", "weights1", "biases1")]
    if name == "twinnet":
        return lambda: network.train_epoch(model, inputs, labels, "sgd", None, {"lr": 0.1}, None, 0, 0)
    if name == "flat":
        return lambda: flat_loop_epoch(inputs, labels, *params, 0.1)
    return _micrograd_epoch(inputs, labels)


def bench_pure_epoch(quick=False):
    names = ["twinnet", "flat"]
    micrograd_note = None
    if installed("micrograd"):
        names.append("micrograd")
    else:
        micrograd_note = "micrograd is not installed: skipped"
    rounds = in_processes({name: ("epoch_contender", {"name": name}) for name in names},
                          0.2 if quick else 1.0, 3 if quick else 5)
    ratios = {"vs_flat": ratio(rounds, "twinnet", "flat")}
    if "micrograd" in rounds:
        ratios["vs_micrograd"] = ratio(rounds, "twinnet", "micrograd")
    return {"seconds": {name: min(each) for name, each in rounds.items()}, "rounds": rounds,
            "vs_flat": ratios["vs_flat"][0],
            "vs_micrograd": ratios["vs_micrograd"][0] if "vs_micrograd" in ratios else None,
            "spread": _spread(ratios), "micrograd_note": micrograd_note}


# ---------------------------------------------------------------- 4. memory


MEMORY_SCRIPT = """
import json, resource, sys
from twinnet import cli
code = cli.main(["train", "--data", "mnist", "--data-dir", sys.argv[1], "--epochs", "1", "--json", *sys.argv[2:]])
# VmHWM is this process's own peak; ru_maxrss would also count the parent's
# pages from before exec.
peak = None
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"peak": peak}))
sys.exit(code)
"""


# The budget of each model's epoch: (times the float32 training set, plus bytes).
MEMORY_BUDGETS = {"mlp": (TARGETS["memory"], 100e6), "cnn": (2.0, 200e6)}


def bench_memory(data_dir=None, model="mlp"):
    """Peak resident memory of `twinnet train --data mnist --model MODEL --epochs 1`, in a child process of its own."""
    try:
        folder = locate("mnist", data_dir)
    except DataError:
        return {"note": "the MNIST files are not here (twinnet data mnist, or --data-dir): skipped"}
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(folder), "--model", model],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return {"note": "the MNIST run failed: skipped"}
    summary, measured = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    peak = measured["peak"]
    training_set = 60000 * 784 * 4
    times, extra = MEMORY_BUDGETS[model]
    budget = times * training_set + extra
    return {"peak_bytes": peak, "float32_training_set_bytes": training_set, "budget_bytes": budget,
            "vs_budget": peak / budget, "test_accuracy": summary["twins"]["vectorized"]["test_accuracy"]}


# ---------------------------------------------------------------- 5. convolution


def flat_numpy_conv(inputs, weights, biases, dvalues, padding):
    """conv2d and conv2d_backward (stride 1) of the vectorized twin as one flat im2col NumPy script.

    Returns (outputs, dinputs, dweights, dbiases). Unlike the twin's two calls, it
    gathers the columns once and uses them for the forward pass and for dweights.
    """
    n_samples, channels, height, width = inputs.shape
    n_filters, _, kernel_height, kernel_width = weights.shape
    out_height, out_width = height + 2 * padding - kernel_height + 1, width + 2 * padding - kernel_width + 1
    padded = np.pad(inputs, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel_height, kernel_width), axis=(2, 3))
    columns = windows.transpose(1, 4, 5, 0, 2, 3).reshape(channels * kernel_height * kernel_width, -1)
    kernels = weights.reshape(n_filters, -1)
    outputs = (kernels @ columns + biases[:, None]).reshape(n_filters, n_samples, out_height, out_width)
    outputs = outputs.transpose(1, 0, 2, 3)
    dout = dvalues.transpose(1, 0, 2, 3).reshape(n_filters, -1)
    dweights = (dout @ columns.T).reshape(weights.shape)
    dbiases = dvalues.sum(axis=(0, 2, 3))
    dwindows = (kernels.T @ dout).reshape(channels, kernel_height, kernel_width, n_samples, out_height, out_width)
    dwindows = dwindows.transpose(3, 0, 4, 5, 1, 2)
    dpadded = np.zeros(padded.shape, dtype=dwindows.dtype)
    for di in range(kernel_height):
        for dj in range(kernel_width):
            dpadded[:, :, di:di + out_height, dj:dj + out_width] += dwindows[:, :, :, :, di, dj]
    dinputs = dpadded[:, :, padding:padding + height, padding:padding + width]
    return outputs, dinputs, dweights, dbiases


def flat_loop_conv(inputs, weights, biases, dvalues, padding):
    """conv2d and conv2d_backward (stride 1) of the pure twin as one flat loop script: its ceiling.

    Returns (outputs, dinputs, dweights, dbiases), as nested lists.
    """
    kernel_height, kernel_width = len(weights[0][0]), len(weights[0][0][0])
    height, width = len(inputs[0][0]), len(inputs[0][0][0])
    out_height, out_width = height + 2 * padding - kernel_height + 1, width + 2 * padding - kernel_width + 1
    side = [0.0] * padding
    padded = [[[[0.0] * (width + 2 * padding) for _ in range(padding)]
               + [side + list(row) + side for row in channel]
               + [[0.0] * (width + 2 * padding) for _ in range(padding)] for channel in image] for image in inputs]
    outputs = []
    for image in padded:
        maps = []
        for kernel, bias in zip(weights, biases):
            out = []
            for i in range(out_height):
                out_row = []
                for j in range(out_width):
                    total = bias
                    for channel, kernel_channel in zip(image, kernel):
                        for di, kernel_row in enumerate(kernel_channel):
                            row = channel[i + di]
                            partial = 0.0
                            for dj, w in enumerate(kernel_row):
                                partial += row[j + dj] * w
                            total += partial
                    out_row.append(total)
                out.append(out_row)
            maps.append(out)
        outputs.append(maps)
    dpadded = [[[[0.0] * len(row) for row in channel] for channel in image] for image in padded]
    dweights = [[[[0.0] * kernel_width for _ in range(kernel_height)] for _ in kernel] for kernel in weights]
    dbiases = [0.0] * len(weights)
    for image, dimage, image_dvalues in zip(padded, dpadded, dvalues):
        for f, (kernel, dkernel) in enumerate(zip(weights, dweights)):
            for i, dvalues_row in enumerate(image_dvalues[f]):
                for j, g in enumerate(dvalues_row):
                    dbiases[f] += g
                    for channel, dchannel, kernel_channel, dkernel_channel in zip(image, dimage, kernel, dkernel):
                        for di in range(kernel_height):
                            row, drow = channel[i + di], dchannel[i + di]
                            kernel_row, dkernel_row = kernel_channel[di], dkernel_channel[di]
                            for dj in range(kernel_width):
                                drow[j + dj] += g * kernel_row[dj]
                                dkernel_row[dj] += g * row[j + dj]
    dinputs = [[[row[padding:padding + width] for row in channel[padding:padding + height]] for channel in dimage]
               for dimage in dpadded]
    return outputs, dinputs, dweights, dbiases


CONV_SIZES = {"vectorized": (64, 16, 32, 14, 3), "pure": (2, 3, 4, 8, 3)}   # batch, in, out channels, side, kernel


def conv_data(twin, dtype="float64", seed=0):
    """(inputs, weights, biases, dvalues) of section 5, padding 1, as arrays of ``dtype``."""
    batch, channels, filters, side, kernel = CONV_SIZES[twin]
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((batch, channels, side, side)).astype(dtype)
    weights = (rng.standard_normal((filters, channels, kernel, kernel)) / np.sqrt(channels * kernel * kernel)).astype(dtype)
    biases = rng.uniform(-0.1, 0.1, filters).astype(dtype)
    dvalues = rng.standard_normal((batch, filters, side, side)).astype(dtype)   # padding 1 keeps the side
    return inputs, weights, biases, dvalues


def _torch_conv(inputs, weights, biases, dvalues):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    x = torch.tensor(inputs, requires_grad=True)
    w, b = torch.tensor(weights, requires_grad=True), torch.tensor(biases, requires_grad=True)
    g = torch.tensor(dvalues)

    def forward_backward():
        x.grad = w.grad = b.grad = None
        outputs = torch.nn.functional.conv2d(x, w, b, padding=1)
        outputs.backward(g)
        return outputs

    return forward_backward


def conv_contender(name, twin, dtype="float64"):
    """One contender of section 5, set up from seed 0 (run in a worker process of its own)."""
    conv = TWINS[twin].conv
    inputs, weights, biases, dvalues = conv_data(twin, dtype)
    if twin == "pure":
        inputs, weights, biases, dvalues = (to_pure(value) for value in (inputs, weights, biases, dvalues))
    if name == "twinnet":
        def forward_backward():
            conv.conv2d(inputs, weights, biases, padding=1)
            return conv.conv2d_backward(dvalues, inputs, weights, padding=1)
        return forward_backward
    if name == "unchecked":
        def forward_backward_unchecked():
            conv.conv2d.unchecked(inputs, weights, biases, padding=1)
            return conv.conv2d_backward.unchecked(dvalues, inputs, weights, padding=1)
        return forward_backward_unchecked
    if name == "flat":
        flat = flat_numpy_conv if twin == "vectorized" else flat_loop_conv
        return lambda: flat(inputs, weights, biases, dvalues, 1)
    return _torch_conv(inputs, weights, biases, dvalues)


def bench_conv(twin, dtype="float64", quick=False):
    """conv2d forward and backward in one twin, against its flat script (and PyTorch, for the vectorized twin)."""
    return against_ceilings("conv_contender", twin, dtype, quick, CONV_SIZES[twin])


def against_ceilings(factory, twin, dtype, quick, size):
    """The public call, its unchecked body, the flat script and (vectorized twin) PyTorch, each built by
    the contender ``factory`` (a function of this module) in a worker of its own, timed round by round."""
    names = ["twinnet", "unchecked", "flat"]
    torch_note = None
    if twin == "vectorized":
        if installed("torch"):
            names.append("torch")
        else:
            torch_note = "PyTorch is not installed: skipped"
    rounds = in_processes({name: (factory, {"name": name, "twin": twin, "dtype": dtype}) for name in names},
                          (0.05 if quick else 0.2) * (2 if twin == "pure" else 1), 5 if quick else 7)
    ratios = {"vs_flat": ratio(rounds, "twinnet", "flat"), "unchecked_vs_flat": ratio(rounds, "unchecked", "flat")}
    if "torch" in rounds:
        ratios["vs_torch"] = ratio(rounds, "twinnet", "torch")
    result = {"twin": twin, "dtype": dtype, "size": size, "seconds": {n: min(each) for n, each in rounds.items()},
              "rounds": rounds, **{n: best for n, (best, _, _) in ratios.items()}, "spread": _spread(ratios)}
    result.setdefault("vs_torch", None)
    result["torch_note"] = torch_note
    return result


# ---------------------------------------------------------------- 6. attention


def flat_numpy_attention(inputs, query_weights, key_weights, value_weights, output_weights, n_heads, mask, dvalues):
    """multi_head_attention and multi_head_attention_backward of the vectorized twin as one flat NumPy script.

    Returns (outputs, dinputs, dquery_weights, dkey_weights, dvalue_weights, doutput_weights). Unlike
    the twin's two calls, it computes the projections and the attention weights once, for both passes.
    """
    n_samples, length, width = inputs.shape
    head_width = width // n_heads
    scale = 1 / math.sqrt(head_width)   # a Python float: float32 stays float32
    rows = inputs.reshape(-1, width)
    query, key, value = (
        (rows @ weights).reshape(n_samples, length, n_heads, head_width).transpose(0, 2, 1, 3)
        for weights in (query_weights, key_weights, value_weights))
    scores = np.where(mask, query @ key.transpose(0, 1, 3, 2) * scale, -np.inf)
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = exps / exps.sum(axis=-1, keepdims=True)
    heads = (weights @ value).transpose(0, 2, 1, 3).reshape(-1, width)
    outputs = (heads @ output_weights).reshape(n_samples, length, width)
    doutputs = dvalues.reshape(-1, width)
    doutput_weights = heads.T @ doutputs
    dheads = (doutputs @ output_weights.T).reshape(n_samples, length, n_heads, head_width).transpose(0, 2, 1, 3)
    dweights = dheads @ value.transpose(0, 1, 3, 2)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True)) * scale
    dquery, dkey, dvalue = (
        gradient.transpose(0, 2, 1, 3).reshape(-1, width)
        for gradient in (dscores @ key, dscores.transpose(0, 1, 3, 2) @ query, weights.transpose(0, 1, 3, 2) @ dheads))
    dinputs = (dquery @ query_weights.T + dkey @ key_weights.T + dvalue @ value_weights.T).reshape(inputs.shape)
    return outputs, dinputs, rows.T @ dquery, rows.T @ dkey, rows.T @ dvalue, doutput_weights


def flat_loop_attention(inputs, query_weights, key_weights, value_weights, output_weights, n_heads, mask, dvalues):
    """multi_head_attention and multi_head_attention_backward of the pure twin as one flat loop script: its ceiling.

    Returns (outputs, dinputs, dquery_weights, dkey_weights, dvalue_weights, doutput_weights), as nested lists.
    """
    width = len(query_weights)
    head_width = width // n_heads
    scale = 1 / math.sqrt(head_width)

    def times(rows, matrix):
        """rows @ matrix, row by row."""
        products = []
        for row in rows:
            product = [0.0] * len(matrix[0])
            for x, matrix_row in zip(row, matrix):
                for j, m in enumerate(matrix_row):
                    product[j] += x * m
            products.append(product)
        return products

    def add_outer(total, rows, gradients):
        """total += rows^T @ gradients: the gradient of a projection's weights, summed over positions."""
        for row, gradient in zip(rows, gradients):
            for x, total_row in zip(row, total):
                for j, g in enumerate(gradient):
                    total_row[j] += x * g

    transposed = [[list(column) for column in zip(*weights)]
                  for weights in (query_weights, key_weights, value_weights, output_weights)]
    dquery_weights, dkey_weights, dvalue_weights, doutput_weights = (
        [[0.0] * width for _ in range(width)] for _ in range(4))
    outputs, dinputs = [], []
    for sequence, sequence_dvalues in zip(inputs, dvalues):
        query, key, value = (times(sequence, weights) for weights in (query_weights, key_weights, value_weights))
        length = len(sequence)
        heads = [[0.0] * width for _ in range(length)]
        weights_of = {}   # (head, query) -> {key: attention weight}, for the backward pass
        for h in range(n_heads):
            columns = range(h * head_width, (h + 1) * head_width)
            for i in range(length):
                scores = {j: sum(query[i][c] * key[j][c] for c in columns) * scale
                          for j in range(length) if mask[i][j]}
                top = max(scores.values())
                exps = {j: math.exp(s - top) for j, s in scores.items()}
                total = sum(exps.values())
                weights = weights_of[h, i] = {j: e / total for j, e in exps.items()}
                for j, a in weights.items():
                    for c in columns:
                        heads[i][c] += a * value[j][c]
        outputs.append(times(heads, output_weights))
        add_outer(doutput_weights, heads, sequence_dvalues)
        dheads = times(sequence_dvalues, transposed[3])
        dquery, dkey, dvalue = ([[0.0] * width for _ in range(length)] for _ in range(3))
        for h in range(n_heads):
            columns = range(h * head_width, (h + 1) * head_width)
            for i in range(length):
                weights = weights_of[h, i]
                dweights = {j: sum(dheads[i][c] * value[j][c] for c in columns) for j in weights}
                expected = sum(weights[j] * dweights[j] for j in weights)
                for j, a in weights.items():
                    dscore = a * (dweights[j] - expected) * scale
                    for c in columns:
                        dquery[i][c] += dscore * key[j][c]
                        dkey[j][c] += dscore * query[i][c]
                        dvalue[j][c] += a * dheads[i][c]
        for total, gradient in ((dquery_weights, dquery), (dkey_weights, dkey), (dvalue_weights, dvalue)):
            add_outer(total, sequence, gradient)
        # dinputs = dquery @ query_weights^T + dkey @ key_weights^T + dvalue @ value_weights^T
        projected = [times(gradient, weights_t) for gradient, weights_t in zip((dquery, dkey, dvalue), transposed)]
        dinputs.append([[q + k + v for q, k, v in zip(*rows)] for rows in zip(*projected)])
    return outputs, dinputs, dquery_weights, dkey_weights, dvalue_weights, doutput_weights


ATTENTION_SIZES = {"vectorized": (32, 64, 128, 4), "pure": (2, 6, 8, 2)}   # batch, positions, width, heads


def attention_data(twin, dtype="float64", seed=0):
    """(inputs, query_weights, key_weights, value_weights, output_weights, dvalues) of section 6, as arrays of
    ``dtype``: inputs and dvalues of unit variance, weights of variance 1 / width (scores of order 1)."""
    batch, length, width, _ = ATTENTION_SIZES[twin]
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((batch, length, width)).astype(dtype)
    weights = [(rng.standard_normal((width, width)) / np.sqrt(width)).astype(dtype) for _ in range(4)]
    dvalues = rng.standard_normal((batch, length, width)).astype(dtype)
    return (inputs, *weights, dvalues)


def _torch_attention(inputs, weights, n_heads, dvalues):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    n_samples, length, width = inputs.shape
    x = torch.tensor(inputs, requires_grad=True)
    projections = [torch.tensor(w, requires_grad=True) for w in weights]   # matrices, no biases, as in the twins
    g = torch.tensor(dvalues)

    def split(t):
        return t.view(n_samples, length, n_heads, width // n_heads).transpose(1, 2)

    def forward_backward():
        for t in (x, *projections):
            t.grad = None
        query_weights, key_weights, value_weights, output_weights = projections
        heads = torch.nn.functional.scaled_dot_product_attention(
            split(x @ query_weights), split(x @ key_weights), split(x @ value_weights), is_causal=True)
        outputs = heads.transpose(1, 2).reshape(n_samples, length, width) @ output_weights
        outputs.backward(g)
        return (outputs, x.grad, *(w.grad for w in projections))   # as the flat script returns them

    return forward_backward


def attention_contender(name, twin, dtype="float64"):
    """One contender of section 6, set up from seed 0 (run in a worker process of its own)."""
    attention = TWINS[twin].module("attention")
    inputs, *weights, dvalues = attention_data(twin, dtype)
    n_heads = ATTENTION_SIZES[twin][3]
    mask = attention.causal_mask(inputs.shape[1])
    if twin == "pure":
        inputs, weights, dvalues = to_pure(inputs), to_pure(weights), to_pure(dvalues)
    if name == "twinnet":
        def forward_backward():
            attention.multi_head_attention(inputs, *weights, n_heads, mask=mask)
            return attention.multi_head_attention_backward(dvalues, inputs, *weights, n_heads, mask=mask)
        return forward_backward
    if name == "unchecked":
        def forward_backward_unchecked():
            attention.multi_head_attention.unchecked(inputs, *weights, n_heads, mask=mask)
            return attention.multi_head_attention_backward.unchecked(dvalues, inputs, *weights, n_heads, mask=mask)
        return forward_backward_unchecked
    if name == "flat":
        flat = flat_numpy_attention if twin == "vectorized" else flat_loop_attention
        return lambda: flat(inputs, *weights, n_heads, mask, dvalues)
    return _torch_attention(inputs, weights, n_heads, dvalues)


def bench_attention(twin, dtype="float64", quick=False):
    """multi_head_attention forward and backward in one twin, causal mask, against its flat script (and
    PyTorch, for the vectorized twin)."""
    return against_ceilings("attention_contender", twin, dtype, quick, ATTENTION_SIZES[twin])


# ---------------------------------------------------------------- the whole run


def machine():
    return {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine()}


def run(quick=False, data_dir=None, report=print):
    started = time.perf_counter()
    results = {"machine": machine(), "quick": quick}
    report(f"twinnet bench{' --quick' if quick else ''}: Python {results['machine']['python']}, NumPy "
           f"{results['machine']['numpy']}, {results['machine']['cpus']} CPUs")
    report("\n1. operations: seconds per call, and how much faster the vectorized twin is")
    report(f"  {'operation':<32}{'size':<20}{'pure':>12}{'vectorized':>12}{'speed-up':>10}")
    results["operations"] = bench_operations(quick)
    for row in results["operations"]:
        report(f"  {row['operation']:<32}{row['size']:<20}{_seconds(row['pure_seconds']):>12}"
               f"{_seconds(row['vectorized_seconds']):>12}{row['speedup']:>9.1f}x")

    report("\n2. vectorized training step, 784-128-10, batch 128, SGD (targets: <= 1.10x flat NumPy, "
           "<= 1.5x the matrix products, <= 0.8x PyTorch); each contender in a process of its own, each ratio "
           "with its lowest and highest over the rounds")
    results["training_step"] = [bench_training_step(dtype, quick) for dtype in ("float32", "float64")]
    for step in results["training_step"]:
        seconds = step["seconds"]
        torch_part = (f", PyTorch {_seconds(seconds['torch'])} ({_ratio(step, 'vs_torch')})" if step["vs_torch"]
                      else f"; {step['torch_note']}")
        report(f"  {step['dtype']}: twinnet {_seconds(seconds['twinnet'])}, flat NumPy {_seconds(seconds['flat'])} "
               f"({_ratio(step, 'vs_flat')}), matrix products {_seconds(seconds['matmuls'])} "
               f"({_ratio(step, 'vs_matmuls')}){torch_part}")
        report(f"    inside fit (arguments checked once per fit, not every step): twinnet "
               f"{_seconds(seconds['inside_fit'])} ({_ratio(step, 'inside_fit_vs_flat')} flat NumPy)")

    report("\n3. pure training epoch, 2-64-3 spiral, 300 samples, full batch, SGD (target: <= 1.3x a flat loop script)")
    epoch = results["pure_epoch"] = bench_pure_epoch(quick)
    micrograd_part = (f", micrograd {_seconds(epoch['seconds']['micrograd'])} ({_ratio(epoch, 'vs_micrograd')})"
                      if epoch["vs_micrograd"] else f"; {epoch['micrograd_note']}")
    report(f"  twinnet {_seconds(epoch['seconds']['twinnet'])}, flat loops {_seconds(epoch['seconds']['flat'])} "
           f"({_ratio(epoch, 'vs_flat')}){micrograd_part}")

    report("\n4. peak memory of vectorized MNIST training, one epoch (targets: the perceptron <= 1.5x the float32 "
           "training set + 100 MB, the CNN <= 2x + 200 MB; the CNN's epoch takes about 1.5 minutes, not in --quick)")
    results["memory"] = bench_memory(data_dir)
    results["cnn_memory"] = bench_memory(data_dir, "cnn") if not quick else {"note": "not in --quick: skipped"}
    for label, memory in (("perceptron", results["memory"]), ("CNN", results["cnn_memory"])):
        if "note" in memory:
            report(f"  {label}: {memory['note']}")
        else:
            report(f"  {label}: peak {memory['peak_bytes'] / 1e6:.0f} MB; the float32 training set is "
                   f"{memory['float32_training_set_bytes'] / 1e6:.0f} MB, the budget "
                   f"{memory['budget_bytes'] / 1e6:.0f} MB ({memory['vs_budget']:.2f} of it)")
    results["conv"] = _ceiling_section(
        report, "5. convolution, conv2d forward + backward, stride 1, padding 1 (targets: vectorized <= 1.2x a flat "
                "im2col NumPy script, <= 2.0x PyTorch; pure <= 1.5x a flat loop script)",
        bench_conv, quick, "flat im2col NumPy", "conv2d",
        lambda batch, channels, filters, side, kernel: f"batch {batch}, {channels} -> {filters} channels, "
                                                       f"{side}x{side}, {kernel}x{kernel}")
    results["attention"] = _ceiling_section(
        report, "6. multi-head self-attention, multi_head_attention forward + backward, causal mask (targets: "
                "vectorized <= 1.2x a flat NumPy script, <= 1.5x PyTorch; pure <= 1.5x a flat loop script)",
        bench_attention, quick, "flat NumPy", "multi_head_attention",
        lambda batch, length, width, heads: f"batch {batch}, {length} positions, width {width}, {heads} heads")
    results["seconds"] = time.perf_counter() - started
    report(f"\nmeasured in {results['seconds']:.0f} s")
    return results


def _ceiling_section(report, title, measure, quick, flat_name, operation, describe):
    """Section 5 or 6: ``measure`` (bench_conv, bench_attention) in the vectorized twin in float32 and float64,
    then in the pure twin; each reported in two lines under the title, its size as ``describe(*size)`` says it."""
    report(f"\n{title}; each contender in a process of its own")
    results = [measure("vectorized", dtype, quick) for dtype in ("float32", "float64")]
    results.append(measure("pure", "float64", quick))
    for result in results:
        _report_ceilings(report, result, describe(*result["size"]), flat_name, operation)
    return results


def _report_ceilings(report, result, size, flat_name, operation):
    """Two lines of section 5 or 6: the public call against the flat script (and PyTorch), then the unchecked
    bodies. flat_name: the vectorized twin's flat script (the pure twin's is "flat loops")."""
    seconds = result["seconds"]
    if result["twin"] == "vectorized":
        torch_part = (f", PyTorch {_seconds(seconds['torch'])} ({_ratio(result, 'vs_torch')})" if result["vs_torch"]
                      else f"; {result['torch_note']}")
        label = f"vectorized, {result['dtype']}"
    else:
        flat_name, torch_part, label = "flat loops", "", "pure"
    report(f"  {label}, {size}: twinnet {_seconds(seconds['twinnet'])}, {flat_name} {_seconds(seconds['flat'])} "
           f"({_ratio(result, 'vs_flat')}){torch_part}")
    report(f"    unchecked ({operation}.unchecked, {operation}_backward.unchecked, as a network calls them): "
           f"{_seconds(seconds['unchecked'])} ({_ratio(result, 'unchecked_vs_flat')} {flat_name})")


def _ratio(result, name):
    """A ratio with its spread over the rounds: "1.05x (1.01-1.09 over 5 runs)"."""
    low, high = result["spread"][name]
    runs = len(next(iter(result["rounds"].values())))
    return f"{result[name]:.2f}x ({low:.2f}-{high:.2f} over {runs} runs)"


def _seconds(value):
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} us"


def to_json(results):
    """The results as JSON that a strict parser reads: NaN and infinities (a timing of 0) become null."""
    from twinnet.train import strict_json

    return strict_json(json.loads(json.dumps(results, default=float)))


def command(args):
    """Run the benchmarks; with --json the table goes to stderr and the results, as JSON, to stdout."""
    if args.data_dir:
        locate("mnist", args.data_dir)  # a --data-dir without the files is said at once, not after the run
    report = (lambda text: print(text, file=sys.stderr)) if args.json else print
    results = run(args.quick, args.data_dir, report)
    if args.json:
        print(to_json(results))
    return 0
