"""Notebook 01's grader accepts the reference ``layer_gradient_norms`` and rejects each
common mistake with its own message.

Every mistaken implementation below is the reference with one mistake; the test requires
the grader to fail with the message that names it.
"""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from resnets_graders.gradients import check_layer_gradient_norms
from resnets_reference import layer_gradient_norms


def _kernel_layers(model):
    return [layer for layer in model.layers if hasattr(layer, "kernel")]


def make_norms(
    norm="l2",
    variables="kernel",
    loss="mean",
    pass_training=True,
    order=None,
    skip_dense=False,
    include_bn=False,
    output="dict",
    as_tensor=False,
    keys="name",
    apply_update=False,
):
    """The reference, with one change given by the keyword arguments."""

    def mistaken(model, X, Y, training=True):
        layers = _kernel_layers(model)
        if skip_dense:
            layers = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
        with tf.GradientTape() as tape:
            probabilities = model(X, training=training if pass_training else True)
            per_example = keras.losses.categorical_crossentropy(Y, probabilities)
            if loss == "mse":
                per_example = keras.losses.mean_squared_error(Y, probabilities)
            value = tf.reduce_sum(per_example) if loss == "sum" else tf.reduce_mean(per_example)
        kernels = [layer.kernel for layer in layers]
        if variables == "kernel+bias":
            grads = tape.gradient(value, kernels + [layer.bias for layer in layers])
            n = len(layers)
            norms = [
                tf.sqrt(tf.reduce_sum(grads[i] ** 2) + tf.reduce_sum(grads[n + i] ** 2))
                for i in range(n)
            ]
        elif variables == "weights":
            norms = [tf.norm(k) for k in kernels]
        else:
            norms = [tf.norm(g) for g in tape.gradient(value, kernels)]
        if apply_update:
            for layer in layers:
                layer.kernel.assign(layer.kernel * 0.9)
        if norm == "squared":
            norms = [n**2 for n in norms]
        values = [n if as_tensor else float(n) for n in norms]
        names = [layer.name for layer in layers]
        if order == "reversed-values":
            values = values[::-1]
        if order == "reversed-keys":
            names, values = names[::-1], values[::-1]
        if include_bn:
            names.insert(1, "bn_a")
            values.insert(1, 1.0)
        if keys == "layer":
            names = layers
        if output == "list":
            return values
        return dict(zip(names, values))

    return mistaken


def test_reference_passes(capsys):
    check_layer_gradient_norms(layer_gradient_norms)
    assert capsys.readouterr().out.strip() == "All tests passed."


MISTAKES = [
    (make_norms(variables="weights"), r"norms of the kernels themselves"),
    (make_norms(variables="kernel+bias"), r"biases are included"),
    (make_norms(norm="squared"), r"squared norms"),
    (make_norms(order="reversed-values"), r"wrong layers"),
    (make_norms(order="reversed-keys"), r"wrong order"),
    (make_norms(loss="sum"), r"summed over the batch"),
    (make_norms(loss="mse"), r"mean squared error"),
    (make_norms(pass_training=False), r"training=False.*passing on the function's argument"),
    (make_norms(skip_dense=True), r"\['fc'\] are missing"),
    (make_norms(include_bn=True), r"\['bn_a'\] have no kernel"),
    (make_norms(output="list"), r"should return a dict"),
    (make_norms(as_tensor=True), r"convert each norm to a Python float"),
    (make_norms(keys="layer"), r"keys should be the layers' names"),
    (make_norms(apply_update=True), r"kernels changed"),
]


@pytest.mark.parametrize("mistaken, message", MISTAKES, ids=[m for _, m in MISTAKES])
def test_mistake_is_named(mistaken, message):
    with pytest.raises(AssertionError, match=message) as info:
        check_layer_gradient_norms(mistaken)
    assert "layer_gradient_norms" in str(info.value)


def test_not_written_yet():
    def layer_gradient_norms(model, X, Y, training=True):
        raise NotImplementedError()

    with pytest.raises(
        AssertionError, match=re.escape("Exercise layer_gradient_norms is not written yet")
    ):
        check_layer_gradient_norms(layer_gradient_norms)


def test_other_errors_are_chained():
    def layer_gradient_norms(model, X, Y, training=True):
        return {layer.name: float(layer.kernel_gradient) for layer in model.layers}

    with pytest.raises(AssertionError, match=r"layer_gradient_norms raised AttributeError") as info:
        check_layer_gradient_norms(layer_gradient_norms)
    assert isinstance(info.value.__cause__, AttributeError)


def test_some_other_wrong_values_get_the_general_message():
    def layer_gradient_norms(model, X, Y, training=True):
        norms = make_norms()(model, X, Y, training)
        return {name: value * 1.5 for name, value in norms.items()}

    with pytest.raises(AssertionError, match=r"differ from those of the gradient of the mean"):
        check_layer_gradient_norms(layer_gradient_norms)


def test_grader_network_separates_training_and_inference():
    """The grader's network gives clearly different norms in the two modes (else the
    ``training`` mistake could not be seen), and biases that carry their own gradient."""
    from resnets_graders.gradients import _grader_batch, _grader_model, _norms_of

    X, Y = _grader_batch()
    train = np.array(_norms_of(_grader_model(), X, Y, True))
    infer = np.array(_norms_of(_grader_model(), X, Y, False))
    with_bias = np.array(_norms_of(_grader_model(), X, Y, True, with_bias=True))
    assert not np.allclose(train, infer, rtol=1e-2)
    assert not np.allclose(train, with_bias, rtol=1e-2)
    assert np.all(train > 0)
