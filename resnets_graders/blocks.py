"""Graders for notebooks 02-04: the identity block, the convolutional block and ResNet-50.

Each grader builds a small model with the learner's function (``resnets_graders.evidence``
collects it, with the error it raised if any) and the same model with the reference in
``resnets_reference``, on the same fixed input, and compares them:

1. the learner's function runs (an exercise left as it is, or an exception, becomes one
   AssertionError that names the exercise);
2. every layer the reference names (``res1a_branch2b``, ``bn1a_branch1``, ``avg_pool``, ...)
   exists in the learner's model with the same type and settings: filters, kernel size,
   strides, padding, initializer, BatchNorm axis, pooling window;
3. the two graphs are walked together from the output back to the input, comparing the
   kind of each operation (convolution, BatchNorm, ReLU, addition, pooling, ...), so that a
   ReLU too many or too few, a missing BatchNorm or an addition in the wrong place is
   reported where it happens;
4. every layer's output shape and parameter count, and the outputs of the two models in
   inference and in training mode, agree.

The first difference found is reported in the learner's words: which layer, what was
expected, what was found.
"""

import re

import numpy as np

import resnets_reference
from resnets_graders import fixtures
from resnets_graders.evidence import collect_block, collect_resnet50, fresh_session
from resnets_graders.messages import GradingError, error_type, is_a, not_written

ALL_PASSED = "All tests passed."

# Settings compared for each kind of layer: (attribute, words used in a message).
_CONV_SETTINGS = (
    ("filters", "filters"),
    ("kernel_size", "kernel_size"),
    ("strides", "strides"),
    ("padding", "padding"),
)
_POOL_SETTINGS = (("pool_size", "pool_size"), ("strides", "strides"), ("padding", "padding"))
_ZERO_PAD_SETTINGS = (("padding", "padding"),)
_DENSE_SETTINGS = (("units", "units"),)

_ORDINALS = {"2a": "first", "2b": "second", "2c": "third"}


# ------------------------------------------------------------------------------ graders


def check_identity_block(identity_block):
    """Grade the learner's ``identity_block(X, f, filters, stage, block)``.

    Prints "All tests passed." or raises AssertionError saying what differs from the
    reference block.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    for case in fixtures.IDENTITY_BLOCK_CASES:
        judge_block(collect_block("identity_block", identity_block, case))
    print(ALL_PASSED)


def check_convolutional_block(convolutional_block):
    """Grade the learner's ``convolutional_block(X, f, filters, stage, block, s=2)``.

    Prints "All tests passed." or raises AssertionError saying what differs from the
    reference block.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    for case in fixtures.CONVOLUTIONAL_BLOCK_CASES:
        judge_block(collect_block("convolutional_block", convolutional_block, case))
    print(ALL_PASSED)


def check_resnet50(ResNet50):
    """Grade the learner's ``ResNet50(input_shape=(64, 64, 3), classes=6)``.

    Prints "All tests passed." or raises AssertionError saying what differs from the
    reference ResNet-50 (a stage, a block, a layer, the pooling, the parameter count).
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    judge_resnet50(collect_resnet50(ResNet50))
    print(ALL_PASSED)


# ---------------------------------------------------------------------------- judging


_REFERENCES = {
    "identity_block": lambda: resnets_reference.identity_block,
    "convolutional_block": lambda: resnets_reference.convolutional_block,
}


def judge_block(evidence):
    """Compare one case's evidence (``evidence.collect_block``) with the reference block.

    Returns None when they agree; raises GradingError naming the first difference.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    import keras

    name = evidence["exercise"]
    reference_function = _REFERENCES[name]()
    case = dict(evidence["case"])
    input_shape = tuple(case.pop("input_shape"))

    def build(fn):
        X_input = keras.Input(input_shape, name="X")
        return X_input, fn(X_input, **case)

    reference = _build_reference(lambda: keras.Model(*build(reference_function)))
    outcome, cause = evidence["outcome"], evidence.get("exception")
    if outcome == "error":
        _explain_error(name, evidence["error"], evidence["trace"], reference, cause)
    _check(outcome != "none", f"{name} returned None: end the function with `return X`.")
    _check(
        outcome != "not_tensor",
        f"{name} should return the block's output tensor X, but returned "
        f"{evidence.get('returned_type')}.",
    )
    if outcome == "model_error":  # e.g. two layers with the same name
        raise GradingError(
            f"Exercise {name}: the block's layers do not form a model: "
            f"{error_type(evidence['error'])}: {_first_line(evidence['error'])}"
        ) from cause
    _check_saved(name, evidence)
    _compare_models(
        name,
        evidence["model"],
        reference,
        check_outputs=True,
        call=f"{name}(X, " + ", ".join(f"{k}={v!r}" for k, v in case.items()) + ")",
    )


