"""Messages every grader shares, so that all exercises speak the same way."""


def not_written(name):
    """The message for an exercise still holding ``raise NotImplementedError()``."""
    return (
        f"Exercise {name} is not written yet: replace `raise NotImplementedError()` in the "
        f"cell '# GRADED FUNCTION: {name}' with your code and run it again."
    )
