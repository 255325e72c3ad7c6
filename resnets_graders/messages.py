"""Messages every grader shares, so that all exercises speak the same way."""


class GradingError(AssertionError):
    """A grader's verdict on a wrong exercise: an AssertionError whose message says what is wrong.

    In JupyterLab (IPython) the check cell shows this message alone, as
    ``AssertionError: <message>``, without the grader's own frames: they say nothing to a
    learner. pytest and nbval see an ordinary AssertionError.
    """

    def _render_traceback_(self):
        """What IPython shows for this error: its message, no traceback (IPython's hook)."""
        return [f"AssertionError: {self}"]


def not_written(name):
    """The message for an exercise still holding ``raise NotImplementedError()``."""
    return (
        f"Exercise {name} is not written yet: replace `raise NotImplementedError()` in the "
        f"cell '# GRADED FUNCTION: {name}' with your code and run it again."
    )


def raised(name, error, called_as):
    """The message for an exercise that raised ``error`` when the grader called it as
    ``called_as`` (a short description of the call and of the network it got).

    ``error`` is an exception, or an :class:`ErrorRecord` of one raised in another process.
    """
    return f"Exercise {name} raised {error_type(error)}: {error}. Called as {called_as}."


class ErrorRecord(Exception):
    """An exception raised by a learner's code, as recorded where it ran: its class's name,
    the names of the classes it derives from and its message. ``str()`` gives the message."""

    def __init__(self, type_name, bases, message):
        super().__init__(message)
        self.type_name, self.bases, self.message = type_name, tuple(bases), message

    def __str__(self):
        return self.message

    def is_a(self, name):
        """Whether the original exception was an instance of the builtin class ``name``."""
        return name in self.bases

    @classmethod
    def of(cls, error):
        """The record of the exception ``error``."""
        return cls(
            type(error).__name__, [c.__name__ for c in type(error).__mro__], _safe_str(error)
        )

    def to_json(self):
        """A JSON-able dict; :meth:`from_json` reads it back."""
        return {"type": self.type_name, "bases": list(self.bases), "message": self.message}

    @classmethod
    def from_json(cls, data):
        """Read back :meth:`to_json`'s dict (from an untrusted source: types are checked)."""
        if not isinstance(data, dict):
            raise ValueError("an error record should be a dict")
        type_name, bases, message = data.get("type"), data.get("bases"), data.get("message")
        if (
            not isinstance(type_name, str)
            or not isinstance(message, str)
            or not isinstance(bases, list)
            or not all(isinstance(b, str) for b in bases)
        ):
            raise ValueError("malformed error record")
        return cls(type_name, bases, message)


def error_type(error):
    """The class name of an exception or of an :class:`ErrorRecord`."""
    return error.type_name if isinstance(error, ErrorRecord) else type(error).__name__


def is_a(error, cls):
    """``isinstance(error, cls)``, also for an :class:`ErrorRecord` (by the class's name)."""
    if isinstance(error, ErrorRecord):
        return error.is_a(cls.__name__)
    return isinstance(error, cls)


def _safe_str(error):
    try:
        text = str(error)
    except Exception:  # a learner's exception whose __str__ itself fails
        text = f"<{type(error).__name__}>"
    return text if len(text) <= 4000 else text[:3997] + "..."
