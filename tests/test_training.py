"""Whole training runs: both twins step for step, optimizers' known steps, saving and loading."""

import copy
import json
import math
import pathlib
import warnings

import numpy as np
import pytest

import pure.data
import pure.network
import pure.optimizers
import vectorized.data
import vectorized.network
import vectorized.optimizers
from twinnet.contract.twins import to_pure
from twinnet.train import as_vectorized_model

TWIN_NETWORKS = {"pure": pure.network, "vectorized": vectorized.network}
TWIN_DATA = {"pure": pure.data, "vectorized": vectorized.data}


def _train_both(settings, hyperparameters, epochs, batch_size, seed=3):
    """Train one model with both twins from one seed; return both (model, step losses)."""
    inputs, labels = vectorized.data.spiral(60, 3, seed)
    results = {}
    for name, network in TWIN_NETWORKS.items():
        model = network.create(**settings, seed=seed)
        data = (to_pure(inputs), to_pure(labels)) if name == "pure" else (inputs, labels)
        state, losses = None, []
        for epoch in range(epochs):
            model, state, metrics = network.train_epoch(model, *data, "adam", state, hyperparameters, batch_size,
                                                        seed, epoch)
            losses.extend(metrics["step_losses"])
        results[name] = (model, losses, data)
    return results


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_both_twins_train_step_for_step(penalty):
    """Mini-batches, Adam, dropout and a penalty: 120 steps, every loss equal to 1e-9 relative."""
    settings = {"sizes": [2, 16, 16, 3], "activation": "relu", "dropout": 0.1, penalty: 5e-4}
    results = _train_both(settings, {"lr": 0.01}, epochs=10, batch_size=16)
    (pure_model, pure_losses, pure_data), (vec_model, vec_losses, vec_data) = results["pure"], results["vectorized"]
    assert len(pure_losses) == len(vec_losses) == 10 * math.ceil(180 / 16)
    relative = np.abs(np.array(pure_losses) - vec_losses) / np.abs(vec_losses)
    assert relative.max() <= 1e-9, relative.max()
    assert vec_losses[-1] < 0.8 * vec_losses[0]  # it did learn something
    for name, array in vec_model["params"].items():
        np.testing.assert_allclose(pure_model["params"][name], array, rtol=0, atol=1e-9 * np.abs(array).max())
    pure_predictions = np.array(pure.network.predict(pure_model, pure_data[0]))
    vec_predictions = vectorized.network.predict(vec_model, vec_data[0])
    np.testing.assert_allclose(pure_predictions, vec_predictions, rtol=0, atol=1e-9)
    assert (pure_predictions.argmax(axis=1) == vec_predictions.argmax(axis=1)).all()


def test_same_seed_same_start():
    for method in ("classic", "he", "glorot"):
        pure_model = pure.network.create([2, 5, 3], seed=11, init=method)
        vec_model = vectorized.network.create([2, 5, 3], seed=11, init=method)
        for name, array in vec_model["params"].items():
            assert pure_model["params"][name] == array.tolist(), (method, name)
    other = vectorized.network.create([2, 5, 3], seed=12)
    assert not np.array_equal(other["params"]["weights0"], vec_model["params"]["weights0"])


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_vertical_data_is_learned(twin):
    network, data = TWIN_NETWORKS[twin], {"pure": pure.data, "vectorized": vectorized.data}[twin]
    inputs, labels = data.vertical(50, 3, 0)
    model = network.create([2, 16, 3], seed=0)
    model, history = network.fit(model, inputs, labels, epochs=60, optimizer="adam", hyperparameters={"lr": 0.05})
    assert history[-1]["loss"] < history[0]["loss"]
    assert network.evaluate(model, inputs, labels)["accuracy"] >= 0.9


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_optimizer_steps_by_hand(twin):
    optimizers = {"pure": pure.optimizers, "vectorized": vectorized.optimizers}[twin]
    convert = (lambda v: v) if twin == "pure" else np.array
    params, grads = {"w": convert([1.0, -2.0])}, {"w": convert([0.5, -0.25])}

    # Plain SGD with decay: the second step uses lr / (1 + decay * 1).
    new, state = optimizers.sgd(params, grads, None, {"lr": 0.1, "decay": 1.0})
    assert state["iterations"] == 1
    np.testing.assert_allclose(new["w"], [1.0 - 0.05, -2.0 + 0.025], rtol=1e-15)
    new, state = optimizers.sgd(new, grads, state, {"lr": 0.1, "decay": 1.0})
    np.testing.assert_allclose(new["w"], [0.95 - 0.025, -1.975 + 0.0125], rtol=1e-15)
    assert state["iterations"] == 2

    # Momentum keeps 0.9 of the previous update.
    new, state = optimizers.sgd(params, grads, None, {"lr": 0.1, "momentum": 0.9})
    new, state = optimizers.sgd(new, grads, state, {"lr": 0.1, "momentum": 0.9})
    np.testing.assert_allclose(new["w"], [1.0 - 0.05 - (0.9 * 0.05 + 0.05), -2.0 + 0.025 + 0.9 * 0.025 + 0.025])

    # Adam's first step, bias-corrected, is lr times the gradient's sign (up to epsilon).
    new, state = optimizers.adam(params, grads, None, {"lr": 0.01})
    np.testing.assert_allclose(new["w"], [1.0 - 0.01, -2.0 + 0.01], rtol=1e-7)
    assert state["iterations"] == 1 and set(state) == {"iterations", "momentums", "caches"}

    # Adagrad's first step: lr * g / (|g| + epsilon), about lr for every weight.
    new, _ = optimizers.adagrad(params, grads, None, None)
    np.testing.assert_allclose(new["w"], [1.0 - 0.5 / (0.5 + 1e-7), -2.0 + 0.25 / (0.25 + 1e-7)], rtol=1e-15)

    # RMSprop's first step: the cache is (1 - rho) g**2, so the step is about lr / sqrt(1 - rho).
    new, _ = optimizers.rmsprop(params, grads, None, None)
    step = [0.001 * g / (math.sqrt(0.1 * g * g) + 1e-7) for g in (0.5, -0.25)]
    np.testing.assert_allclose(new["w"], [1.0 - step[0], -2.0 - step[1]], rtol=1e-15)


