"""The kernel of ``make grade``: runs a learner's solutions and collects what they build.

    python -m resnets_graders.kernel JOB.json

JOB.json (written by resnets_graders/grading.py) names a notebook's cells in order: its
set-up cells, taken from the instructors' notebook, and the learner's solution cells (those
starting ``# GRADED FUNCTION: name``). This process runs them, in an IPython shell as a
notebook would, then calls each exercise's function on the grader's fixed inputs
(resnets_graders/evidence.py) and writes what came back to ``JOB["out"]``. It judges
nothing, and no reference implementation or grader is within its reach: the graders'
modules are never imported here, the check functions the set-up cells import are
stand-ins that do nothing, and a reference a set-up cell loaded (notebook 04's
``resnets_reference``) has the exercise's own function replaced by one that refuses to run.

Before the first solution cell runs, an audit hook (``sys.addaudithook``, which cannot be
removed) makes this process refuse to import the course's references or graders, to read
their files, the instructors' notebooks or the other submissions, to write anywhere but
its own folder, to start processes, send signals, reach the network, load C libraries
with ctypes, or trace or patch the hook. Each refusal is reported to the grading process
in a file the learner's code cannot unwrite. The grading process also limits the time and
memory this process may take.
"""

import hashlib
import json
import linecache
import os
import sys
import warnings
from pathlib import Path

VIOLATION = "VIOLATION "
# Names of modules a solution may not import, and events that are refused outright.
REFERENCE_MODULES = (
    "resnets_reference",
    "resnets_graders",
    "grade",
    "make_learner_notebooks",
    "train_pretrained",
    "tools",
    "tests",
    "conftest",
    "course",
)
REFUSED_EVENTS = {
    "subprocess.Popen": "start a process",
    "os.system": "start a process",
    "os.exec": "start a process",
    "os.posix_spawn": "start a process",
    "os.spawn": "start a process",
    "os.fork": "start a process",
    "os.forkpty": "start a process",
    "pty.spawn": "start a process",
    "os.startfile": "start a process",
    "os.killpg": "send a signal",
    "signal.pthread_kill": "send a signal",
    "socket.connect": "reach the network",
    "socket.sendto": "reach the network",
    "socket.sendmsg": "reach the network",
    "socket.getaddrinfo": "reach the network",
    "socket.gethostbyname": "reach the network",
    "socket.bind": "reach the network",
    "ctypes.dlopen": "load a C library",
    "ctypes.dlsym": "call C code",
    "ctypes.dlsym/handle": "call C code",
    "ctypes.addressof": "read raw memory",
    "ctypes.string_at": "read raw memory",
    "ctypes.wstring_at": "read raw memory",
    "ctypes.cdata": "read raw memory",
    "ctypes.cdata/buffer": "read raw memory",
    "sys.settrace": "trace the grading code",
    "sys.setprofile": "trace the grading code",
    "sys._current_frames": "inspect the grading code",
    "gc.get_objects": "inspect the grading code",
    "gc.get_referrers": "inspect the grading code",
    "gc.get_referents": "inspect the grading code",
    "sys.monitoring.register_callback": "trace the grading code",
}
PATH_EVENTS = (
    "os.remove",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.truncate",
    "os.utime",
    "os.listxattr",
    "os.setxattr",
    "os.removexattr",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.copymode",
    "shutil.copystat",
    "shutil.move",
    "os.chflags",
    "os.lchflags",
)
TWO_PATH_EVENTS = ("os.rename", "os.link", "os.symlink")


def _realpath(
    path,
    cwd,
    _lstat=os.lstat,
    _readlink=os.readlink,
    _str=str,
    _isinstance=isinstance,
    _len=len,
    _range=range,
):
    """``os.path.realpath`` from builtins only, so that patching ``os`` or ``posixpath``
    cannot change what the audit hook sees (symbolic links resolved, at most 40 deep)."""
    if not path.startswith("/"):
        path = cwd + "/" + path
    parts, done, hops = path.split("/"), [], 0
    while parts:
        part = parts.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = "/" + "/".join(done + [part])
        try:
            mode = _lstat(candidate).st_mode
        except OSError:
            done.append(part)
            continue
        if (mode & 0o170000) == 0o120000 and hops < 40:  # a symbolic link
            hops += 1
            target = _readlink(candidate)
            if target.startswith("/"):
                done = []
            parts = target.split("/") + parts
            continue
        done.append(part)
    return "/" + "/".join(done)