def judge_resnet50(evidence):
    """Compare the evidence of ``evidence.collect_resnet50`` with the reference ResNet-50.

    Returns None when they agree; raises GradingError naming the first difference.
    """
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    name = "ResNet50"
    reference = _build_reference(
        lambda: resnets_reference.ResNet50(input_shape=(64, 64, 3), classes=6), free_memory=True
    )
    outcome = evidence["outcome"]
    if outcome == "error":
        _explain_error(
            name, evidence["error"], evidence["trace"], reference, evidence.get("exception")
        )
    _check(
        outcome != "not_model",
        f"{name} should return a keras.Model, but returned "
        f"{evidence.get('returned_type')}. Did you forget `return model`?",
    )
    _check_saved(name, evidence)
    model = evidence["model"]
    _check_stages(name, model, reference)
    _compare_models(name, model, reference, check_outputs=True)


def _check_saved(name, evidence):
    """`make grade` only: the model could not go into, or come out of, a Keras file."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    outcome = evidence["outcome"]
    if outcome in ("unsaved", "unloadable"):
        verb = "saved to" if outcome == "unsaved" else "loaded back, with safe mode on, from"
        raise GradingError(
            f"Exercise {name}: the model it builds could not be {verb} a Keras file "
            f"({error_type(evidence['error'])}: {_first_line(evidence['error'])}). Build it "
            "from Keras layers and operations only, with no Lambda layer or layer class of "
            "your own."
        )
    _check(
        outcome == "model",
        f"Exercise {name}: grading found no model to compare (outcome {outcome!r}).",
    )


def _build_reference(build, free_memory=False):
    fresh_session(free_memory)
    return build()


# ---------------------------------------------------------------------- running the code


def _explain_error(name, error, trace, reference, cause=None):
    """Turn an exception from the learner's code (an ErrorRecord; ``cause`` the exception
    itself where it was raised in this process) into one GradingError."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    if is_a(error, NotImplementedError):
        raise GradingError(not_written(name)) from None
    if "KerasTensor cannot be used as input to a TensorFlow function" in str(error):
        raise GradingError(
            f"Exercise {name} calls a TensorFlow function (tf.nn.relu, tf.add, tf.concat, "
            "...) on a Keras tensor. A functional Keras model is built from Keras layers "
            "and operations only: use keras.layers (Activation('relu'), Add()) or keras.ops "
            "(keras.ops.relu, keras.ops.add), not tf.*."
        ) from None
    # The layers built before the error often show its cause (e.g. a 'valid' padding
    # that makes the addition's shapes differ): compare them with the reference first.
    reference_layers = _named_layers(reference)
    traced = {layer.name: layer for layer in trace}
    traced_blocks = {_block_of(n) for n in traced} - {None}
    for ref_name, ref_layer in reference_layers.items():
        block = _block_of(ref_name)
        if ref_name not in traced and block in traced_blocks:
            hint = ""
            if ref_name.startswith("res") and ref_name.endswith("_branch1"):
                hint = (
                    f" Block {block} should be a convolutional block, "
                    "convolutional_block(...), whose shortcut has a convolution."
                )
            raise GradingError(
                f"Exercise {name}: block {block} has no layer named '{ref_name}' "
                f"({_role(ref_name)}).{hint} The code then raised "
                f"{error_type(error)}: {_first_line(error)}"
            ) from None
    for ref_name, ref_layer in reference_layers.items():
        if ref_name in traced:
            problem = _compare_settings(ref_layer, traced[ref_name])
            if problem:
                raise GradingError(f"Exercise {name}: {problem}") from None
    raise GradingError(
        f"Exercise {name} raised {error_type(error)}: {_first_line(error)}"
    ) from cause


# ---------------------------------------------------------------------- model comparison


