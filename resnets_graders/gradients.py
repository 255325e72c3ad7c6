"""The grader of notebook 01's exercise, ``layer_gradient_norms``.

The reference is ``resnets_reference.layer_gradient_norms``.
``check_layer_gradient_norms`` runs the learner's function and the reference on the same
small network and batch, in training and in inference mode, and names the usual mistakes:
the weights' norm instead of the gradient's, the bias included, the squared norm, the
summed loss, the ``training`` argument ignored, a layer missing, the wrong order.
"""

import keras
import numpy as np
import tensorflow as tf

import resnets_reference
from resnets_graders import fixtures
from resnets_graders.evidence import collect_norms
from resnets_graders.messages import GradingError, is_a, not_written, raised

EXERCISE = "layer_gradient_norms"


_grader_model = fixtures.gradients_model  # the fixed network and batch of the grader
_grader_batch = fixtures.gradients_batch


def _norms_of(model, X, Y, training, loss="mean", with_bias=False):
    """Gradient norms of one of the losses the grader knows, as a list input to output."""
    kernel_layers = [layer for layer in model.layers if hasattr(layer, "kernel")]
    with tf.GradientTape() as tape:
        probabilities = model(X, training=training)
        if loss == "mse":
            per_example = keras.losses.mean_squared_error(Y, probabilities)
        else:
            per_example = keras.losses.categorical_crossentropy(Y, probabilities)
        value = tf.reduce_sum(per_example) if loss == "sum" else tf.reduce_mean(per_example)
    variables = [layer.kernel for layer in kernel_layers]
    if with_bias:
        variables += [layer.bias for layer in kernel_layers]
    gradients = tape.gradient(value, variables)
    n = len(kernel_layers)
    if with_bias:
        return [
            float(np.sqrt(np.sum(np.square(gradients[i])) + np.sum(np.square(gradients[n + i]))))
            for i in range(n)
        ]
    return [float(tf.norm(g)) for g in gradients]


def _close(a, b):
    return len(a) == len(b) and np.allclose(a, b, rtol=1e-3, atol=1e-9)


def _fmt(values):
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def judge_norms(evidence):
    """Compare the evidence of ``evidence.collect_norms`` (one mode) with the reference.

    Returns None when the norms are right; raises GradingError naming the mistake.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    X, Y = _grader_batch()
    model = _grader_model()
    training = evidence["training"]
    mode = f"training={training}"
    _check_no_error(evidence, training)

    # What was returned: a dict of floats, keyed by the layers' names.
    _check_is_dict(evidence)
    names = [layer.name for layer in model.layers if hasattr(layer, "kernel")]
    all_names = [layer.name for layer in model.layers]
    keys = _keys_of(evidence)
    _check_keys(keys, names, all_names)
    _check_values_are_floats(keys, evidence["values"])
    values = [float(v["value"]) for v in evidence["values"]]
    _check_kernels_unchanged(evidence)

    expected = list(
        resnets_reference.layer_gradient_norms(_grader_model(), X, Y, training).values()
    )
    if _close(values, expected):
        return
    _diagnose_mistake(values, expected, X, Y, training)
    raise GradingError(
        f"Exercise {EXERCISE} ({mode}): the norms differ from those of the gradient of the "
        "mean categorical cross-entropy with respect to each kernel. Expected "
        f"{_fmt(expected)} for {names}, got {_fmt(values)}."
    )


def _check_no_error(evidence, training):
    """Raise GradingError when the learner's function raised (or is not written yet)."""
    __tracebackhide__ = True
    if evidence["outcome"] == "error":
        error, cause = evidence["error"], evidence.get("exception")
        if is_a(error, NotImplementedError):
            raise GradingError(not_written(EXERCISE)) from cause
        raise GradingError(
            raised(
                EXERCISE,
                error,
                f"layer_gradient_norms(model, X, Y, training={training}) on a "
                "small network of Conv2D, BatchNormalization and Dense layers",
            )
        ) from cause


def _check_is_dict(evidence):
    """Raise GradingError when the function returned something other than a dict."""
    __tracebackhide__ = True
    if evidence["outcome"] != "dict":
        raise GradingError(
            f"Exercise {EXERCISE}: should return a dict {{layer name: float}}, got "
            f"{evidence['returned_type']}. Build it with e.g. "
            "{layer.name: float(tf.norm(gradient)) for ...}."
        )


def _keys_of(evidence):
    """The returned dict's keys, in order: strings as they are, others as their repr."""
    return [k["value"] if k["is_str"] else _Shown(k["repr"]) for k in evidence["keys"]]


