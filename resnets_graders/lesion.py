"""The grader of notebook 05's exercise, ``remove_residual_branch``.

The reference is ``resnets_reference.remove_residual_branch``.
``check_remove_residual_branch`` runs the learner's function on a small network of the
course's blocks with BatchNorm weights that are all different from 0 and 1, then looks at
what changed: which layer, which of its four weight arrays, what was returned, and what the
block computes afterwards. Each usual mistake gets its own message.
"""

import numpy as np

import resnets_reference
from resnets_graders import fixtures
from resnets_graders.evidence import collect_lesion
from resnets_graders.messages import GradingError, is_a, not_written, raised

EXERCISE = "remove_residual_branch"


_grader_model = fixtures.lesion_model  # the grader's fixed network and input
_grader_input = fixtures.lesion_input
_weights = fixtures.layer_weights


def _fmt(values):
    return "[" + ", ".join(f"{v:.3f}" for v in values[:3]) + (", ...]" if len(values) > 3 else "]")


def _explain_error(error, cause, stage, block):
    """The GradingError for an exception the learner's function raised."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    if is_a(error, NotImplementedError):
        raise GradingError(not_written(EXERCISE)) from cause
    if is_a(error, ValueError):
        first = str(error).split(". Existing layers")[0]
        if not first.startswith("No such layer"):
            raise GradingError(
                raised(
                    EXERCISE,
                    error,
                    f"remove_residual_branch(model, {stage}, {block!r}). "
                    "If it came from set_weights: it takes all four arrays, "
                    "[gamma, beta, moving_mean, moving_variance], in that order and with their "
                    "shapes",
                )
            ) from cause
        if "branch1" in first:
            raise GradingError(
                f"Exercise {EXERCISE}: model.get_layer raised '{first}'. Identity blocks have no layer "
                "on their shortcut, and the shortcut must stay anyway: silence the branch, "
                f"whose last layer is 'bn{stage}{block}_branch2c'."
            ) from cause
        raise GradingError(
            f"Exercise {EXERCISE}: model.get_layer raised '{first}'. The branch's last "
            f"batch normalization is named bn{{stage}}{{block}}_branch2c, for stage "
            f"{stage}, block {block!r} that is 'bn{stage}{block}_branch2c': build the "
            "name from the arguments with an f-string."
        ) from cause
    raise GradingError(
        raised(
            EXERCISE,
            error,
            f"remove_residual_branch(model, {stage}, {block!r}) on a small "
            "network of the course's blocks",
        )
    ) from cause


def judge_lesion(evidence):
    """Compare the evidence of ``evidence.collect_lesion`` (one block) with what the
    reference does. Returns None when right; raises GradingError naming the mistake."""
    __tracebackhide__ = True  # learners see the message, not the grader's frames
    stage, block = evidence["stage"], evidence["block"]
    if evidence["outcome"] == "error":
        _explain_error(evidence["error"], evidence.get("exception"), stage, block)
    before = _weights(_grader_model())
    target = f"bn{stage}{block}_branch2c"
    call = f"remove_residual_branch(model, {stage}, {block!r})"
    after = evidence["after"]
    saved = evidence["saved"]

    changed = [
        name
        for name in before
        if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))
    ]
    others = [name for name in changed if name != target]
    _check_target_changed(changed, others, target, call, stage, block)
    _check_nothing_else_changed(others, target, call)
    _check_gamma_and_beta_zeroed(after[target], before[target], target)

    # What was returned: the weights before the change, to put them back.
    _check_returned_weights(saved, before[target], after[target], target)

    # What the network computes: the branch adds nothing any more.
    _check_output_without_branch(after, stage, block, call)


def _check_target_changed(changed, others, target, call, stage, block):
    """Raise GradingError when the branch's last batch normalization ``target`` kept its
    weights, saying what changed instead (the shortcut's, the convolution's, others)."""
    __tracebackhide__ = True
    if target not in changed:
        hint = f" It changed {others} instead." if others else " Nothing changed."
        if f"bn{stage}{block}_branch1" in others:
            hint = (
                f" It changed 'bn{stage}{block}_branch1' instead: that is the shortcut's batch "
                "normalization, and the shortcut must stay."
            )
        if f"res{stage}{block}_branch2c" in others:
            hint = (
                f" It changed the convolution 'res{stage}{block}_branch2c' instead; after it, "
                f"'{target}' would still add its beta to every position."
            )
        raise GradingError(
            f"Exercise {EXERCISE}: after {call} the layer '{target}' still has its weights."
            f"{hint} The branch ends with the batch normalization '{target}'; set its gamma "
            "and beta to zero."
        )


def _check_nothing_else_changed(others, target, call):
    """Raise GradingError when layers other than ``target`` (listed in ``others``) changed."""
    __tracebackhide__ = True
    if others:
        what = []
        for name in others:
            if name.startswith("res") and name.endswith("branch2c"):
                what.append(f"'{name}' (its kernel: the branch would still add beta)")
            elif name.endswith("branch1"):
                what.append(f"'{name}' (that is the shortcut, which must stay)")
            else:
                what.append(f"'{name}'")
        raise GradingError(
            f"Exercise {EXERCISE}: {call} also changed {', '.join(what)}. Change only "
            f"'{target}', the last layer of the branch."
        )


def _check_gamma_and_beta_zeroed(new_weights, old_weights, target):
    """Raise GradingError unless ``target``'s gamma and beta are now zero and its moving
    mean and variance are as they were (``new_weights``, ``old_weights``: its four arrays)."""
    __tracebackhide__ = True
    gamma, beta, mean, variance = new_weights
    old_gamma, old_beta, old_mean, old_variance = old_weights
    if not np.array_equal(mean, old_mean) or not np.array_equal(variance, old_variance):
        raise GradingError(
            f"Exercise {EXERCISE}: the moving mean or moving variance of '{target}' changed. "
            "Keep them (the third and fourth arrays of get_weights()); only gamma and beta "
            "become zero. A zero variance would divide by almost nothing."
        )
    if np.any(gamma != 0) and np.all(beta == 0):
        raise GradingError(
            f"Exercise {EXERCISE}: beta of '{target}' is zero but gamma is not, so the branch "
            "still adds gamma * x_hat. Set both gamma and beta to zero."
        )
    if np.any(beta != 0):
        raise GradingError(
            f"Exercise {EXERCISE}: beta of '{target}' is still {_fmt(beta)} (not zero), so the branch still adds a constant to every position. Set beta to "
            "zero as well as gamma."
        )
    if np.any(gamma != 0):
        raise GradingError(
            f"Exercise {EXERCISE}: gamma of '{target}' should be all zeros, got {_fmt(gamma)}."
        )


def _check_returned_weights(saved, old_weights, new_weights, target):
    """Raise GradingError unless what the function returned (the ``saved`` record) is the
    list of ``target``'s four arrays from before the change (``old_weights``)."""
    __tracebackhide__ = True
    if saved["kind"] == "none":
        raise GradingError(
            f"Exercise {EXERCISE}: returned None. Return the layer's weights from before the "
            "change (saved = layer.get_weights(), before set_weights), so that the lesion "
            "study can put the branch back."
        )
    if saved["kind"] != "arrays":
        raise GradingError(
            f"Exercise {EXERCISE}: should return a list of 4 arrays, got {saved['type']}."
        )
    saved = list(saved["arrays"])
    if len(saved) != 4 or any(s.shape != b.shape for s, b in zip(saved, old_weights)):
        raise GradingError(
            f"Exercise {EXERCISE}: should return the 4 arrays [gamma, beta, moving_mean, "
            f"moving_variance] of '{target}', as get_weights() gives them, with shapes "
            f"{[b.shape for b in old_weights]}; got {len(saved)} item(s) of shapes "
            f"{[s.shape for s in saved]}."
        )
    if all(np.array_equal(s, a) for s, a in zip(saved, new_weights)):
        raise GradingError(
            f"Exercise {EXERCISE}: returned the weights after the change (gamma and beta are "
            "zero in them). Call get_weights() before set_weights and return that list."
        )
    if not all(np.array_equal(s, b) for s, b in zip(saved, old_weights)):
        raise GradingError(
            f"Exercise {EXERCISE}: the list returned differs from the layer's weights before "
            "the change; return exactly what get_weights() gave."
        )


