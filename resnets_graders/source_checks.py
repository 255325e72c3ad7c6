"""What ``make grade`` reads in a solution's code before running it.

Two checks on the text of a solution cell, neither of which runs it:

* :func:`refusal` rejects a solution that imports or names a course reference
  (``resnets_reference``, the graders, the instructors' notebooks, the grading tools), or that
  reaches for code by a dynamic route (``exec``, ``eval``, ``__import__``, ``importlib``,
  ``open``, ``sys.modules``, a function's ``__globals__``, ...). No solution of this course
  needs any of these. The kernel's audit hook (resnets_graders/kernel.py) stops the routes
  this cannot see.
* :func:`same_as_reference` says whether the learner's function equals the reference after
  normalisation: comments, docstrings, spacing, quotes and the names of arguments and
  local variables do not count. Such a solution passes, flagged for the instructor.
"""

import ast

from resnets_graders import kernel

# Modules (top-level names) and text that point at a course reference or grader: those the
# kernel's audit hook refuses to import, and the folders of the instructors' notebooks.
REFERENCE_MODULES = (*kernel.REFERENCE_MODULES, "notebooks", "solutions")
REFERENCE_TEXT = (
    "resnets_reference",
    "resnets_graders",
    "notebooks/solutions",
    "solutions/0",
    "make_learner_notebooks",
    "tools/grade",
    ".ipynb",
)
# Names and attributes that reach code by a route grading does not allow in a solution.
DYNAMIC_MODULES = (
    "importlib",
    "imp",
    "runpy",
    "pkgutil",
    "zipimport",
    "code",
    "codeop",
    "ctypes",
    "gc",
    "inspect",
    "linecache",
    "marshal",
    "pickle",
    "dill",
    "cloudpickle",
    "shelve",
    "subprocess",
    "shutil",
    "socket",
    "urllib",
    "requests",
    "http",
    "builtins",
    "__builtin__",
    "types",
    "dis",
)
DYNAMIC_NAMES = (
    "exec",
    "eval",
    "compile",
    "__import__",
    "open",
    "globals",
    "vars",
    "breakpoint",
    "__builtins__",
    "__loader__",
    "__spec__",
    "getattr_static",
    "execfile",
    "reload",
    "import_module",
)
DYNAMIC_ATTRIBUTES = (
    "modules",
    "__globals__",
    "__code__",
    "__closure__",
    "__builtins__",
    "__loader__",
    "__spec__",
    "__subclasses__",
    "__bases__",
    "__mro__",
    "f_globals",
    "f_locals",
    "f_back",
    "f_builtins",
    "tb_frame",
    "gi_frame",
    "cr_frame",
    "_getframe",
    "system",
    "popen",
    "read_text",
    "read_bytes",
    "import_module",
    "exec_module",
    "load_module",
    "spec_from_file_location",
    "run_path",
    "run_module",
    "__import__",
    "__dict__",
    "co_code",
    "__self__",
    "__base__",
    "__getattribute__",
    "__reduce__",
    "__reduce_ex__",
    "run_cell",
    "run_cell_magic",
    "run_code",
    "ex",
    "ev",
    "safe_execfile",
    "getoutput",
    "gfile",
    "GFile",
    "read_file",
    "fromfile",
    "loadtxt",
    "genfromtxt",
    "attrgetter",
    "methodcaller",
    "load_op_library",
    "load_library",
)
# Built-in functions that take an attribute's name: none of the names above is accepted,
# and setattr and delattr (which patch) take only a literal name.
NAMED_ACCESS = ("getattr", "setattr", "delattr", "hasattr")
LITERAL_ONLY = ("setattr", "delattr")


def python_source(source):
    """The cell's text as Python, IPython's syntax (``%magic``, ``!command``) translated as
    the kernel translates it. Raises SyntaxError where it is not Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(source)
    compile(python, "<cell>", "exec")
    return python


def _import_refusal(exercise, node):
    """The message refusing an import of a reference, a grader, a module that runs code
    given as text, or a relative import; None for any other node."""
    modules = []
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        modules = [node.module or "." * node.level]
        if node.level:
            return _refused(exercise, "a relative import", "imports")
    for module in modules:
        top = module.split(".")[0]
        if top in REFERENCE_MODULES:
            return (
                f"Exercise {exercise}: not accepted: the solution imports {module}, "
                "one of the course's reference implementations or graders. A "
                "solution must be your own code: remove the import and write the "
                "function yourself."
            )
        if top in DYNAMIC_MODULES:
            return _refused(exercise, f"the module {top}", "imports")
    return None


def _text_refusal(exercise, node, prose):
    """The message refusing a string or bytes constant (not a docstring: ids in ``prose``)
    that names a reference, a grader or an instructors' notebook; else None."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (str, bytes))
        and id(node) not in prose
    ):
        text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
        for word in REFERENCE_TEXT:
            if word in text:
                return (
                    f"Exercise {exercise}: not accepted: the solution names {word!r}, "
                    "a course reference, grader or instructors' notebook. A solution "
                    "must be your own code."
                )
    return None


