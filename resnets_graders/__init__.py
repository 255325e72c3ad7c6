"""Graders for the course's exercises, run by the locked check cell after each exercise.

Each ``check_*`` function takes the learner's function, prints one line such as
"All tests passed." when it is right, and raises AssertionError with a message that names
the exercise, the layer and what was expected when it is not.
"""

from resnets_graders.blocks import (
    check_convolutional_block,
    check_identity_block,
    check_resnet50,
)
from resnets_graders.gradients import check_layer_gradient_norms
from resnets_graders.lesion import check_remove_residual_branch

__all__ = [
    "check_convolutional_block",
    "check_identity_block",
    "check_layer_gradient_norms",
    "check_remove_residual_branch",
    "check_resnet50",
]