def _compare_models(name, model, reference, check_outputs, call=None):
    """Raise GradingError at the first difference between ``model`` and ``reference``: the
    named layers' settings, the graphs, the shapes and parameter counts, then (when
    ``check_outputs``) the outputs. Returns None when they agree."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    where = f"Exercise {name}" + (f" ({call})" if call else "")
    ref_named = _named_layers(reference)
    got_named = _named_layers(model)
    _check_named_settings(where, ref_named, got_named)
    _check_graphs(where, model, reference)
    _check_shapes_and_params(where, model, reference, ref_named, got_named)
    if check_outputs:
        _check_outputs(where, model, reference)


def _check_named_settings(where, ref_named, got_named):
    """1. Layers the reference names: raise GradingError at the first whose type or settings
    differ in the learner's model, in the reference's order."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    for ref_name, ref_layer in ref_named.items():
        layer = got_named.get(ref_name)
        if layer is not None:
            problem = _compare_settings(ref_layer, layer)
            if problem:
                raise GradingError(f"{where}: {problem}")


def _check_graphs(where, model, reference):
    """2. The graphs, walked together from the output: raise GradingError with the earliest
    difference (in the reference's order), or when layers are not connected to the output."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    problems = []
    _walk(
        reference.outputs[0], model.outputs[0], None, problems, set(), _operation_order(reference)
    )
    if problems:
        problems.sort(key=lambda p: p[0])
        raise GradingError(f"{where}: {problems[0][1]}")
    ref_ops = [op for op in reference.operations if _kind(op) != "Input"]
    got_ops = [op for op in model.operations if _kind(op) != "Input"]
    if len(ref_ops) != len(got_ops):
        raise GradingError(
            f"{where}: the model has {len(got_ops)} layers, expected {len(ref_ops)}; some "
            "layers are not connected to the output."
        )


def _check_shapes_and_params(where, model, reference, ref_named, got_named):
    """3. Raise GradingError at the first named layer whose output shape or parameter count
    differs, then when the model's output shape or parameter count does."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    for ref_name, ref_layer in ref_named.items():
        layer = got_named[ref_name]
        ref_shape, shape = tuple(ref_layer.output.shape), tuple(layer.output.shape)
        if ref_shape != shape:
            raise GradingError(
                f"{where}: {_role(ref_name)}, {ref_name}, should output shape {ref_shape}, "
                f"not {shape}."
            )
        if ref_layer.count_params() != layer.count_params():
            raise GradingError(
                f"{where}: {_role(ref_name)}, {ref_name}, should have "
                f"{ref_layer.count_params():,} parameters, not {layer.count_params():,}."
            )
    ref_shape, shape = tuple(reference.outputs[0].shape), tuple(model.outputs[0].shape)
    if ref_shape != shape:
        raise GradingError(f"{where}: the output should have shape {ref_shape}, not {shape}.")
    if reference.count_params() != model.count_params():
        raise GradingError(
            f"{where}: the model has {model.count_params():,} parameters, expected "
            f"{reference.count_params():,}."
        )


def _check_outputs(where, model, reference):
    """4. Outputs on the same input, inference mode then training mode: raise GradingError
    when they differ from the reference's."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    rng = np.random.default_rng(1)
    batch = 2 if len(reference.inputs[0].shape) and reference.count_params() > 1e6 else 3
    x = rng.standard_normal((batch, *reference.inputs[0].shape[1:])).astype("float32")
    for training in (False, True):
        expected = np.asarray(reference(x, training=training))
        got = np.asarray(model(x, training=training))
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            mode = "training" if training else "inference"
            raise GradingError(
                f"{where}: the layers are right, but the output in {mode} mode "
                f"differs from the reference's (largest difference "
                f"{np.max(np.abs(got - expected)):.3g}). Check which tensor each "
                "layer is applied to and what the addition adds."
            )


def _check_stages(name, model, reference):
    """ResNet-50: compare the blocks of each stage, before the layer by layer comparison."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames

    def blocks(m):
        stages = {}
        for layer in m.layers:
            match = re.fullmatch(r"res(\d+)([a-z]+)_branch2a", layer.name)
            if match:
                stages.setdefault(int(match.group(1)), []).append(match.group(2))
        return stages

    ref_blocks, got_blocks = blocks(reference), blocks(model)
    for stage, ref_letters in ref_blocks.items():
        letters = got_blocks.get(stage, [])
        if letters != ref_letters:
            raise GradingError(
                f"Exercise {name}: stage {stage} should have {len(ref_letters)} blocks, "
                f"a convolutional block '{ref_letters[0]}' then "
                f"{len(ref_letters) - 1} identity blocks "
                f"'{ref_letters[1]}' to '{ref_letters[-1]}'; yours has {len(letters)}"
                + (f" ({', '.join(repr(x) for x in letters)})" if letters else "")
                + "."
            )
        got_names = {layer.name for layer in model.layers}
        for letter in ref_letters:
            ref_has = f"res{stage}{letter}_branch1" in {layer.name for layer in reference.layers}
            got_has = f"res{stage}{letter}_branch1" in got_names
            if ref_has and not got_has:
                raise GradingError(
                    f"Exercise {name}: block {stage}{letter} should be a convolutional "
                    f"block (convolutional_block(..., stage={stage}, block='{letter}', "
                    "...)), not an identity block."
                )
            if got_has and not ref_has:
                raise GradingError(
                    f"Exercise {name}: block {stage}{letter} should be an identity block "
                    f"(identity_block(..., stage={stage}, block='{letter}')), not a "
                    "convolutional block."
                )