# ---------------------------------------------------------------- saving and loading


@pytest.fixture
def trained():
    inputs, labels = pure.data.spiral(20, 3, 1)
    model = pure.network.create([2, 8, 3], seed=1, dropout=0.1, l2=1e-3)
    model, _ = pure.network.fit(model, inputs, labels, epochs=3, batch_size=10)
    return model, inputs


@pytest.mark.parametrize("saver, loader", [("pure", "vectorized"), ("vectorized", "pure")])
def test_saved_by_one_twin_loads_into_the_other(tmp_path, trained, saver, loader):
    model, inputs = trained
    model = model if saver == "pure" else as_vectorized_model(model)
    path = tmp_path / "model.json"
    TWIN_NETWORKS[saver].save(model, path)
    loaded = TWIN_NETWORKS[loader].load(path)
    for name, array in model["params"].items():
        assert np.asarray(loaded["params"][name]).tolist() == np.asarray(array).tolist()  # bit for bit
    assert {k: v for k, v in loaded.items() if k != "params"} == {k: v for k, v in model.items() if k != "params"}
    before = np.asarray(TWIN_NETWORKS[saver].predict(model, inputs if saver == "pure" else np.array(inputs)))
    after = np.asarray(TWIN_NETWORKS[loader].predict(loaded, inputs if loader == "pure" else np.array(inputs)))
    np.testing.assert_allclose(after, before, rtol=1e-12, atol=1e-15)
    assert (after.argmax(axis=1) == before.argmax(axis=1)).all()


