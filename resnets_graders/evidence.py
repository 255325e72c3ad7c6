"""What a learner's function builds, collected where it runs, then judged by the graders.

A grader works in two steps. ``collect(exercise, function)`` calls the learner's function on
the grader's fixed inputs (resnets_graders/fixtures.py) and records what came back as
*evidence*: a list of plain dicts holding the model it built, the arrays it returned, the
exception it raised. ``resnets_graders.judge`` (and each ``check_*`` function) then
compares that evidence with the reference and names the first difference.

The check cell in a notebook does both steps in the learner's kernel. ``make grade`` does
the first in a kernel of its own (resnets_graders/kernel.py), which writes the evidence to
a folder with :func:`save`, and the second in the grading process, which reads it back with
:func:`load`: models from Keras files loaded with ``safe_mode=True`` (no Python code in
them is run), arrays from an ``.npz`` file without pickles. Nothing in this module is a
reference implementation, and it never decides whether an exercise is right.
"""

import json
import re
from pathlib import Path

import numpy as np

from resnets_graders import fixtures
from resnets_graders.messages import ErrorRecord

EXERCISES = (
    "layer_gradient_norms",
    "identity_block",
    "convolutional_block",
    "ResNet50",
    "remove_residual_branch",
)


def collect(exercise, function):
    """Call the learner's ``function`` for ``exercise`` on the grader's inputs.

    Returns a list of evidence dicts, one per case the grader tries, in the order it judges
    them. Never raises for an error of the learner's code: the error is in the evidence.
    """
    if exercise == "identity_block":
        return [collect_block(exercise, function, case) for case in fixtures.IDENTITY_BLOCK_CASES]
    if exercise == "convolutional_block":
        return [
            collect_block(exercise, function, case) for case in fixtures.CONVOLUTIONAL_BLOCK_CASES
        ]
    if exercise == "ResNet50":
        return [collect_resnet50(function)]
    if exercise == "layer_gradient_norms":
        return [collect_norms(function, training) for training in (True, False)]
    if exercise == "remove_residual_branch":
        return [collect_lesion(function, stage, block) for stage, block in fixtures.LESION_BLOCKS]
    raise ValueError(f"no grader for an exercise named {exercise!r}; known: {EXERCISES}")


# --------------------------------------------------------------------- notebooks 02-04


def run_traced(build):
    """Run ``build()`` while recording every Keras layer it calls.

    Returns (result, layers, error): ``layers`` lists the layers called, in order, even when
    ``build`` raised; ``error`` is the exception or None.
    """
    import keras

    layer_class = keras.layers.Layer
    original_call = layer_class.__call__
    trace = []

    def traced_call(layer, *args, **kwargs):
        if not any(layer is seen for seen in trace):
            trace.append(layer)
        return original_call(layer, *args, **kwargs)

    layer_class.__call__ = traced_call
    try:
        return build(), trace, None
    except Exception as exc:  # the learner's error: it goes into the evidence
        return None, trace, exc
    finally:
        layer_class.__call__ = original_call


def _type_name(value):
    return "None" if value is None else type(value).__name__


def fresh_session(free_memory=False):
    """Start Keras' session afresh, so that layer names count from the start again, as the
    graders compare them (``keras.backend.clear_session``).

    By default without the ``gc.collect()`` that ``clear_session`` runs: in a process
    holding many objects, a notebook's kernel or the test suite, each collection takes up
    to a second, and a block's check starts several sessions; the small models left behind
    are freed by Python's own collector, eventually. ``free_memory=True`` collects now: the
    ResNet-50 checks ask for it, since each ResNet-50 left waiting for the collector holds
    about 100 MB, and a class graded in one process, or a check cell run again and again,
    would pile them up."""
    import keras

    keras.backend.clear_session(free_memory=free_memory)