# ----------------------------------------------------------------------- layer settings


def _compare_settings(ref_layer, layer):
    """Return a message when ``layer`` differs from ``ref_layer`` (same name), else None."""
    import keras

    name = ref_layer.name
    if _is_named(ref_layer):
        role = _role(name)
    else:
        role, name = f"the {type(ref_layer).__name__} layer", layer.name
    if type(layer) is not type(ref_layer):
        return (
            f"{role}, {name}, should be {_article(type(ref_layer).__name__)} layer, "
            f"not {type(layer).__name__}."
        )
    if isinstance(ref_layer, keras.layers.Conv2D):
        settings = _CONV_SETTINGS
    elif isinstance(ref_layer, (keras.layers.AveragePooling2D, keras.layers.MaxPooling2D)):
        settings = _POOL_SETTINGS
    elif isinstance(ref_layer, keras.layers.ZeroPadding2D):
        settings = _ZERO_PAD_SETTINGS
    elif isinstance(ref_layer, keras.layers.Dense):
        settings = _DENSE_SETTINGS
    else:
        settings = ()
    for attribute, words in settings:
        expected, got = _norm(getattr(ref_layer, attribute)), _norm(getattr(layer, attribute))
        if expected != got:
            return f"{role}, {name}, should use {words} {expected!r}, not {got!r}."
    if isinstance(ref_layer, keras.layers.BatchNormalization):
        rank = len(ref_layer.output.shape) if _has_output(ref_layer) else 4
        expected, got = ref_layer.axis % rank, layer.axis % rank
        if expected != got:
            return (
                f"{role}, {name}, should normalise the channels axis, axis={expected}, "
                f"not axis={got}."
            )
    if isinstance(ref_layer, keras.layers.Dense):
        expected = ref_layer.activation.__name__
        got = getattr(layer.activation, "__name__", str(layer.activation))
        if expected != got:
            return f"{role}, {name}, should use the activation '{expected}', not '{got}'."
    if hasattr(ref_layer, "kernel_initializer"):
        problem = _compare_initializers(ref_layer.kernel_initializer, layer.kernel_initializer)
        if problem:
            return (
                f"{role}, {name}, should use kernel_initializer=glorot_uniform(seed=0) "
                f"(as the given code does), not {problem}."
            )
    return None


def _compare_initializers(expected, got):
    if type(expected) is not type(got) or expected.get_config() != got.get_config():
        config = {k: v for k, v in got.get_config().items() if v is not None}
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(got).__name__}({args})"
    return None


def _norm(value):
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _has_output(layer):
    try:
        layer.output
    except (AttributeError, ValueError):
        return False
    return True


# ------------------------------------------------------------------------- graph walking


def _kind(op):
    """The kind of an operation, as compared along the graph."""
    import keras

    cls = type(op).__name__
    if isinstance(op, keras.layers.InputLayer):
        return "Input"
    if isinstance(op, keras.layers.Activation):
        activation = getattr(op.activation, "__name__", str(op.activation))
        return "ReLU" if activation == "relu" else f"Activation('{activation}')"
    if cls in ("ReLU", "Relu"):  # keras.layers.ReLU, keras.activations.relu, ops.relu
        return "ReLU"
    if cls == "Add":  # the Add layer, or `+` / keras.ops.add
        return "Add"
    return cls