def test_both_twins_write_the_same_bytes(tmp_path, trained):
    model, _ = trained
    pure.network.save(model, tmp_path / "a.json")
    vectorized.network.save(as_vectorized_model(model), tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    document = json.loads((tmp_path / "a.json").read_text())
    assert document["format"] == "twinnet-model" and document["version"] == 1 and len(document["sha256"]) == 64


def _damaged_files(text):
    document = json.loads(text)
    edited = json.loads(text)
    edited["model"]["params"]["weights0"][0][0] += 0.5
    reshaped = json.loads(text)
    reshaped["model"]["params"]["weights0"] = reshaped["model"]["params"]["weights0"][:1]
    return {
        "truncated": (text[: len(text) // 2], "not JSON, perhaps truncated"),
        "empty": ("", "not JSON"),
        "edited weight": (json.dumps(edited), "edited or damaged"),
        "edited and re-shaped": (json.dumps(reshaped), "edited or damaged"),
        "another format": (json.dumps({**document, "format": "keras"}), "expected a 'twinnet-model' file"),
        "a newer version": (json.dumps({**document, "version": 2}), "expected file version 1"),
        "a JSON list": ("[1, 2, 3]", "expected a 'twinnet-model' file"),
    }


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("damage", ["truncated", "empty", "edited weight", "edited and re-shaped",
                                    "another format", "a newer version", "a JSON list"])
def test_damaged_files_are_refused_with_the_file_named(tmp_path, trained, twin, damage):
    model, _ = trained
    good = tmp_path / "good.json"
    pure.network.save(model, good)
    text, expected = _damaged_files(good.read_text())[damage]
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    with pytest.raises(ValueError) as raised:
        TWIN_NETWORKS[twin].load(bad)
    assert str(raised.value).startswith(f"load: {bad} expected")
    assert expected in str(raised.value)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_consistent_file_with_bad_shapes_is_refused(tmp_path, trained, twin):
    """Even with a checksum that matches, parameters must fit the sizes."""
    model, _ = trained
    broken = {**model, "params": {**model["params"], "biases0": [0.0, 0.0]}}
    body = pure.network._canonical(broken)
    import hashlib

    document = {"format": "twinnet-model", "version": 1, "sha256": hashlib.sha256(body.encode()).hexdigest(),
                "model": broken}
    path = tmp_path / "shapes.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"^load: params of layer 0 expected shapes \(2, 8\) and \(8,\)"):
        TWIN_NETWORKS[twin].load(path)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_failed_save_leaves_the_old_file_whole(tmp_path, trained, twin, monkeypatch):
    model, _ = trained
    model = model if twin == "pure" else as_vectorized_model(model)
    path = tmp_path / "model.json"
    TWIN_NETWORKS[twin].save(model, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if Ctrl-C arrived halfway through writing

    monkeypatch.setattr(json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        TWIN_NETWORKS[twin].save(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left behind


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_save_refuses_a_model_with_nan(tmp_path, trained, twin):
    model, _ = trained
    model = model if twin == "pure" else as_vectorized_model(model)
    weights = np.array(model["params"]["weights0"], dtype=float)
    weights[0, 0] = float("nan")
    broken = {**model, "params": {**model["params"], "weights0": weights if twin == "vectorized" else weights.tolist()}}
    with pytest.raises(ValueError, match="^save: model expected finite parameters"):
        TWIN_NETWORKS[twin].save(broken, tmp_path / "nan.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_path_must_be_a_file_name(twin, trained):
    with pytest.raises(TypeError, match="^load: path expected a file name, got the number 3"):
        TWIN_NETWORKS[twin].load(3)
    with pytest.raises(TypeError, match="^save: path expected a file name, got None"):
        TWIN_NETWORKS[twin].save(trained[0], None)


# ---------------------------------------------------------------- precision: one dtype per model


@pytest.fixture
def book_patches():
    """The book's ``nnfs.init()``, undone afterwards so that no other test sees it.

    It makes ``np.zeros``, ``np.eye`` and ``np.random.randn`` return float32,
    makes ``np.dot`` compute in float64 but return float32, and seeds NumPy's
    global generator with 0 (nnfs 0.5.1, nnfs/core.py).
    """
    nnfs = pytest.importorskip("nnfs")
    originals = [(np, "zeros", np.zeros), (np, "eye", np.eye), (np, "dot", np.dot),
                 (np.random, "randn", np.random.randn)]
    random_state = np.random.get_state()
    nnfs.init()
    assert np.zeros(1).dtype == np.float32  # the patches are on
    yield nnfs
    for module, name, function in originals:
        setattr(module, name, function)
    np.random.set_state(random_state)
    assert np.zeros(1).dtype == np.float64 and np.random.randn(1).dtype == np.float64


def _book_layer(n_inputs, n_neurons):
    """The book's Layer_Dense initialisation (nnfs's tutorial code, part 4): float32 once nnfs.init() ran."""
    return 0.01 * np.random.randn(n_inputs, n_neurons), np.zeros((1, n_neurons))


def _adam_losses(network, model, inputs, labels, epochs=60):
    """Every step loss of full-batch Adam (lr 0.05) for some epochs, and the trained model."""
    state, losses = None, []
    for epoch in range(epochs):
        model, state, metrics = network.train_epoch(model, inputs, labels, "adam", state, {"lr": 0.05}, None, 0,
                                                    epoch)
        losses.extend(metrics["step_losses"])
    return np.array(losses), model


def _model(sizes, params):
    return {"sizes": sizes, "activation": "relu", "task": "classification", "dropout": 0.0, "l1": 0.0, "l2": 0.0,
            "params": params}


def test_create_gives_one_dtype_under_the_books_patches(book_patches):
    """After nnfs.init(), np.zeros made create's biases float32 beside its float64 weights."""
    for dtype in ("float64", "float32"):
        model = vectorized.network.create([2, 16, 3], seed=0, dtype=dtype)
        assert {array.dtype.name for array in model["params"].values()} == {dtype}


def test_a_model_of_mixed_precision_trains_as_float64_in_both_twins(book_patches):
    """The book's float32 weights beside float64 biases, or float64 weights beside the float32 biases of
    np.zeros: the model is float64, and both twins follow the same 60 epochs of Adam.

    The issue (hardening, mixed precision) measured 1e-13 between the twins over 60 epochs
    with every array float64; before one dtype per model, the first mix drifted from the pure twin.
    """
    from nnfs.datasets import spiral_data

    inputs, labels = spiral_data(samples=100, classes=3)  # float32 and uint8, as the book's readers have them
    assert inputs.dtype == np.float32
    (w0, b0), (w1, b1) = _book_layer(2, 16), _book_layer(16, 3)
    assert w0.dtype == b0.dtype == np.float32
    float64 = _model([2, 16, 3], {"weights0": w0.astype(np.float64), "biases0": np.zeros(16, dtype=np.float64),
                                  "weights1": w1.astype(np.float64), "biases1": np.zeros(3, dtype=np.float64)})
    mixes = {
        "book weights, biases typed as lists": {"weights0": w0, "biases0": [0.0] * 16,
                                                "weights1": w1, "biases1": [0.0] * 3},
        "float64 weights, biases from np.zeros": {"weights0": w0.astype(np.float64), "biases0": b0[0],
                                                  "weights1": w1.astype(np.float64), "biases1": b1[0]},
    }
    pure_losses, _ = _adam_losses(pure.network, to_pure(float64), inputs.tolist(), labels.tolist())
    float64_losses, _ = _adam_losses(vectorized.network, float64, inputs, labels)
    for name, params in mixes.items():
        mixed = _model([2, 16, 3], params)
        assert {np.asarray(array).dtype.name for array in params.values()} == {"float32", "float64"}
        losses, trained = _adam_losses(vectorized.network, mixed, inputs, labels)
        assert {array.dtype.name for array in trained["params"].values()} == {"float64"}, name
        np.testing.assert_array_equal(losses, float64_losses, err_msg=name)  # as if every array were float64
        relative = np.abs(losses - pure_losses) / np.abs(pure_losses)
        assert relative.max() <= 1e-13, (name, relative.max())


def test_the_books_float32_model_trains_in_float32_unless_told(book_patches):
    """Every array float32 (the book's model under nnfs.init()): the vectorized twin trains it in float32,
    as the book does; fit(..., dtype="float64") trains it in float64, beside the pure twin."""
    from nnfs.datasets import spiral_data

    inputs, labels = spiral_data(samples=100, classes=3)
    (w0, b0), (w1, b1) = _book_layer(2, 16), _book_layer(16, 3)
    book = _model([2, 16, 3], {"weights0": w0, "biases0": b0[0], "weights1": w1, "biases1": b1[0]})
    trained, _ = vectorized.network.fit(book, inputs, labels, epochs=3)
    assert {array.dtype.name for array in trained["params"].values()} == {"float32"}
    trained, history = vectorized.network.fit(book, inputs, labels, epochs=3, dtype="float64")
    assert {array.dtype.name for array in trained["params"].values()} == {"float64"}
    pure_trained, pure_history = pure.network.fit(to_pure(book), inputs.tolist(), labels.tolist(), epochs=3,
                                                  dtype="float64")
    for name, array in trained["params"].items():
        np.testing.assert_allclose(pure_trained["params"][name], array, rtol=0, atol=1e-13)
    np.testing.assert_allclose([m["loss"] for m in pure_history], [m["loss"] for m in history], rtol=1e-13)


def test_float32_trains_in_float32():
    """create(dtype="float32") and fit(dtype=...): float32 data are not computed in float64, nor the reverse."""
    inputs, labels = vectorized.data.spiral(20, 3, 0)  # float64
    model64 = vectorized.network.create([2, 8, 3], seed=4)
    model32 = vectorized.network.create([2, 8, 3], seed=4, dtype="float32")
    for name, array in model32["params"].items():
        assert array.dtype == np.float32
        np.testing.assert_array_equal(array, model64["params"][name].astype(np.float32))  # the same draws, rounded
    trained, history = vectorized.network.fit(model32, inputs, labels, epochs=2, batch_size=16)
    assert {array.dtype.name for array in trained["params"].values()} == {"float32"}
    assert vectorized.network.predict(trained, inputs).dtype == np.float32
    assert vectorized.network.forward(trained, inputs)[1][0]["inputs"].dtype == np.float32
    # float32 data with a float64 model: computed in float64, the model's dtype
    trained, _ = vectorized.network.fit(model64, inputs.astype(np.float32), labels, epochs=2)
    assert {array.dtype.name for array in trained["params"].values()} == {"float64"}
    # fit converts the model to the dtype it is given, and trains in it
    trained, _ = vectorized.network.fit(model64, inputs.astype(np.float32), labels, epochs=2, dtype="float32")
    assert {array.dtype.name for array in trained["params"].values()} == {"float32"}
    # regression targets in float64 do not turn a float32 model's step into float64
    regression = vectorized.network.create([2, 4, 2], task="regression", seed=1, dtype="float32")
    stepped, _, _ = vectorized.network.train_step(regression, inputs[:5], inputs[:5], "sgd", None, {"lr": 0.01})
    assert {array.dtype.name for array in stepped["params"].values()} == {"float32"}


def test_the_pure_twin_computes_in_float64_only():
    inputs, labels = pure.data.spiral(5, 3, 0)
    for dtype in ("float64", None):
        model = pure.network.create([2, 4, 3], dtype=dtype or "float64")
        pure.network.fit(model, inputs, labels, dtype=dtype)
    with pytest.raises(ValueError, match=r'^create: dtype expected "float64" \(pure computes in Python floats, '
                                         r"which are float64\), got 'float32'$"):
        pure.network.create([2, 4, 3], dtype="float32")
    with pytest.raises(ValueError, match=r'^fit: dtype expected "float64" \(pure computes in Python floats'):
        pure.network.fit(model, inputs, labels, dtype="float32")
    for network in TWIN_NETWORKS.values():
        with pytest.raises(ValueError, match=r"^create: dtype expected one of float64, float32, got 'float16'$"):
            network.create([2, 4, 3], dtype="float16")
        with pytest.raises(TypeError, match=r"^fit: dtype expected one of float64, float32, got the number 32$"):
            network.fit(model, inputs, labels, dtype=32)


# ---------------------------------------------------------------- divergence


def _diverge_in_both(run):
    """run(network, data module) in both twins: the Diverged each raised, with no warning on the way."""
    errors = {}
    for name, network in TWIN_NETWORKS.items():
        data = {"pure": pure.data, "vectorized": vectorized.data}[name]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a NumPy RuntimeWarning (overflow) would fail here
            with pytest.raises(network.Diverged) as raised:
                run(network, data)
        errors[name] = raised.value
    return errors["pure"], errors["vectorized"]


@pytest.mark.parametrize("batch_size", [None, 7])
def test_divergence_stops_both_twins_at_the_same_step(batch_size):
    """SGD at lr 1e300 on a tiny spiral: the second step's loss is NaN; both twins stop there, alike."""
    def run(network, data):
        inputs, labels = data.spiral(10, 3, 0)
        model = network.create([2, 8, 3], seed=0)
        network.fit(model, inputs, labels, epochs=20, batch_size=batch_size, optimizer="sgd",
                    hyperparameters={"lr": 1e300})

    pure_error, vec_error = _diverge_in_both(run)
    epoch, step = (1, 0) if batch_size is None else (0, 1)
    for error in (pure_error, vec_error):
        assert isinstance(error, ArithmeticError)
        assert (error.func, error.epoch, error.step, error.parameter) == ("fit", epoch, step, None)
        assert math.isnan(error.loss) and math.isnan(error.step_losses[-1])
        assert error.reason == "the loss was nan"
        assert str(error).startswith(f"fit: training diverged at epoch {epoch}, step {step} (counted from 0): "
                                     "the loss was nan. A smaller learning rate")
        assert len(error.history) == epoch
        assert all(math.isfinite(loss) for loss in error.step_losses[:-1])
    assert len(pure_error.step_losses) == len(vec_error.step_losses) == step + 1
    np.testing.assert_allclose(pure_error.step_losses[:-1], vec_error.step_losses[:-1], rtol=1e-12)
    # The model from before that step is whole, the same in both twins, and can be saved.
    for name, array in vec_error.model["params"].items():
        assert np.isfinite(array).all()
        np.testing.assert_allclose(pure_error.model["params"][name], array, rtol=1e-12)


def test_an_update_that_overflows_is_divergence_too():
    """Targets of 1e10 and lr 1e300: the loss is finite, but the update makes a weight infinite."""
    def run(network, data):
        inputs = [[1.0, 2.0], [3.0, -1.0]]
        targets = [[1e10], [-1e10]]
        model = network.create([2, 3, 1], task="regression", seed=2)
        if network is vectorized.network:
            inputs, targets = np.array(inputs), np.array(targets)
        try:
            network.train_step(model, inputs, targets, "sgd", None, {"lr": 1e300})
        except network.Diverged as error:
            assert to_pure(error.model) == to_pure(model) and error.state is None  # nothing of the step is kept
            raise
    pure_error, vec_error = _diverge_in_both(run)
    for error in (pure_error, vec_error):
        assert error.func == "train_step" and error.epoch is None and error.step is None
        assert math.isfinite(error.loss) and error.parameter is not None
        assert str(error).startswith(f"train_step: training diverged: the update made {error.parameter} ")
    assert (pure_error.parameter, pure_error.value) == (vec_error.parameter, vec_error.value)
    np.testing.assert_allclose(pure_error.loss, vec_error.loss, rtol=1e-12)


def test_a_model_of_huge_weights_is_evaluated_without_a_warning():
    """What divergence leaves: weights of 1e300, whose outputs overflow. No NumPy warning reaches the user."""
    model = vectorized.network.create([2, 8, 3], seed=0)
    model = {**model, "params": {name: array * 1e300 for name, array in model["params"].items()}}
    inputs, labels = vectorized.data.spiral(10, 3, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics = vectorized.network.evaluate(model, inputs, labels, batch_size=7)
        outputs = vectorized.network.predict(model, inputs, batch_size=7)
    pure_metrics = pure.network.evaluate(to_pure(model), to_pure(inputs), to_pure(labels), batch_size=7)
    assert math.isnan(metrics["loss"]) and math.isnan(pure_metrics["loss"])
    assert np.isnan(outputs).any()


# ---------------------------------------------------------------- a model as a list of layers

MLP_LAYERS = [{"type": "dense", "units": 5}, {"type": "tanh"}, {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 4}, {"type": "tanh"}, {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 2}]
# What tests/data/model_v1_mlp.json was written from, by pure.network.save before models of layers existed.
V1_SETTINGS = dict(sizes=[3, 5, 4, 2], activation="tanh", task="classification", seed=7, init="he", dropout=0.1,
                   l1=0.001, l2=0.002)
V1_FILE = pathlib.Path(__file__).parent / "data" / "model_v1_mlp.json"
TINY_CNN = [{"type": "conv2d", "filters": 2, "kernel": 3, "padding": 1}, {"type": "relu"},
            {"type": "max_pool2d", "size": 2}, {"type": "flatten"}, {"type": "dense", "units": 3}]
needs_conv = pytest.mark.skipif(pure.network.conv is None or vectorized.network.conv is None,
                                reason="pure/conv.py and vectorized/conv.py are not written yet")


def _as_twin(twin, value):
    return to_pure(value) if twin == "pure" else value


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_layer_list_mlp_is_the_sizes_mlp_bit_for_bit(twin):
    """create_layers with the layers a model of sizes stands for: the same weights, the same training."""
    network = TWIN_NETWORKS[twin]
    by_sizes = network.create(**V1_SETTINGS)
    settings = {k: V1_SETTINGS[k] for k in ("task", "seed", "init", "l1", "l2")}
    by_layers = network.create_layers(3, MLP_LAYERS, **settings)
    assert by_layers["layers"] == MLP_LAYERS and by_layers["inputs"] == 3
    assert list(by_layers["params"]) == list(by_sizes["params"])
    for name, array in by_sizes["params"].items():
        assert np.asarray(by_layers["params"][name]).tolist() == np.asarray(array).tolist()
    inputs, labels = vectorized.data.spiral(20, 2, 5)
    inputs = np.hstack([inputs, inputs[:, :1] * inputs[:, 1:]])  # 3 features
    data = (_as_twin(twin, inputs), _as_twin(twin, labels))
    histories = [network.fit(model, *data, epochs=3, batch_size=8, seed=2)[1] for model in (by_sizes, by_layers)]
    assert [h["step_losses"] for h in histories[0]] == [h["step_losses"] for h in histories[1]]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_version_1_file_still_loads(tmp_path, twin):
    network = TWIN_NETWORKS[twin]
    assert json.loads(V1_FILE.read_text())["version"] == 1
    loaded = network.load(V1_FILE)
    made = network.create(**V1_SETTINGS)
    assert {k: v for k, v in loaded.items() if k != "params"} == {k: v for k, v in made.items() if k != "params"}
    for name, array in made["params"].items():
        assert np.asarray(loaded["params"][name]).tolist() == np.asarray(array).tolist()
    network.save(loaded, tmp_path / "again.json")  # a model of sizes is written as version 1, byte for byte
    assert (tmp_path / "again.json").read_bytes() == V1_FILE.read_bytes()


def _layer_models():
    models = {"mlp": (3, MLP_LAYERS)}
    if pure.network.conv is not None and vectorized.network.conv is not None:
        models["cnn"] = ([1, 6, 6], TINY_CNN)
    return models


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("saver, loader", [("pure", "vectorized"), ("vectorized", "pure")])
def test_version_2_round_trip_across_twins(tmp_path, kind, saver, loader):
    if kind not in _layer_models():
        pytest.skip("pure/conv.py and vectorized/conv.py are not written yet")
    input_shape, layer_list = _layer_models()[kind]
    model = TWIN_NETWORKS[saver].create_layers(input_shape, layer_list, seed=4, l2=1e-3)
    TWIN_NETWORKS[saver].save(model, tmp_path / "model.json")
    TWIN_NETWORKS["pure" if saver == "vectorized" else "vectorized"].save(
        TWIN_NETWORKS[loader].create_layers(input_shape, layer_list, seed=4, l2=1e-3), tmp_path / "other.json")
    assert (tmp_path / "model.json").read_bytes() == (tmp_path / "other.json").read_bytes()
    document = json.loads((tmp_path / "model.json").read_text())
    assert document["version"] == 2 and document["model"]["layers"] == model["layers"]
    loaded = TWIN_NETWORKS[loader].load(tmp_path / "model.json")
    assert {k: v for k, v in loaded.items() if k != "params"} == {k: v for k, v in model.items() if k != "params"}
    for name, array in model["params"].items():
        assert np.asarray(loaded["params"][name]).tolist() == np.asarray(array).tolist()
    shape = [input_shape] if isinstance(input_shape, int) else input_shape
    inputs = np.random.default_rng(0).uniform(-1, 1, (4, *shape))
    before = np.asarray(TWIN_NETWORKS[saver].predict(model, _as_twin(saver, inputs)))
    after = np.asarray(TWIN_NETWORKS[loader].predict(loaded, _as_twin(loader, inputs)))
    np.testing.assert_allclose(after, before, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_version_that_does_not_fit_the_model_is_refused(tmp_path, twin):
    model = pure.network.create_layers(3, MLP_LAYERS, seed=1)
    pure.network.save(model, tmp_path / "model.json")
    document = json.loads((tmp_path / "model.json").read_text())
    (tmp_path / "v1.json").write_text(json.dumps({**document, "version": 1}))
    with pytest.raises(ValueError, match=r"^load: .*v1.json expected file version 2 for a model given by its layers"):
        TWIN_NETWORKS[twin].load(tmp_path / "v1.json")
    (tmp_path / "v3.json").write_text(json.dumps({**document, "version": 3}))
    with pytest.raises(ValueError, match=r"^load: .*v3.json expected file version 1 or 2, got 3"):
        TWIN_NETWORKS[twin].load(tmp_path / "v3.json")


DENSE = {"type": "dense", "units": 3}
MALFORMED = [
    (3, [{"type": "conv3d"}], ValueError, "layers[0]['type'] expected one of dense, relu"),
    (3, [DENSE, {"type": 7}], TypeError, "layers[1]['type'] expected one of dense"),
    (3, [{"units": 3}], ValueError, "layers[0] expected a 'type'"),
    (3, [{"type": "dense"}], ValueError, "layers[0] (dense) expected a 'units'"),
    (3, [{"type": "dense", "units": 0}], ValueError, "layers[0]['units'] expected an int >= 1, got 0"),
    (3, [{"type": "dense", "units": 2.0}], TypeError, "layers[0]['units'] expected an int"),
    (3, [{"type": "dense", "units": 2, "rate": 0.5}], ValueError, "layers[0] (dense) expected the keys"),
    (3, [{"type": "relu", "units": 2}, DENSE], ValueError, "layers[0] (relu) expected the keys ['type']"),
    (3, [DENSE, {"type": "dropout", "rate": 1.0}, DENSE], ValueError, "layers[1]['rate'] expected a fraction"),
    (3, [{"type": "relu"}], ValueError, "layers expected at least one layer with weights"),
    (3, [], ValueError, "layers expected at least one layer with weights"),
    (3, [DENSE, "relu"], TypeError, "layers[1] expected a dict"),
    (3, {"type": "dense"}, TypeError, "layers expected a list of layers"),
    (3, [{"type": "flatten"}, DENSE], ValueError, "layers[0] (flatten) expected images"),
    (3, [{"type": "conv2d", "filters": 2, "kernel": 3}, DENSE], ValueError, "layers[0] (conv2d) expected images"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "relu"}, DENSE], ValueError,
     "layers[2] (dense) expected samples of features (n_samples, features), got images of shape (2, 4, 4): put a "
     "flatten layer before it"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": 7}, {"type": "flatten"}, DENSE], ValueError,
     "layers[0] (conv2d) expected a kernel no larger than its padded input (6, 6), got kernel (7, 7)"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": 3, "stride": 0}, {"type": "flatten"}, DENSE], ValueError,
     "layers[0]['stride'] expected an int >= 1, got 0"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": 3, "padding": -1}, {"type": "flatten"}, DENSE],
     ValueError, "layers[0]['padding'] expected an int >= 0, got -1"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": [3, 3, 3]}, {"type": "flatten"}, DENSE], ValueError,
     "layers[0]['kernel'] expected an int or a pair [vertical, horizontal], got 3 values"),
    ([1, 6, 6], [{"type": "max_pool2d", "size": 8}, {"type": "flatten"}, DENSE], ValueError,
     "layers[0] (max_pool2d) expected a window no larger than its input (6, 6), got size (8, 8)"),
    ([1, 6, 6], [{"type": "conv2d", "filters": 2, "kernel": 3}], ValueError,
     "layers expected to end in samples of features for the task's output, got images of shape (2, 4, 4)"),
    ([1, 6], [DENSE], TypeError, "input_shape expected a number of features such as 784, or [channels, height, "
                                 "width]"),
    ([1, 0, 6], [DENSE], ValueError, "input_shape expected an int >= 1, got 0"),
]


@pytest.mark.parametrize("input_shape, layer_list, error, message", MALFORMED,
                         ids=[f"{i}: {m[:40]}" for i, (_, _, _, m) in enumerate(MALFORMED)])
def test_malformed_layer_lists_are_refused_alike(input_shape, layer_list, error, message):
    """One line naming the function and the layer, the same type and text in both twins."""
    messages = []
    for network in TWIN_NETWORKS.values():
        with pytest.raises(error) as raised:
            network.create_layers(input_shape, copy.deepcopy(layer_list))
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"create_layers: {message}"), messages[0]
    assert "\n" not in messages[0]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_model_of_layers_is_checked_where_it_is_taken(twin):
    network = TWIN_NETWORKS[twin]
    model = network.create_layers(3, MLP_LAYERS, seed=1)
    broken = {**model, "layers": [*model["layers"][:-1], {"type": "dense", "units": 4}]}
    with pytest.raises(ValueError, match=r"^predict: params of layers\[6\] \(dense\) expected shapes \(4, 4\) and "
                                         r"\(4,\), got \(4, 2\) and \(2,\)"):
        network.predict(broken, _as_twin(twin, np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"^predict: inputs expected 3 columns \(the model's inputs\)"):
        network.predict(model, _as_twin(twin, np.zeros((2, 4))))


@needs_conv
@pytest.mark.parametrize("variant", ["tiny", "regularised"])
def test_a_tiny_cnn_trains_step_for_step_in_both_twins(variant):
    """1x6x6 images, conv 2 filters 3x3 padding 1, relu, max-pool 2, flatten, dense 3: 20 steps of Adam,
    every step loss equal in both twins to 1e-9 relative (and a variant with avg-pool, stride, dropout, L1, L2)."""
    layer_list, penalties = TINY_CNN, {}
    if variant == "regularised":
        layer_list = [{"type": "conv2d", "filters": 3, "kernel": [3, 2], "stride": [1, 2], "padding": 1},
                      {"type": "tanh"}, {"type": "dropout", "rate": 0.2}, {"type": "avg_pool2d", "size": 2, "stride": 1},
                      {"type": "flatten"}, {"type": "dense", "units": 4}, {"type": "relu"},
                      {"type": "dense", "units": 3}]
        penalties = {"l1": 1e-3, "l2": 1e-3}
    generator = np.random.default_rng(11)
    inputs, labels = generator.uniform(-1, 1, (16, 1, 6, 6)), generator.integers(0, 3, 16)
    _assert_trained_step_for_step(
        lambda twin: (_as_twin(twin, inputs), _as_twin(twin, labels)),
        lambda network: network.create_layers([1, 6, 6], layer_list, seed=3, **penalties),
        epochs=5, batch_size=4, seed=3, n_steps=20)


def _assert_trained_step_for_step(data, create, epochs, batch_size, seed, n_steps):
    """Both twins train the model create(network) on data(twin) with Adam (lr 0.01): n_steps steps,
    every step loss equal to 1e-9 relative, the last steps' losses below the first ones', and the
    final parameters equal to 1e-9 of each array's largest value."""
    results = {}
    for twin, network in TWIN_NETWORKS.items():
        inputs, targets = data(twin)
        model, state, losses = create(network), None, []
        for epoch in range(epochs):
            model, state, metrics = network.train_epoch(model, inputs, targets, "adam", state, {"lr": 0.01},
                                                        batch_size, seed, epoch)
            losses.extend(metrics["step_losses"])
        results[twin] = model, np.array(losses)
    (pure_model, pure_losses), (vec_model, vec_losses) = results["pure"], results["vectorized"]
    assert len(vec_losses) == n_steps
    relative = np.abs(pure_losses - vec_losses) / np.abs(vec_losses)
    assert relative.max() <= 1e-9, relative.max()
    first = n_steps // epochs
    assert vec_losses[-first:].mean() < vec_losses[:first].mean()  # it did learn something
    for name, array in vec_model["params"].items():
        np.testing.assert_allclose(pure_model["params"][name], array, rtol=0, atol=1e-9 * np.abs(array).max())


TINY_TRANSFORMER = [{"type": "embedding", "width": 8}, {"type": "positional_encoding"},
                    {"type": "transformer_block", "heads": 2, "hidden": 16}, {"type": "layer_norm"},
                    {"type": "dense", "units": 6}]
TOKENS = {"length": 8, "vocabulary": 6}


def test_a_tiny_transformer_trains_step_for_step_in_both_twins():
    """The sorting task (4 digits of 5 symbols), an embedding of 8, one causal block of 2 heads,
    layer norm, dense 6: 24 steps of Adam, every step loss equal in both twins to 1e-9 relative."""
    _assert_trained_step_for_step(lambda twin: TWIN_DATA[twin].sort_digits(48, 4, 5, 0),
                                  lambda network: network.create_layers(TOKENS, TINY_TRANSFORMER, seed=2),
                                  epochs=4, batch_size=8, seed=2, n_steps=24)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_tiny_transformer_has_the_gradients_of_its_loss(twin):
    """backward against central differences, for an entry of every parameter of the model (the
    embedding, each projection, both layer norms and the MLP of the block, the last layer norm
    and dense layer); positions whose target is -1 add nothing to the loss."""
    network = TWIN_NETWORKS[twin]
    inputs, targets = TWIN_DATA[twin].sort_digits(6, 4, 5, 7)
    model = network.create_layers(TOKENS, TINY_TRANSFORMER, seed=5)
    outputs, cache = network.forward(model, inputs)
    grads = network.backward(model, cache, targets)
    params = {name: np.array(array, dtype=float) for name, array in model["params"].items()}

    def loss_with(name, array):
        changed = {**model, "params": {**model["params"], name: _as_twin(twin, array)}}
        return network.loss(changed, network.forward(changed, inputs)[0], targets)[0]

    generator = np.random.default_rng(0)
    for name, array in params.items():
        index = tuple(generator.integers(0, side) for side in array.shape)
        step = np.zeros_like(array)
        step[index] = 1e-6
        numerical = (loss_with(name, array + step) - loss_with(name, array - step)) / 2e-6
        analytic = np.array(grads[name], dtype=float)[index]
        assert abs(numerical - analytic) <= 1e-6 * max(1.0, abs(analytic)), (name, index, numerical, analytic)