def collect_block(exercise, function, case):
    """Evidence of ``function(X, **case)`` for a block exercise (02, 03), X a Keras input.

    ``outcome`` is "model" (with the block as a keras.Model), "error", "none" (it returned
    None), "not_tensor" (it returned something else) or "model_error" (its layers do not
    form a model).
    """
    import keras

    case = dict(case)
    input_shape = tuple(case.pop("input_shape"))

    def build():
        X_input = keras.Input(input_shape, name="X")
        return X_input, function(X_input, **case)

    fresh_session()
    result, trace, error = run_traced(build)
    evidence = {
        "exercise": exercise,
        "case": {"input_shape": list(input_shape), **case},
        "trace": trace,
    }
    if error is not None:
        return {**evidence, "outcome": "error", "error": ErrorRecord.of(error), "exception": error}
    X_input, X = result
    if X is None:
        return {**evidence, "outcome": "none"}
    if not isinstance(X, keras.KerasTensor):
        return {**evidence, "outcome": "not_tensor", "returned_type": _type_name(X)}
    try:
        model = keras.Model(X_input, X)
    except Exception as exc:  # e.g. two layers with the same name
        return {
            **evidence,
            "outcome": "model_error",
            "error": ErrorRecord.of(exc),
            "exception": exc,
        }
    return {**evidence, "outcome": "model", "model": model}


def collect_resnet50(function):
    """Evidence of ``function(input_shape=(64, 64, 3), classes=6)`` (notebook 04).

    ``outcome`` is "model", "error" or "not_model" (it returned something else).
    """
    import keras

    fresh_session(free_memory=True)
    result, trace, error = run_traced(lambda: function(**fixtures.RESNET50_ARGUMENTS))
    evidence = {"exercise": "ResNet50", "trace": trace}
    if error is not None:
        return {**evidence, "outcome": "error", "error": ErrorRecord.of(error), "exception": error}
    if not isinstance(result, keras.Model):
        return {**evidence, "outcome": "not_model", "returned_type": _type_name(result)}
    return {**evidence, "outcome": "model", "model": result}


# ------------------------------------------------------------------------- notebook 01


def collect_norms(function, training):
    """Evidence of ``function(model, X, Y, training=training)`` (notebook 01) on the grader's
    network: a description of what it returned, and whether the kernels changed."""
    import tensorflow as tf

    X, Y = fixtures.gradients_batch()
    model = fixtures.gradients_model()
    kernels = [layer for layer in model.layers if hasattr(layer, "kernel")]
    before = [layer.kernel.numpy() for layer in kernels]
    evidence = {"exercise": "layer_gradient_norms", "training": training}
    try:
        got = function(model, X, Y, training=training)
    except Exception as error:  # the learner's error: it goes into the evidence
        return {**evidence, "outcome": "error", "error": ErrorRecord.of(error), "exception": error}
    after = [layer.kernel.numpy() for layer in kernels]
    evidence["kernels_changed"] = any(not np.array_equal(a, b) for a, b in zip(before, after))
    if not isinstance(got, dict):
        return {**evidence, "outcome": "not_dict", "returned_type": type(got).__name__}
    keys = [
        {"is_str": isinstance(k, str), "value": k if isinstance(k, str) else None, "repr": _repr(k)}
        for k in got
    ]
    values = []
    for value in got.values():
        if isinstance(value, (tf.Tensor, np.ndarray)) or hasattr(value, "numpy"):
            values.append({"kind": "tensor", "type": type(value).__name__})
        elif isinstance(value, (float, np.floating)):
            values.append({"kind": "float", "value": float(value)})
        else:
            values.append({"kind": "other", "type": type(value).__name__, "repr": _repr(value)})
    return {**evidence, "outcome": "dict", "keys": keys, "values": values}


def _repr(value):
    try:
        text = repr(value)
    except Exception:  # a learner's object whose __repr__ fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 200 else text[:197] + "..."


# ------------------------------------------------------------------------- notebook 05


def collect_lesion(function, stage, block):
    """Evidence of ``function(model, stage, block)`` (notebook 05) on the grader's network:
    every layer's weights afterwards and what it returned."""
    model = fixtures.lesion_model()
    evidence = {"exercise": "remove_residual_branch", "stage": stage, "block": block}
    try:
        saved = function(model, stage, block)
    except Exception as error:  # the learner's error: it goes into the evidence
        return {**evidence, "outcome": "error", "error": ErrorRecord.of(error), "exception": error}
    evidence["after"] = fixtures.layer_weights(model)
    if saved is None:
        return {**evidence, "outcome": "returned", "saved": {"kind": "none"}}
    try:
        arrays = [np.asarray(w) for w in saved]
    except Exception:  # not a list of arrays
        return {
            **evidence,
            "outcome": "returned",
            "saved": {"kind": "not_list", "type": type(saved).__name__},
        }
    arrays = [a if a.dtype != object else np.full(a.shape, np.nan) for a in arrays]
    return {**evidence, "outcome": "returned", "saved": {"kind": "arrays", "arrays": arrays}}