def _producer(tensor):
    op, node_index, _ = tensor._keras_history
    return op, op._inbound_nodes[node_index]


def _operation_order(model):
    return {id(op): i for i, op in enumerate(model.operations)}


def _walk(ref_tensor, got_tensor, ref_consumer, problems, seen, order):
    """Compare the operations producing ``ref_tensor`` and ``got_tensor``, then their inputs.

    Appends (position, message) to ``problems`` at the first difference on each path.
    """
    ref_op, ref_node = _producer(ref_tensor)
    got_op, got_node = _producer(got_tensor)
    key = (id(ref_op), id(got_op))
    if key in seen:
        return
    seen.add(key)
    position = order.get(id(ref_op), 0)
    ref_kind, got_kind = _kind(ref_op), _kind(got_op)
    ref_inputs = list(ref_node.input_tensors)
    got_inputs = list(got_node.input_tensors)

    if ref_kind != got_kind:
        problems.append(
            (position, _kind_mismatch(ref_op, ref_node, got_op, got_node, ref_consumer))
        )
        return
    if ref_kind == "Input":
        return
    problem = _same_kind_problem(ref_op, got_op, ref_inputs, got_inputs)
    if not problem and ref_kind == "Add" and len(ref_inputs) == 2:
        got_inputs = _paired_add_terms(ref_inputs, got_inputs)
        problem = _self_addition_problem(ref_inputs, got_inputs)
    if problem:
        problems.append((position, problem))
        return
    for ref_input, got_input in zip(ref_inputs, got_inputs):
        _walk(ref_input, got_input, ref_op, problems, seen, order)


def _same_kind_problem(ref_op, got_op, ref_inputs, got_inputs):
    """The message for two operations of the same kind that differ (the name, an unnamed
    pooling's or padding's settings, the number of inputs), in that order; else None."""
    if _is_named(ref_op) and ref_op.name != got_op.name:
        return f"{_role(ref_op.name)} should be named '{ref_op.name}', not '{got_op.name}'."
    padding_or_pooling = _kind(ref_op) in ("ZeroPadding2D", "MaxPooling2D", "AveragePooling2D")
    if padding_or_pooling and not _is_named(ref_op):
        problem = _compare_settings(ref_op, got_op)
        if problem:
            return problem
    if len(ref_inputs) != len(got_inputs):
        return f"{_describe(ref_op)} should take {len(ref_inputs)} input(s), not {len(got_inputs)}."
    return None


def _paired_add_terms(ref_inputs, got_inputs):
    """The two terms of the learner's addition in the order of the reference's: the order of
    the terms does not matter, so they are paired by what produces them."""

    def signature(t):
        op = _producer(t)[0]
        return (_kind(op), op.name if _is_named(op) else "")

    if signature(got_inputs[0]) != signature(ref_inputs[0]) and signature(
        got_inputs[1]
    ) == signature(ref_inputs[0]):
        return got_inputs[::-1]
    if signature(got_inputs[1]) == signature(ref_inputs[1]) or signature(
        got_inputs[0]
    ) == signature(ref_inputs[0]):
        return got_inputs
    if _kind(_producer(got_inputs[0])[0]) == "Input" or signature(got_inputs[0]) == signature(
        ref_inputs[1]
    ):
        return got_inputs[::-1]
    return got_inputs


def _self_addition_problem(ref_inputs, got_inputs):
    """The message for an addition of a tensor to itself, where the reference adds two
    different ones; else None."""
    ref_input_ops = {id(_producer(t)[0]) for t in ref_inputs}
    got_input_ops = {id(_producer(t)[0]) for t in got_inputs}
    if len(got_input_ops) < len(ref_input_ops):
        return (
            "the addition adds a tensor to itself: it should add the "
            "shortcut X_shortcut to the main path X, Add()([X, X_shortcut])."
        )
    return None