def _windows_path(path, cwd):
    """Where ``path`` leads on Windows, case folded (the audit hook's resolver there)."""
    return os.path.normcase(os.path.realpath(os.path.join(cwd, path)))


def fingerprint(line):
    """The hash by which the kernel recognises a line of reference code it must not compile
    (the lines themselves never reach the kernel): sha256 of the stripped line."""
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()


def install_guard(work, forbidden, report_path, references=()):
    """Add the audit hook described in the module's docstring.

    ``work``: the only folder this process may write to; ``forbidden``: folders and files it
    may not read; ``report_path``: where each refusal is written (opened now, kept open);
    ``references``: for each reference solution, the fingerprints of its lines and how
    many of them in one source make compiling it a copy of the reference.

    The hook and the functions it calls are closures made here, before any solution runs:
    what they check against is held in their cells and default arguments, not in anything
    a solution could reach by name and change (such as this module's globals).
    """
    report_fd = os.open(report_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    resolve = _realpath if os.name == "posix" else _windows_path
    sep = "/" if os.name == "posix" else "\\"
    work = resolve(str(work), os.getcwd()).rstrip(sep)
    forbidden = tuple(resolve(str(f), os.getcwd()).rstrip(sep) for f in forbidden)
    writable = (work, resolve(os.devnull, os.getcwd()))
    flags_writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    own_pid = os.getpid()
    under = _under_test(sep)
    as_path = _path_reader(resolve)
    copies_reference = _reference_copy_test(references)
    hook = _audit_hook(
        report_fd, forbidden, writable, flags_writing, own_pid, under, as_path, copies_reference
    )
    sys.addaudithook(hook)
    return report_fd


def _under_test(sep):
    """``under(path, roots)``: whether ``path`` is one of ``roots`` or inside one of them
    (``sep`` the path separator)."""

    def under(path, roots):
        for root in roots:
            if path == root or path.startswith(root + sep):
                return True
        return False

    return under


def _path_reader(resolve):
    """``as_path(value)``: the resolved path an audit event's argument names (by
    ``resolve``, from builtins bound now), or None for a file descriptor, None or a value
    that is not a path. The path is read from the string's own characters."""

    def as_path(
        value,
        _isinstance=isinstance,
        _int=int,
        _str_of=str.__str__,  # not str(): a str subclass's own __str__ could lie
        _decode=bytes.decode,  # nor a bytes subclass's own decode
        _bytes=bytes,
        _fspath=os.fspath,
        _getcwd=os.getcwd,
        _realpath=resolve,
    ):
        if _isinstance(value, _int) or value is None:
            return None
        try:
            value = _fspath(value)
        except TypeError:
            return None
        if _isinstance(value, _bytes):
            value = _decode(value, "utf-8", "replace")
        return _realpath(_str_of(value), _getcwd())

    return as_path


def _reference_copy_test(references):
    """``copies_reference(source)``: whether ``source`` holds, for one of the
    ``references`` (fingerprints of its lines, how many make a copy), enough of its lines."""
    references = tuple((frozenset(lines), int(needed)) for lines, needed in references)

    def copies_reference(
        source,
        _isinstance=isinstance,
        _str=str,
        _bytes=bytes,
        _sha=hashlib.sha256,
        _set=set,
        _len=len,
    ):
        if _isinstance(source, _bytes):
            source = source.decode("utf-8", "replace")
        if not _isinstance(source, _str) or not references:
            return False
        seen = _set()
        for line in source.split("\n"):
            line = line.strip()
            if _len(line) >= 12:
                seen.add(_sha(line.encode("utf-8")).hexdigest())
        for lines, needed in references:
            if _len(seen & lines) >= needed:
                return True
        return False

    return copies_reference


def _audit_hook(
    report_fd, forbidden, writable, flags_writing, own_pid, under, as_path, copies_reference
):
    """The audit hook. It refuses (writes a line to ``report_fd``, then raises
    PermissionError) reading ``forbidden``, writing or changing outside ``writable``,
    importing a reference or grader, the events of REFUSED_EVENTS, compiling a copy of a
    reference, signalling another process than ``own_pid``, truncating the report and
    replacing a function's code.

    It stays one function, with ``refuse`` beside it sharing ``report_fd``: a check split
    off into a closure of its own would put ``forbidden`` or ``writable`` in a cell that a
    solution which reaches the hook's frame could rewrite through that closure."""

    def refuse(
        what,
        _write=os.write,
        _exit=os._exit,
        _encode=str.encode,
        _PermissionError=PermissionError,
        _BaseException=BaseException,
        _violation=VIOLATION,
    ):
        try:
            _write(report_fd, _encode(_violation + what + "\n", "utf-8", "replace"))
        except _BaseException:
            _exit(86)  # the report could not be written: stop here rather than go on
        raise _PermissionError(f"grading does not allow a solution to {what}")

    def hook(
        event,
        args,
        _isinstance=isinstance,
        _str=str,
        _int=int,
        _len=len,
        _refused=dict(REFUSED_EVENTS),
        _path_events=frozenset(PATH_EVENTS),
        _two_path=frozenset(TWO_PATH_EVENTS),
        _modules=REFERENCE_MODULES,
        _any=any,
        _str_of=str.__str__,  # the name's own characters: a str subclass's __str__ could lie
    ):
        if event == "open":
            path = as_path(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2]
            if under(path, forbidden):
                refuse(f"read {path}, a file of the course's references, graders or submissions")
            writing = (_isinstance(mode, _str) and _any(c in mode for c in "wax+")) or (
                mode is None and _isinstance(flags, _int) and flags & flags_writing
            )
            if writing and not under(path, writable):
                refuse(f"write to {path}")
        elif event == "import":
            name = _str_of(args[0]) if _isinstance(args[0], _str) else _str(args[0])
            if name.split(".")[0] in _modules:
                refuse(f"import {name}, one of the course's references or graders")
        elif event in _refused:
            refuse(_refused[event])
        elif event == "compile":
            if copies_reference(args[0]):
                refuse("compile code copied from the course's reference solution")
        elif event == "os.kill":
            if args[0] != own_pid:
                refuse("send a signal to another process")
        elif event in _path_events or event in _two_path:
            for value in args[:2] if event in _two_path else args[:1]:
                path = as_path(value)
                if path is not None and not under(path, writable):
                    refuse(f"change {path}")
            if event == "os.truncate" and args[0] == report_fd:
                refuse("change the grading report")
        elif event in ("object.__setattr__", "object.__delattr__"):
            if _len(args) > 1 and args[1] in (
                "__code__",
                "__defaults__",
                "__kwdefaults__",
                "__closure__",
                "__globals__",
            ):
                refuse("replace a function's code")

    return hook


def _stand_in(name):
    def check(*args, **kwargs):
        """Does nothing: ``make grade`` judges the exercises in a process of its own."""
        return None

    check.__name__ = check.__qualname__ = name
    return check


def _neutralise(exercise):
    """Make the reference function ``exercise`` refuse to run wherever a set-up cell put it."""
    message = (
        f"grading does not accept a solution that calls the course's reference "
        f"{exercise}; write the function yourself"
    )
    namespace = {}
    exec(f"def refused(*args, **kwargs):\n    raise PermissionError({message!r})\n", namespace)
    refused = namespace["refused"].__code__
    for module_name in ("resnets_reference",):  # every reference solution lives there
        module = sys.modules.get(module_name)
        function = getattr(module, exercise, None) if module else None
        if callable(function) and hasattr(function, "__code__"):
            function.__code__ = refused
            function.__defaults__ = None


def main(argv=None):
    """Run the job named by ``argv[0]``; the results go to the job's ``out`` folder."""
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(argv[0]).read_text())
    out = Path(job["out"])
    progress = open(out / "progress.txt", "a", buffering=1)

    def say(line):
        progress.write(line + "\n")

    # What the set-up cells import from the graders: stand-ins. The real graders never load.
    _install_stand_ins()
    from resnets_graders import evidence

    shell = _shell()
    status = {"cells": [], "collected": {}}
    warnings.simplefilter("ignore")  # a warning's source line would be read from a file

    def record(error):
        entry = evidence.ErrorRecord.of(error).to_json()
        if isinstance(error, SyntaxError):
            entry["line"] = error.lineno
            entry["text"] = (error.text or "").strip()
        return entry

    # Every cell is compiled now, before the guard: after it, compiling is refused to any
    # source that copies a reference, and nothing of the harness needs to compile.
    compiled = _compile_cells(shell, job["cells"], record)
    if "remove_residual_branch" in job["exercises"]:
        import resnets_reference  # noqa: F401  the grader's network is built from its blocks
    import keras  # noqa: F401  what collecting and saving need, loaded before the guard
    import tensorflow  # noqa: F401

    _run_cells(job, compiled, shell, status, say, record)
    collected = {}
    if "setup_error" not in status:
        for exercise in job["exercises"]:
            say(f"collect {exercise}")
            function = shell.user_ns.get(exercise)
            if not callable(function):
                status["collected"][exercise] = "undefined"
                continue
            try:
                collected[exercise] = evidence.collect(exercise, function)
                status["collected"][exercise] = "ok"
            except BaseException as error:  # SystemExit, KeyboardInterrupt: still reported
                status["collected"][exercise] = evidence.ErrorRecord.of(error).to_json()
        try:
            evidence.save(out / "evidence", collected)
        except BaseException as error:
            status["save_error"] = evidence.ErrorRecord.of(error).to_json()
    (out / "status.json").write_text(json.dumps(status))
    say("done")
    progress.close()
    sys.stdout.flush()
    os._exit(0)  # no interpreter shutdown: a learner's atexit or __del__ runs no further