# ------------------------------------------------------------------- to files and back


_FILE = re.compile(r"[A-Za-z0-9_.-]+")


def save(folder, evidence):
    """Write ``evidence`` ({exercise: [evidence dicts]}) into ``folder``: evidence.json,
    arrays.npz and one Keras file per model. Raises where a model cannot be saved."""
    import keras

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}

    def encode(value):
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items() if k != "exception"}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, ErrorRecord):
            return {"$error": value.to_json()}
        if isinstance(value, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = value
            return {"$array": key}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, keras.Model):
            name = f"model{len(list(folder.glob('model*.keras')))}.keras"
            try:
                value.save(folder / name)
            except Exception as exc:  # e.g. a layer class of the learner's own
                return {"$unsaved": ErrorRecord.of(exc).to_json()}
            return {"$model": name}
        if isinstance(value, keras.layers.Layer):
            try:
                return {"$layer": keras.saving.serialize_keras_object(value)}
            except Exception:  # a layer Keras cannot describe: left out of the trace
                return None
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        return {"$repr": _repr(value)}

    document = encode(evidence)
    np.savez(folder / "arrays.npz", **arrays)
    (folder / "evidence.json").write_text(json.dumps(document))


def load(folder):
    """Read back what :func:`save` wrote in ``folder`` (written by a learner's kernel, so
    untrusted): {exercise: [evidence dicts]}. Models are loaded with ``safe_mode=True``; a
    model that cannot be loaded becomes ``{"outcome": "unloadable", "error": ...}``.
    Raises ValueError when the files are missing or malformed."""
    import keras

    folder = Path(folder)
    document, arrays = _read_files(folder)
    try:
        evidence = _decode(document, folder, arrays)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the kernel's results are malformed: {exc}") from None
    if not isinstance(evidence, dict):
        raise ValueError("the kernel's results are malformed: not a dict of exercises")
    for cases in evidence.values():
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            raise ValueError("the kernel's results are malformed: not lists of cases")
        for case in cases:
            if isinstance(case.get("trace"), list):
                case["trace"] = [
                    layer for layer in case["trace"] if isinstance(layer, keras.layers.Layer)
                ]
            model = case.get("model")
            if isinstance(model, (_Unloadable, _Unsaved)):
                case["outcome"] = "unloadable" if isinstance(model, _Unloadable) else "unsaved"
                case["error"] = model.error
                case.pop("model")
    return evidence


def _read_files(folder):
    """(the parsed evidence.json, {key: array} of arrays.npz) of ``folder``, read without
    pickles; raises ValueError when either is missing or unreadable."""
    try:
        document = json.loads((folder / "evidence.json").read_text())
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"the kernel's results could not be read: {exc}") from None
    return document, arrays


def _decode(value, folder, arrays):
    """``value`` of the JSON document with what :func:`save` encoded put back: errors,
    arrays (from ``arrays``), models (from their files in ``folder``, in safe mode), layers
    and reprs. Raises KeyError, TypeError or ValueError where the document is malformed."""
    import keras

    if isinstance(value, list):
        return [_decode(v, folder, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "$error" in value:
        return ErrorRecord.from_json(value["$error"])
    if "$array" in value:
        return arrays[value["$array"]]
    if "$model" in value:
        name = value["$model"]
        if not isinstance(name, str) or not _FILE.fullmatch(name):
            raise ValueError(f"bad model file name {name!r}")
        try:
            return keras.models.load_model(folder / name, safe_mode=True, compile=False)
        except Exception as exc:  # the file holds code, or a layer Keras does not know
            return _Unloadable(ErrorRecord.of(exc))
    if "$unsaved" in value:
        return _Unsaved(ErrorRecord.from_json(value["$unsaved"]))
    if "$layer" in value:
        try:
            return keras.saving.deserialize_keras_object(value["$layer"], safe_mode=True)
        except Exception:  # a layer Keras does not know: left out of the trace
            return None
    if "$repr" in value:
        return _Repr(str(value["$repr"]))
    return {k: _decode(v, folder, arrays) for k, v in value.items()}


class _Unloadable:
    def __init__(self, error):
        self.error = error


class _Unsaved(_Unloadable):
    pass


class _Repr:
    """Prints as the ``repr`` recorded where the object was (in a message's list)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text
