"""``twinnet bench``: both twins measured against their ceilings, side by side in one run.

Speed is never asserted in a test (the machines are shared and noisy); it is
measured here, as ratios of two timings taken alternately in the same process,
which a busy machine slows alike. Each timing is the best of several repeats.

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
"""

import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np

from twinnet.contract import registry
from twinnet.contract.twins import TWINS, to_pure
from twinnet.data import DataError, locate
from twinnet.train import as_vectorized_model

TARGETS = {"vs_flat": 1.10, "vs_matmuls": 1.5, "vs_torch": 0.8, "pure_vs_flat": 1.3, "memory": 1.5}


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


def bench_training_step(dtype, quick=False):
    network = TWINS["vectorized"].network
    rng = np.random.default_rng(0)
    inputs = rng.random((128, 784)).astype(dtype)
    labels = rng.integers(0, 10, 128)
    model = as_vectorized_model(network.create([784, 128, 10], seed=0), dtype)
    params = [model["params"][name] for name in ("weights0", "biases0", "weights1", "biases1")]
    hidden = np.maximum(inputs @ params[0], 0)
    dlogits, dhidden = rng.random((128, 10)).astype(dtype), rng.random((128, 128)).astype(dtype)

    def five_matmuls():
        inputs @ params[0]
        hidden @ params[2]
        hidden.T @ dlogits
        dlogits @ params[2].T
        inputs.T @ dhidden

    # The public call checks every argument (finite numbers, shapes, the model) on
    # each call; fit checks once and runs the step unchecked, batch after batch.
    merged = {**network.optimizers.DEFAULTS["sgd"], "lr": 0.1}
    functions = {
        "twinnet": lambda: network.train_step(model, inputs, labels, "sgd", None, {"lr": 0.1}, 0),
        "inside_fit": lambda: network.train_step.unchecked(model, inputs, labels, "sgd", None, merged, 0),
        "flat": lambda: flat_numpy_step(inputs, labels, *params, 0.1),
        "matmuls": five_matmuls,
    }
    try:
        functions["torch"] = _torch_step(dtype, inputs, labels, model)
        torch_note = None
    except ImportError:
        torch_note = "PyTorch is not installed: skipped"
    best = side_by_side(functions, 0.05 if quick else 0.2, 3 if quick else 5)
    result = {"dtype": dtype, "seconds": best, "vs_flat": best["twinnet"] / best["flat"],
              "inside_fit_vs_flat": best["inside_fit"] / best["flat"],
              "vs_matmuls": best["twinnet"] / best["matmuls"]}
    result["vs_torch"] = best["twinnet"] / best["torch"] if "torch" in best else None
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


def bench_pure_epoch(quick=False):
    network = TWINS["pure"].network
    inputs, labels = TWINS["pure"].data.spiral(100, 3, 0)
    model = network.create([2, 64, 3], seed=0)
    params = [model["params"][name] for name in ("weights0", "biases0", "weights1", "biases1")]
    functions = {
        "twinnet": lambda: network.train_epoch(model, inputs, labels, "sgd", None, {"lr": 0.1}, None, 0, 0),
        "flat": lambda: flat_loop_epoch(inputs, labels, *params, 0.1),
    }
    micrograd_note = None
    try:
        functions["micrograd"] = _micrograd_epoch(inputs, labels)
    except ImportError:
        micrograd_note = "micrograd is not installed: skipped"
    best = side_by_side(functions, 0.2 if quick else 1.0, 2 if quick else 3)
    return {"seconds": best, "vs_flat": best["twinnet"] / best["flat"],
            "vs_micrograd": best["twinnet"] / best["micrograd"] if "micrograd" in best else None,
            "micrograd_note": micrograd_note}


# ---------------------------------------------------------------- 4. memory


MEMORY_SCRIPT = """
import json, resource, sys
from twinnet import cli
code = cli.main(["train", "--data", "mnist", "--data-dir", sys.argv[1], "--epochs", "1", "--json"])
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


def bench_memory(data_dir=None):
    """Peak resident memory of `twinnet train --data mnist --epochs 1`, in a child process of its own."""
    try:
        folder = locate("mnist", data_dir)
    except DataError:
        return {"note": "the MNIST files are not here (twinnet data mnist, or --data-dir): skipped"}
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        return {"note": "the MNIST run failed: skipped"}
    summary, measured = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    peak = measured["peak"]
    training_set = 60000 * 784 * 4
    budget = TARGETS["memory"] * training_set + 100e6
    return {"peak_bytes": peak, "float32_training_set_bytes": training_set, "budget_bytes": budget,
            "vs_budget": peak / budget, "test_accuracy": summary["twins"]["vectorized"]["test_accuracy"]}


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
           "<= 1.5x the matrix products, <= 0.8x PyTorch)")
    results["training_step"] = [bench_training_step(dtype, quick) for dtype in ("float32", "float64")]
    for step in results["training_step"]:
        seconds = step["seconds"]
        torch_part = (f", PyTorch {_seconds(seconds['torch'])} ({step['vs_torch']:.2f}x)" if step["vs_torch"]
                      else f"; {step['torch_note']}")
        report(f"  {step['dtype']}: twinnet {_seconds(seconds['twinnet'])}, flat NumPy {_seconds(seconds['flat'])} "
               f"({step['vs_flat']:.2f}x), matrix products {_seconds(seconds['matmuls'])} "
               f"({step['vs_matmuls']:.2f}x){torch_part}")
        report(f"    inside fit (arguments checked once per fit, not every step): twinnet "
               f"{_seconds(seconds['inside_fit'])} ({step['inside_fit_vs_flat']:.2f}x flat NumPy)")

    report("\n3. pure training epoch, 2-64-3 spiral, 300 samples, full batch, SGD (target: <= 1.3x a flat loop script)")
    epoch = results["pure_epoch"] = bench_pure_epoch(quick)
    micrograd_part = (f", micrograd {_seconds(epoch['seconds']['micrograd'])} ({epoch['vs_micrograd']:.2f}x)"
                      if epoch["vs_micrograd"] else f"; {epoch['micrograd_note']}")
    report(f"  twinnet {_seconds(epoch['seconds']['twinnet'])}, flat loops {_seconds(epoch['seconds']['flat'])} "
           f"({epoch['vs_flat']:.2f}x){micrograd_part}")

    report("\n4. peak memory of vectorized MNIST training, one epoch (target: <= 1.5x the float32 training set "
           "+ 100 MB)")
    memory = results["memory"] = bench_memory(data_dir)
    if "note" in memory:
        report(f"  {memory['note']}")
    else:
        report(f"  peak {memory['peak_bytes'] / 1e6:.0f} MB; the float32 training set is "
               f"{memory['float32_training_set_bytes'] / 1e6:.0f} MB, the budget {memory['budget_bytes'] / 1e6:.0f} MB "
               f"({memory['vs_budget']:.2f} of it)")
    results["seconds"] = time.perf_counter() - started
    report(f"\nmeasured in {results['seconds']:.0f} s")
    return results


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
