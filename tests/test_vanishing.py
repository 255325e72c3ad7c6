"""Notebook 01's laboratory, resnets_vanishing: its training loop trains as Keras would."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import resnets_vanishing as rv

SHAPES = [(3, 3, 4, 5), (5,), (7, 6)]


def _trained_by(apply_step, optimizer, steps=5):
    """Variables of SHAPES after ``steps`` updates with the same fixed gradients."""
    rng = np.random.default_rng(0)
    start = [rng.normal(size=shape).astype(np.float32) for shape in SHAPES]
    grads = [[rng.normal(size=shape).astype(np.float32) for shape in SHAPES] for _ in range(steps)]
    variables = [keras.Variable(value) for value in start]
    step = apply_step(optimizer, variables)
    for g in grads:
        step([tf.constant(x) for x in g])
    return [v.numpy() for v in variables], start


def _keras_step(optimizer, variables):
    made = {"adam": lambda: keras.optimizers.Adam(0.01),
            "sgd": lambda: keras.optimizers.SGD(0.01, momentum=0.9)}[optimizer]()
    return lambda grads: made.apply(grads, variables)


def _fused_step(optimizer, variables):
    return tf.function(rv.fused_optimizer_update(optimizer, variables, 0.01))


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fused_update_is_the_keras_optimizers_update(optimizer):
    expected, start = _trained_by(_keras_step, optimizer)
    got, _ = _trained_by(_fused_step, optimizer)
    for e, g, s in zip(expected, got, start):
        assert not np.allclose(g, s), "the variables must move"
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_fused_update_rejects_an_unknown_optimizer():
    with pytest.raises(ValueError, match="'adam' or 'sgd'; got 'rmsprop'"):
        rv.fused_optimizer_update("rmsprop", [keras.Variable(np.zeros(2, np.float32))], 0.01)


def test_fused_update_rejects_a_variable_that_is_not_float32():
    variables = [keras.Variable(np.zeros(2, np.float32), name="w"),
                 keras.Variable(np.zeros(2, np.float16), name="half")]
    with pytest.raises(ValueError, match="float32 variables, but 'half' is float16"):
        rv.fused_optimizer_update("adam", variables, 0.01)


def test_train_recording_gradients_records_and_repeats():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (40, 8, 8, 3)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, 40)]
    runs = []
    for _ in range(2):
        model = rv.build_network(6, residual=True, input_shape=(8, 8, 3))
        runs.append(rv.train_recording_gradients(model, X, Y, steps=12, batch_size=16,
                                                 learning_rate=1e-2, record_every=4))
    run = runs[0]
    assert run["layers"] == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc"]
    assert run["loss"].shape == (12,)
    assert run["steps"].tolist() == [0, 4, 8]
    assert run["grad_norms"].shape == (3, 6) and (run["grad_norms"] > 0).all()
    assert run["loss"][-4:].mean() < run["loss"][:4].mean(), "twelve Adam steps lower the loss"
    for key in ("loss", "grad_norms"):
        np.testing.assert_array_equal(runs[1][key], run[key])
