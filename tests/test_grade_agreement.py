"""The check cell and `make grade` agree: on every right answer and every mistake the
graders' tests hold (tests/test_graders_*.py), the message of the check cell (``check_*``,
in the learner's process) equals the message `make grade` gives, from the evidence saved
to files by the kernel's code and judged after loading it back (``safe_mode=True``)."""

import pytest

import test_graders_blocks as blocks
import test_graders_gradients as gradients
import test_graders_lesion as lesion
import resnets_reference
from resnets_graders import evidence, judge
from resnets_graders.blocks import check_convolutional_block, check_identity_block, check_resnet50
from resnets_graders.gradients import check_layer_gradient_norms
from resnets_graders.lesion import check_remove_residual_branch
from resnets_reference import layer_gradient_norms, remove_residual_branch


def _params(test, index=0):
    """The values a parametrized test of the graders runs with."""
    marks = [m for m in test.pytestmark if m.name == "parametrize"]
    return [value[index] if isinstance(value, tuple) else value for value in marks[0].args[1]]


def _cases():
    cases = [
        ("identity_block", "reference", resnets_reference.identity_block),
        ("identity_block", "ops.relu and +", blocks.make_identity_block(ops_relu=True)),
        ("identity_block", "not written", blocks.not_written),
        ("convolutional_block", "reference", resnets_reference.convolutional_block),
        ("convolutional_block", "shortcut first", blocks.make_convolutional_block()),
        ("convolutional_block", "not written", blocks.not_written),
        ("layer_gradient_norms", "reference", layer_gradient_norms),
        ("remove_residual_branch", "reference", remove_residual_branch),
    ]
    for mistake in _params(blocks.test_identity_block_mistakes) + _params(
        blocks.test_identity_block_with_tensorflow_functions_says_use_keras_layers
    ):
        cases.append(("identity_block", repr(mistake), blocks.make_identity_block(**mistake)))
    for mistake in _params(blocks.test_convolutional_block_mistakes):
        cases.append(
            ("convolutional_block", repr(mistake), blocks.make_convolutional_block(**mistake))
        )
    for number, (mistaken, message) in enumerate(gradients.MISTAKES):
        cases.append(("layer_gradient_norms", message, mistaken))
    for name, (function, _) in lesion.MISTAKES.items():
        cases.append(("remove_residual_branch", name, function))
    cases.append(
        ("remove_residual_branch", "not written", lesion.make_remove(raise_not_implemented=True))
    )
    return cases


def _resnet50_cases():
    cases = [
        ("ResNet50", "reference", resnets_reference.ResNet50),
        ("ResNet50", "not written", blocks.not_written),
    ]
    for mistake in _params(blocks.test_resnet50_mistakes):
        cases.append(("ResNet50", repr(mistake), blocks.make_resnet50(**mistake)))
    return cases


CHECKS = {
    "identity_block": check_identity_block,
    "convolutional_block": check_convolutional_block,
    "ResNet50": check_resnet50,
    "layer_gradient_norms": check_layer_gradient_norms,
    "remove_residual_branch": check_remove_residual_branch,
}


def _live(exercise, function, capsys):
    try:
        CHECKS[exercise](function)
    except AssertionError as verdict:
        return False, str(verdict)
    assert capsys.readouterr().out.strip() == "All tests passed."
    return True, "All tests passed."


def _filed(exercise, function, folder):
    evidence.save(folder, {exercise: evidence.collect(exercise, function)})
    return judge.judge(exercise, judge.load_evidence(folder)[exercise])


@pytest.mark.parametrize(
    "exercise, name, function", _cases(), ids=[f"{e}-{n}" for e, n, _ in _cases()]
)
def test_the_check_cell_and_make_grade_agree(exercise, name, function, tmp_path, capsys):
    assert _filed(exercise, function, tmp_path) == _live(exercise, function, capsys)


@pytest.mark.parametrize(
    "exercise, name, function", _resnet50_cases(), ids=[f"{e}-{n}" for e, n, _ in _resnet50_cases()]
)
def test_the_check_cell_and_make_grade_agree_on_resnet50(exercise, name, function, tmp_path):
    """ResNet-50 is built once per case (check_resnet50 is judge_resnet50 of the same
    evidence, judged here in memory), then saved and loaded back."""
    cases = evidence.collect(exercise, function)
    evidence.save(tmp_path, {exercise: cases})  # first: judging in training mode moves
    live = judge.judge(exercise, cases)  # the BatchNorms' moving averages
    assert judge.judge(exercise, judge.load_evidence(tmp_path)[exercise]) == live
    assert live[0] == (name == "reference")


def test_evidence_that_lacks_a_case_fails():
    """A forged evidence file with fewer cases than the grader asks for is not a pass."""
    cases = evidence.collect("identity_block", resnets_reference.identity_block)
    assert judge.judge("identity_block", cases) == (True, "All tests passed.")
    passed, message = judge.judge("identity_block", cases[:1])
    assert not passed and "not what the grader asked for" in message
    passed, message = judge.judge("identity_block", [])
    assert not passed