def _check_keys(keys, names, all_names):
    """Raise GradingError unless ``keys`` are exactly ``names`` (the layers with a kernel),
    in order: a key that names no layer first, then a layer missing, one without a kernel,
    the wrong order."""
    __tracebackhide__ = True
    bad_keys = [k for k in keys if not isinstance(k, str) or k not in all_names]
    if bad_keys:
        raise GradingError(
            f"Exercise {EXERCISE}: the dict's keys should be the layers' names "
            f"(layer.name), such as {names}; got {bad_keys[:3]}."
        )
    missing = [n for n in names if n not in keys]
    if missing:
        raise GradingError(
            f"Exercise {EXERCISE}: the layer(s) {missing} are missing. Measure every "
            "layer that has a kernel (Conv2D and Dense: hasattr(layer, 'kernel')), "
            f"expected {names}."
        )
    extra = [k for k in keys if k not in names]
    if extra:
        raise GradingError(
            f"Exercise {EXERCISE}: the layer(s) {extra} have no kernel and should not be "
            f"there (BatchNormalization's gamma and beta are not kernels); expected only "
            f"{names}."
        )
    if keys != names:
        raise GradingError(
            f"Exercise {EXERCISE}: the layers are in the wrong order: expected {names} "
            f"(the order of model.layers, from the input to the output), got {keys}."
        )


def _check_values_are_floats(keys, value_records):
    """Raise GradingError at the first value that is a tensor or otherwise not a float."""
    __tracebackhide__ = True
    for name, value in zip(keys, value_records):
        if value["kind"] == "tensor":
            raise GradingError(
                f"Exercise {EXERCISE}: the norm of '{name}' is a {value['type']}; "
                "convert each norm to a Python float with float(...)."
            )
        if value["kind"] != "float":
            raise GradingError(
                f"Exercise {EXERCISE}: the norm of '{name}' should be a float, got "
                f"{value['type']} {value['repr']}."
            )


def _check_kernels_unchanged(evidence):
    """Raise GradingError when the function changed the model's kernels (applied the
    gradient)."""
    __tracebackhide__ = True
    if evidence["kernels_changed"]:
        raise GradingError(
            f"Exercise {EXERCISE}: the model's kernels changed. Only measure the "
            "gradient; do not apply it with an optimizer."
        )


def _diagnoses(values, expected, X, Y, training):
    """(norms, explanation) of each usual mistake, in the order they are tried; each is
    measured on a fresh copy of the grader's network."""
    fresh = _grader_model()
    weight_norms = [
        float(np.linalg.norm(layer.kernel.numpy()))
        for layer in fresh.layers
        if hasattr(layer, "kernel")
    ]
    diagnoses = [
        (
            weight_norms,
            "these are the norms of the kernels themselves; return the norms of the "
            "gradient of the loss with respect to the kernels (tape.gradient(loss, kernels))",
        ),
        (
            _norms_of(_grader_model(), X, Y, training, with_bias=True),
            "the biases are included; measure the gradient with respect to each layer's "
            "kernel only (layer.kernel)",
        ),
        (
            [v**2 for v in expected],
            "these are squared norms; return the norm itself, tf.norm(gradient)",
        ),
        (
            expected[::-1],
            "the norms are attached to the wrong layers (reversed): keep each gradient "
            "with its own layer",
        ),
        (
            _norms_of(_grader_model(), X, Y, training, loss="sum"),
            f"this is the gradient of the loss summed over the batch ({len(X)} times too "
            "big); the loss is the mean over the examples (tf.reduce_mean)",
        ),
        (
            _norms_of(_grader_model(), X, Y, not training),
            f"these are the norms with training={not training}; call the model with "
            "model(X, training=training), passing on the function's argument",
        ),
        (
            _norms_of(_grader_model(), X, Y, training, loss="mse"),
            "this is the gradient of the mean squared error; the loss is the mean "
            "categorical cross-entropy",
        ),
    ]
    if sorted(values) != values and _close(sorted(values), sorted(expected)):
        diagnoses.insert(
            0,
            (
                values,
                "the norms are attached to the wrong layers: keep each gradient with its own layer",
            ),
        )
    return diagnoses


def _diagnose_mistake(values, expected, X, Y, training):
    """Raise GradingError naming the first usual mistake whose norms match ``values``;
    return None when none does."""
    __tracebackhide__ = True
    mode = f"training={training}"
    for candidate, explanation in _diagnoses(values, expected, X, Y, training):
        if _close(values, candidate):
            raise GradingError(
                f"Exercise {EXERCISE} ({mode}): {explanation}. Expected "
                f"{_fmt(expected)}, got {_fmt(values)}."
            )


def check_layer_gradient_norms(layer_gradient_norms):
    """Grade the learner's ``layer_gradient_norms``; print "All tests passed." when right.

    Compares it with the reference on a small fixed network and batch, in training mode
    (the default) and in inference mode (``training=False``). Raises AssertionError naming
    the exercise and the mistake otherwise.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    for training in (True, False):
        judge_norms(collect_norms(layer_gradient_norms, training))
    print("All tests passed.")


class _Shown:
    """A dict key that was not a string, shown in a message as its recorded repr."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text
