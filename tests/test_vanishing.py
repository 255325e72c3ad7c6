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
    made = {
        "adam": lambda: keras.optimizers.Adam(0.01),
        "sgd": lambda: keras.optimizers.SGD(0.01, momentum=0.9),
    }[optimizer]()
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


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.Variable(np.zeros(2, np.float16), name="half"),
        lambda: tf.Variable(np.zeros(2, np.float64), name="half"),
    ],
    ids=["keras.Variable", "tf.Variable"],
)
def test_fused_update_rejects_a_variable_that_is_not_float32(make):
    variables = [keras.Variable(np.zeros(2, np.float32), name="w"), make()]
    with pytest.raises(ValueError, match="float32 variables, but 'half(:0)?' is float(16|64)"):
        rv.fused_optimizer_update("adam", variables, 0.01)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
def test_fused_update_leaves_a_variable_without_gradient_alone(optimizer, traced):
    used, unused = keras.Variable(np.ones(3, np.float32)), keras.Variable(np.ones(3, np.float32))
    update = rv.fused_optimizer_update(optimizer, [used, unused], 0.1)
    if traced:
        update = tf.function(update)
    for _ in range(2):
        update([tf.ones(3), None])
    assert (used.numpy() < 1).all()
    np.testing.assert_array_equal(unused.numpy(), np.ones(3, np.float32))


def _signs_like_data(m=40, size=8):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (m, size, size, 3)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, m)]
    return X, Y


def test_train_recording_gradients_trains_every_variable_as_keras_adam_does():
    X, Y = _signs_like_data()
    steps, batch_size, lr = 6, 16, 1e-2
    model = rv.build_network(6, residual=True, input_shape=(8, 8, 3))
    rv.train_recording_gradients(model, X, Y, steps=steps, batch_size=batch_size, learning_rate=lr)

    reference = rv.build_network(6, residual=True, input_shape=(8, 8, 3))  # same initial weights
    start = [v.numpy() for v in reference.trainable_variables]
    optimizer = keras.optimizers.Adam(lr)
    rng = np.random.default_rng(0)  # the batches as the docstring describes them
    order, position = rng.permutation(len(X)), 0
    for _ in range(steps):
        if position + batch_size > len(X):
            order, position = rng.permutation(len(X)), 0
        batch = order[position : position + batch_size]
        position += batch_size
        with tf.GradientTape() as tape:
            probs = reference(X[batch], training=True)
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(Y[batch], probs))
        grads = tape.gradient(loss, reference.trainable_variables)
        optimizer.apply_gradients(zip(grads, reference.trainable_variables))

    moved = 0
    for got, expected, before in zip(
        model.trainable_variables, reference.trainable_variables, start
    ):
        # A convolution's bias before a BatchNorm has a gradient of rounding noise, whose
        # sign Adam follows: allow half a learning rate; everything else moves ~lr a step.
        np.testing.assert_allclose(
            got.numpy(), expected.numpy(), rtol=0, atol=lr / 2, err_msg=got.path
        )
        moved += np.abs(expected.numpy() - before).max() > 2 * lr
    assert moved >= 16, "the kernels, gammas and betas all move by several learning rates"


def test_train_recording_gradients_names_a_frozen_layer():
    X, Y = _signs_like_data(16)
    model = rv.build_network(6, residual=True, input_shape=(8, 8, 3))
    model.get_layer("conv2").trainable = False
    with pytest.raises(ValueError, match="layer 'conv2' is frozen"):
        rv.train_recording_gradients(model, X, Y, steps=1)


def test_train_recording_gradients_records_and_repeats():
    X, Y = _signs_like_data()
    runs = []
    for _ in range(2):
        model = rv.build_network(6, residual=True, input_shape=(8, 8, 3))
        runs.append(
            rv.train_recording_gradients(
                model, X, Y, steps=12, batch_size=16, learning_rate=1e-2, record_every=4
            )
        )
    run = runs[0]
    assert run["layers"] == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc"]
    assert run["loss"].shape == (12,)
    assert run["steps"].tolist() == [0, 4, 8]
    assert run["grad_norms"].shape == (3, 6) and (run["grad_norms"] > 0).all()
    assert run["loss"][-4:].mean() < run["loss"][:4].mean(), "twelve Adam steps lower the loss"
    assert run["kernel_change"].shape == (6,) and (run["kernel_change"] > 0).all()
    for key in ("loss", "grad_norms", "kernel_change"):
        np.testing.assert_array_equal(runs[1][key], run[key])


def test_kernel_change_is_the_relative_distance_the_kernels_moved():
    X, Y = _signs_like_data()
    model = rv.build_network(6, residual=False, input_shape=(8, 8, 3))
    before = [layer.kernel.numpy() for layer in rv.kernel_layers(model)]
    run = rv.train_recording_gradients(model, X, Y, steps=3, batch_size=16)
    after = [layer.kernel.numpy() for layer in rv.kernel_layers(model)]
    expected = [np.linalg.norm(a - b) / np.linalg.norm(b) for a, b in zip(after, before)]
    np.testing.assert_allclose(run["kernel_change"], expected, rtol=1e-6)


def test_check_claims_prints_each_claim_and_names_the_ones_that_fail(capsys):
    rv.check_claims({"one is one": True})
    assert capsys.readouterr().out == "one is one: True\n"
    with pytest.raises(AssertionError, match="two is three") as failure:
        rv.check_claims({"one is one": True, "two is three": False})
    assert "one is one" not in str(failure.value)
