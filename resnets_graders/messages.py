"""Messages every grader shares, so that all exercises speak the same way."""


def not_written(name):
    """The message for an exercise still holding ``raise NotImplementedError()``."""
    return (
        f"Exercise {name} is not written yet: replace `raise NotImplementedError()` in the "
        f"cell '# GRADED FUNCTION: {name}' with your code and run it again."
    )


def raised(name, error, called_as):
    """The message for an exercise that raised ``error`` when the grader called it as
    ``called_as`` (a short description of the call and of the network it got)."""
    return f"Exercise {name} raised {type(error).__name__}: {error}. Called as {called_as}."