def _install_stand_ins():
    """Replace every check function of ``resnets_graders`` by a stand-in that does nothing
    (this imports only the package, none of its graders)."""
    import resnets_graders

    for name in resnets_graders.__all__:
        setattr(resnets_graders, name, _stand_in(name))


def _shell():
    """The IPython shell the cells run in, with no history."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def _compile_cells(shell, cells, record):
    """[(code, None) or (None, the error's record)] for each cell, in order: its source as
    IPython transforms it, compiled."""
    compiled = []
    for index, cell in enumerate(cells):
        name = f"<cell {cell.get('exercise') or index}>"
        try:
            source = shell.transform_cell(cell["source"])
            compiled.append((compile(source, name, "exec"), None))
        except (SyntaxError, ValueError, OverflowError) as error:
            compiled.append((None, record(error)))
    return compiled


def _guard(job):
    """Neutralise the job's reference functions, leave only the cells' own source in
    linecache, then install the audit hook."""
    for exercise in job["exercises"]:
        _neutralise(exercise)
    linecache.clearcache()  # no reference source left in memory; the cells' own in
    for index, cell in enumerate(job["cells"]):
        name = f"<cell {cell.get('exercise') or index}>"
        lines = cell["source"].splitlines(keepends=True)
        linecache.cache[name] = (len(cell["source"]), None, lines, name)
    install_guard(job["work"], job["forbidden"], job["report"], job.get("references", ()))


def _run_cells(job, compiled, shell, status, say, record):
    """Run the ``compiled`` cells in order in the shell's namespace, each one's error into
    ``status``. The guard goes up right before the first solution cell runs (or after the
    last cell, when there is none); a set-up cell's error stops the run, guard or none."""
    guarded = False
    for cell, (code, error) in zip(job["cells"], compiled):
        if cell["kind"] == "solution" and not guarded:
            _guard(job)
            guarded = True
        say(f"{cell['kind']} {cell.get('exercise') or ''}".strip())
        if code is not None:
            try:
                exec(code, shell.user_ns)
            except BaseException as exc:  # the cell's error, reported with its exercise
                error = record(exc)
        status["cells"].append(
            {"kind": cell["kind"], "exercise": cell.get("exercise"), "error": error}
        )
        if cell["kind"] == "setup" and error:
            status["setup_error"] = error
            break
    if not guarded and "setup_error" not in status:
        _guard(job)


if __name__ == "__main__":
    main()