def _check_output_without_branch(after, stage, block, call):
    """Raise GradingError unless the grader's network with the weights ``after`` computes
    what the reference's lesioned network does."""
    __tracebackhide__ = True
    model = _grader_model()
    for name, weights in after.items():
        model.get_layer(name).set_weights(weights)
    reference = _grader_model()
    resnets_reference.remove_residual_branch(reference, stage, block)
    X = _grader_input()
    got = np.asarray(model(X, training=False))
    expected = np.asarray(reference(X, training=False))
    if not np.allclose(got, expected, atol=1e-5):
        raise GradingError(
            f"Exercise {EXERCISE}: after {call} the network's output differs from that of "
            "the same network without the branch."
        )


def check_remove_residual_branch(remove_residual_branch):
    """Grade the learner's ``remove_residual_branch``; print "All tests passed." when right.

    Calls it on a small network of the course's blocks (stages 2 and 3) for identity blocks
    (2, "b"), (2, "c"), (3, "b") and convolutional blocks (2, "a"), (3, "a"), each time on a
    fresh copy, and
    checks which weights changed, what was returned and what the network computes.
    Raises AssertionError naming the mistake.
    """
    __tracebackhide__ = True
    for stage, block in fixtures.LESION_BLOCKS:
        judge_lesion(collect_lesion(remove_residual_branch, stage, block))
    print("All tests passed.")
