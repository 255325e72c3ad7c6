"""Notebook 05's grader accepts the reference ``remove_residual_branch`` and rejects each
common mistake with its own message.

Every mistaken implementation below is the reference with one mistake; the test requires
the grader to fail with the message that names it.
"""

import re

import numpy as np
import pytest

from resnets_graders.lesion import check_remove_residual_branch
from resnets_reference import remove_residual_branch


def make_remove(
    layer="bn{stage}{block}_branch2c",
    zero=("gamma", "beta"),
    returns="before",
    hard_coded=None,
    raise_not_implemented=False,
    two_arrays=False,
):
    """The reference, with one change given by the keyword arguments."""

    def mistaken(model, stage, block):
        if raise_not_implemented:
            raise NotImplementedError()
        name = hard_coded or layer.format(stage=stage, block=block)
        target = model.get_layer(name)
        saved = target.get_weights()
        new = [
            np.zeros_like(w) if role in zero else w
            for role, w in zip(("gamma", "beta", "mean", "variance", "bias"), saved)
        ]
        if name.startswith("res"):  # a convolution: kernel and bias
            new = [np.zeros_like(w) for w in saved]
        target.set_weights(new[:2] if two_arrays else new)
        if returns == "before":
            return saved
        if returns == "after":
            return target.get_weights()
        return None

    return mistaken


MISTAKES = {
    "only gamma": (make_remove(zero=("gamma",)), r"beta of 'bn2b_branch2c' is still .* Set beta"),
    "only beta": (make_remove(zero=("beta",)), r"beta of 'bn2b_branch2c' is zero but gamma is not"),
    "moving statistics too": (
        make_remove(zero=("gamma", "beta", "mean", "variance")),
        r"moving mean or moving variance .* changed",
    ),
    "first batch norm of the branch": (
        make_remove(layer="bn{stage}{block}_branch2a"),
        r"'bn2b_branch2c' still has its weights\. It changed \['bn2b_branch2a'\]",
    ),
    "the branch's last convolution": (
        make_remove(layer="res{stage}{block}_branch2c"),
        r"changed the convolution 'res2b_branch2c' instead",
    ),
    "block hard-coded": (
        make_remove(hard_coded="bn2b_branch2c"),
        r"'bn2c_branch2c' still has its weights\. It changed \['bn2b_branch2c'\]",
    ),
    "stage hard-coded": (
        make_remove(layer="bn2{block}_branch2c"),
        r"'bn3b_branch2c' still has its weights\. It changed \['bn2b_branch2c'\]",
    ),
    "only gamma and beta given to set_weights": (
        make_remove(two_arrays=True),
        r"raised ValueError: .*set_weights: it takes all four arrays",
    ),
    "returns the new weights": (
        make_remove(returns="after"),
        r"returned the weights after the change",
    ),
    "returns nothing": (make_remove(returns=None), r"returned None"),
    "wrong layer name": (
        make_remove(layer="bn{stage}_{block}_branch2c"),
        r"model\.get_layer raised 'No such layer: bn2_b_branch2c'\. The branch's last batch "
        r"normalization is named .* 'bn2b_branch2c': build the name",
    ),
    "shortcut's batch norm": (
        make_remove(layer="bn{stage}{block}_branch1"),
        r"Identity blocks have no layer on their shortcut",
    ),
}


def test_reference_passes(capsys):
    check_remove_residual_branch(remove_residual_branch)
    assert capsys.readouterr().out.strip() == "All tests passed."


def test_not_written_says_so():
    with pytest.raises(AssertionError, match="remove_residual_branch is not written yet"):
        check_remove_residual_branch(make_remove(raise_not_implemented=True))


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_gets_its_own_message(name):
    function, pattern = MISTAKES[name]
    with pytest.raises(AssertionError) as info:
        check_remove_residual_branch(function)
    assert re.search(pattern, str(info.value)), str(info.value)


def test_messages_differ_between_mistakes():
    messages = set()
    for name, (function, _) in MISTAKES.items():
        with pytest.raises(AssertionError) as info:
            check_remove_residual_branch(function)
        messages.add(str(info.value))
    assert len(messages) == len(MISTAKES)