def _access_refusal(exercise, node):
    """The message refusing getattr()-like access by a computed name or to a dynamic
    attribute, or a dynamic name or attribute itself (``exec``, ``.__globals__``, ...)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in NAMED_ACCESS
        and len(node.args) >= 2
    ):
        name = node.args[1]
        literal = isinstance(name, ast.Constant) and isinstance(name.value, str)
        if not literal and node.func.id in LITERAL_ONLY:
            return _refused(exercise, f"{node.func.id}() with a name computed at run time", "calls")
        if literal and (name.value in DYNAMIC_ATTRIBUTES or name.value in DYNAMIC_NAMES):
            return _refused(exercise, f"{node.func.id}(..., {name.value!r})", "calls")
    if isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
        return _refused(exercise, f"`{node.id}`", "uses")
    if isinstance(node, ast.Attribute) and node.attr in DYNAMIC_ATTRIBUTES:
        return _refused(exercise, f"`.{node.attr}`", "uses")
    return None


def refusal(exercise, source):
    """The message rejecting the solution cell ``source`` of ``exercise``, or None.

    ``source`` must parse (a SyntaxError is the caller's to report). Every node of its
    syntax tree goes through the import, text and access checks, in that order; the first
    refusal is the answer.
    """
    tree = ast.parse(source)
    prose = {
        id(node.value)
        for node in ast.walk(tree)  # docstrings: words, not paths
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        message = (
            _import_refusal(exercise, node)
            or _text_refusal(exercise, node, prose)
            or _access_refusal(exercise, node)
        )
        if message:
            return message
    return None


def _refused(exercise, what, verb):
    return (
        f"Exercise {exercise}: not accepted: the solution {verb} {what}, which grading "
        "does not allow in a solution cell: it can run code that is not yours, such as "
        "the course's reference. Write the function with ordinary code (layers, "
        "loops, arithmetic)."
    )


def function_source(source, name):
    """The ``def name`` at the top level of ``source`` as a normalised string, or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return _normalised(node)
    return None


def defines(source, name):
    """Whether ``source`` defines ``name`` at its top level: a ``def``, a ``class`` or an
    assignment (``name = ...``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == name
        ):
            return True
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def same_as_reference(source, reference_source, name):
    """Whether the function ``name`` in ``source`` equals the one in ``reference_source``
    once comments, docstrings, spacing and the names of its arguments and local variables
    are set aside."""
    mine, reference = function_source(source, name), function_source(reference_source, name)
    return mine is not None and mine == reference


def as_given(source, reference_source):
    """Whether the solution cell ``source`` is still the cell learners were given: the
    reference with each solution region replaced by ``raise NotImplementedError()``
    (comments and spacing aside). Such an exercise is not written; nothing need run."""
    given, indent = [], None
    for line in reference_source.splitlines():
        stripped = line.strip()
        if stripped == "### BEGIN SOLUTION" and indent is None:
            indent = line[: len(line) - len(line.lstrip())]
            given.append(indent + "raise NotImplementedError()")
        elif stripped == "### END SOLUTION":
            indent = None
        elif indent is None:
            given.append(line)
    try:
        return ast.dump(ast.parse(source)) == ast.dump(ast.parse("\n".join(given)))
    except SyntaxError:
        return False


def _normalised(function):
    function = ast.parse(ast.unparse(function)).body[0]  # a copy
    local = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            local.add(node.id)
        elif isinstance(node, ast.arg):
            local.add(node.arg)
    names = {}

    def canonical(name):
        return names.setdefault(name, f"v{len(names)}")

    for node in ast.walk(function):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]  # docstrings and lone strings out
        if isinstance(node, ast.Name) and node.id in local:
            node.id = canonical(node.id)
        elif isinstance(node, ast.arg):
            node.arg = canonical(node.arg)
    function.name = "f"
    return ast.dump(function, annotate_fields=False, include_attributes=False)
