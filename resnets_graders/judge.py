"""The verdict of ``make grade``: evidence from a learner's kernel, judged by the graders.

This runs in the grading process, which never runs a learner's code: it reads what the
kernel handed back (resnets_graders/evidence.py, Keras files loaded with
``safe_mode=True``) and calls the same ``judge_*`` functions as the check cell of the
notebook, so that both give the same message. Evidence that does not hold exactly the
cases the grader asks for (as a forged file might) fails.
"""

from resnets_graders import evidence as evidence_module
from resnets_graders import fixtures
from resnets_graders.messages import GradingError

ALL_PASSED = "All tests passed."


def load_evidence(folder):
    """{exercise: [cases]} read from ``folder``; raises ValueError when unreadable."""
    return evidence_module.load(folder)


def _judges():
    from resnets_graders.blocks import judge_block, judge_resnet50
    from resnets_graders.gradients import judge_norms
    from resnets_graders.lesion import judge_lesion

    return {
        "identity_block": judge_block,
        "convolutional_block": judge_block,
        "ResNet50": judge_resnet50,
        "layer_gradient_norms": judge_norms,
        "remove_residual_branch": judge_lesion,
    }


def expected_cases(exercise):
    """What identifies each case the grader of ``exercise`` asks for, in order."""
    if exercise == "identity_block":
        return [_case_key(dict(c)) for c in fixtures.IDENTITY_BLOCK_CASES]
    if exercise == "convolutional_block":
        return [_case_key(dict(c)) for c in fixtures.CONVOLUTIONAL_BLOCK_CASES]
    if exercise == "ResNet50":
        return ["ResNet50"]
    if exercise == "layer_gradient_norms":
        return [True, False]
    if exercise == "remove_residual_branch":
        return [list(b) for b in fixtures.LESION_BLOCKS]
    raise ValueError(f"no grader for {exercise!r}")


def _case_key(case):
    case = {k: (list(v) if isinstance(v, tuple) else v) for k, v in case.items()}
    return sorted(case.items())


def _key_of(exercise, case):
    if exercise in ("identity_block", "convolutional_block"):
        return _case_key(case.get("case") or {})
    if exercise == "ResNet50":
        return case.get("exercise")
    if exercise == "layer_gradient_norms":
        return case.get("training")
    return [case.get("stage"), case.get("block")]


def judge(exercise, cases):
    """(passed, message) for the evidence ``cases`` of ``exercise``.

    The message is "All tests passed." or the grader's one-line message. Never raises:
    evidence the graders cannot read is a failure that says so.
    """
    try:
        if (
            not isinstance(cases, list)
            or [_key_of(exercise, c) for c in cases] != expected_cases(exercise)
            or any(c.get("exercise") != exercise for c in cases)
        ):
            return False, (
                f"Exercise {exercise}: not graded: what the kernel handed back "
                "is not what the grader asked for."
            )
        grader = _judges()[exercise]
        for case in cases:
            grader(case)
    except GradingError as verdict:
        return False, str(verdict)
    except (AssertionError, Exception) as exc:  # evidence a grader could not read
        message = str(exc).splitlines()[0][:300] if str(exc).strip() else ""
        return False, (
            f"Exercise {exercise}: grading could not read what your function "
            f"built ({type(exc).__name__}: {message})."
        )
    return True, ALL_PASSED


def live_and_filed(exercise, function, folder):
    """Judge ``function`` twice, as the check cell does (in this process, in memory) and as
    ``make grade`` does (evidence saved to ``folder`` and loaded back): the two messages.

    The tests use it to show that the two verdicts agree.
    """
    cases = evidence_module.collect(exercise, function)
    live = judge(exercise, cases)
    evidence_module.save(folder, {exercise: cases})
    filed = judge(exercise, load_evidence(folder)[exercise])
    return live, filed
