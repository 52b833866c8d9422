"""Whole training runs: both twins step for step, optimizers' known steps, saving and loading."""

import json
import math

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
