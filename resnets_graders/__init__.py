"""Graders for the course's exercises, run by the locked check cell after each exercise.

Each ``check_*`` function takes the learner's function, prints one line such as
"All tests passed." when it is right, and raises AssertionError with a message that names
the exercise, the layer and what was expected when it is not.

The graders are imported on first use, so that ``resnets_graders.fixtures`` and
``resnets_graders.evidence`` (what ``make grade``'s kernel needs) load without them.
"""

import importlib

_GRADERS = {
    "check_convolutional_block": "resnets_graders.blocks",
    "check_identity_block": "resnets_graders.blocks",
    "check_layer_gradient_norms": "resnets_graders.gradients",
    "check_remove_residual_branch": "resnets_graders.lesion",
    "check_resnet50": "resnets_graders.blocks",
}

__all__ = sorted(_GRADERS)


def __getattr__(name):
    """Import the grader ``name`` from its module the first time it is asked for."""
    if name in _GRADERS:
        value = getattr(importlib.import_module(_GRADERS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'resnets_graders' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_GRADERS))