def _kind_mismatch(ref_op, ref_node, got_op, got_node, ref_consumer):
    """The message for a place where the reference has ``ref_op`` and the learner ``got_op``."""
    ref_kind, got_kind = _kind(ref_op), _kind(got_op)
    after = _describe_input(ref_node)
    before = _describe(ref_consumer) if ref_consumer is not None else "the output"
    if ref_kind == "ReLU":
        if ref_consumer is None:
            return (
                f"a ReLU is missing at the end: the output should be the ReLU of "
                f"{after}, Activation('relu')(X); yours ends with "
                f"{_describe(got_op)}."
            )
        return (
            f"a ReLU is missing between {after} and {before}: apply "
            f"Activation('relu') to the output of {after}."
        )
    if got_kind == "ReLU":
        got_input = _describe_input(got_node)
        if (
            ref_kind == "BatchNormalization"
            and ref_consumer is not None
            and _kind(ref_consumer) == "Add"
        ):
            path = (
                "the shortcut path"
                if ref_op.name.endswith("_branch1")
                else "the third component of the main path"
            )
            return (
                f"there should be no ReLU between {_describe(ref_op)} and the addition: "
                f"{path} ends with its BatchNorm; the ReLU comes after the shortcut "
                "is added."
            )
        return (
            f"there is a ReLU too many between {got_input} and {before}: "
            f"{before} should take {_describe(ref_op)} directly."
        )
    if ref_kind == "Add" or got_kind == "Add":
        if ref_kind == "Add":
            return (
                f"the addition is in the wrong place: {before} should take "
                f"Add()([X, X_shortcut]), the sum of the main path's last BatchNorm "
                f"and the shortcut, but it takes {_describe(got_op)}."
            )
        return (
            f"the addition is in the wrong place: {before} should take "
            f"{_describe(ref_op)}, but it takes an addition. The shortcut is added "
            "after the main path's last BatchNorm, right before the final ReLU."
        )
    if ref_kind == "BatchNormalization":
        return (
            f"{_describe(ref_op)} is missing: {before} should take the BatchNorm of "
            f"{after}, BatchNormalization(axis=3, name=...), but it takes "
            f"{_describe(got_op)}."
        )
    return f"{before} should take {_describe(ref_op)}, but it takes {_describe(got_op)}."


def _describe_input(node):
    inputs = list(node.input_tensors)
    if not inputs:
        return "the input"
    return " and ".join(_describe(_producer(t)[0]) for t in inputs)


def _describe(op):
    kind = _kind(op)
    if kind == "Input":
        return "the input X"
    if kind == "Add":
        return "the addition"
    if kind == "ReLU":
        return "a ReLU"
    if _is_named(op):
        return f"{_role(op.name)} '{op.name}'"
    return f"{_article(kind)} layer"


def _is_named(op):
    """Layers whose name the original assignment fixes (convolutions, BatchNorms, pooling, dense)."""
    return _SEED_NAME.fullmatch(op.name) is not None


_SEED_NAME = re.compile(r"(res|bn)\d+[a-z]+_branch(1|2a|2b|2c)|conv1|bn_conv1|avg_pool|fc\d+")


def _named_layers(model):
    return {layer.name: layer for layer in model.layers if _is_named(layer)}


def _role(name):
    """Say in words what the layer called ``name`` is, e.g. 'the second convolution of the
    main path'."""
    match = re.fullmatch(r"(res|bn)(\d+)([a-z]+)_branch(1|2a|2b|2c)", name)
    if match:
        kind = "convolution" if match.group(1) == "res" else "BatchNorm"
        branch = match.group(4)
        if branch == "1":
            return f"the shortcut's {kind}"
        return f"the {_ORDINALS[branch]} {kind} of the main path"
    return {
        "conv1": "the stage 1 convolution",
        "bn_conv1": "the stage 1 BatchNorm",
        "avg_pool": "the average pooling",
    }.get(name, "the output layer" if re.fullmatch(r"fc\d+", name) else f"layer '{name}'")


def _block_of(name):
    """'res3a_branch2b' -> '3a'; None for layers outside the blocks."""
    match = re.fullmatch(r"(?:res|bn)(\d+[a-z]+)_branch(?:1|2a|2b|2c)", name)
    return match.group(1) if match else None


def _article(word):
    return ("an " if word[:1].upper() in "AEIOU" else "a ") + word


# -------------------------------------------------------------------------------- helpers


def _check(condition, message):
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    if not condition:
        raise GradingError(message)


def _type_name(value):
    return "None" if value is None else type(value).__name__


def _first_line(exc):
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."
