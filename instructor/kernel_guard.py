"""Runtime guard, run inside the student's kernel before the first cell during autograding.

:class:`instructor.preprocessors.GuardedExecute` runs this file with ``runpy.run_path`` in a
hidden first cell (removed again from the graded notebook) and passes ``CONFIG`` (a JSON
string). It is the second layer after the static checks of ``instructor/tampering.py``:

1. ``coursekit.grading`` is imported first, so its snapshot of NumPy is taken before any
   student code runs.
2. The modules the tests use (NumPy, ``math``, ``coursekit``, ``coursekit.grading``, the
   shared test helpers in ``coursekit`` and ``graders``, ``builtins``) are frozen: ``module.name = value``, ``setattr(module, ...)`` and
   ``del module.name`` raise ``AttributeError`` (new submodules may still be attached).
3. Before every trusted (locked) cell, whatever a student changed anyway is put back:
   ``sys.modules`` entries and the contents of those modules, builtins, and the names the
   locked cells imported into the notebook (``np``, ``check_close``...).
4. An audit hook, which Python code cannot remove, blocks importing ``solutions``, reading
   the instructor's files (``solutions/``, ``source/``, other students' work, the
   gradebook), writing anywhere in the course directory except the student's own
   autograded folder, starting other programs, and ``ctypes``/``gc`` introspection.

Everything it blocks or restores is recorded and read back by a hidden last cell, so the
instructor sees it in the autograded notebook's metadata and in ``python -m instructor``'s
report. This file must not import anything from the course: it runs in the student kernel.
"""

import json as _json


def _install(config):
    import builtins
    import hashlib
    import math  # noqa: F401 (protected below, through sys.modules)
    import os
    import sys
    import types

    # NumPy is imported here, before the notebook's set-up cell could choose how many threads
    # its BLAS uses: choose for it (one thread unless the environment says otherwise, as the
    # lab's set-up cell does; several threads on small matrices slow a shared machine down).
    threads = config.get("blas_threads")
    if threads:
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, str(int(threads)))

    import numpy
    import numpy.linalg
    import numpy.random
    import numpy.testing  # noqa: F401

    import coursekit.grading  # noqa: F401 (before any student code: its snapshot of NumPy is clean)
    # The shared test helpers, loaded now so that they are frozen before any student code runs.
    import coursekit.stand_ins  # noqa: F401
    import coursekit.trained_nets  # noqa: F401
    import graders.gradients  # noqa: F401
    import graders.lab  # noqa: F401
    import graders.softmax  # noqa: F401

    realpath, sep = os.path.realpath, os.sep
    sha256, fspath = hashlib.sha256, os.fspath
    isinstance_, str_, bytes_, int_ = isinstance, str, bytes, int
    module_type = types.ModuleType
    events = []  # what was blocked or restored, for the report

    def record(message):
        if len(events) < 200 and message not in events:
            events.append(message)

    # ---- 2. frozen modules ----------------------------------------------------------------
    class FrozenModule(module_type):
        """A module whose attributes tests rely on: they cannot be replaced or deleted."""

        writable = frozenset()

        def __setattr__(self, name, value):
            if name in type(self).writable or (
                    name not in self.__dict__ and isinstance_(value, module_type)):
                # the import system attaches newly imported submodules to their package
                return module_type.__setattr__(self, name, value)
            message = (f"{self.__name__}.{name} cannot be replaced while autograding: the tests "
                       "rely on it. Remove this assignment.")
            record(f"blocked: replacing {self.__name__}.{name}")
            raise AttributeError(message)

        def __delattr__(self, name):
            record(f"blocked: deleting {self.__name__}.{name}")
            raise AttributeError(f"{self.__name__}.{name} cannot be deleted while autograding.")

    class FrozenBuiltins(FrozenModule):
        # ipykernel swaps builtins.input on every execution; Python's own displayhook sets _.
        writable = frozenset({"input", "_"})

    protected_names = ["numpy", "numpy.testing", "numpy.random", "numpy.linalg", "math",
                       "coursekit", "coursekit.grading", "coursekit.stand_ins",
                       "coursekit.trained_nets", "graders", "graders.gradients", "graders.lab",
                       "graders.softmax"]
    protected = {name: sys.modules[name] for name in protected_names}
    protected["builtins"] = builtins
    frozen_types = {name: FrozenModule for name in protected_names}
    frozen_types["builtins"] = FrozenBuiltins
    for name, module in protected.items():
        module.__class__ = frozen_types[name]
    snapshots = {name: dict(module.__dict__) for name, module in protected.items()}
    volatile_builtins = {"input", "raw_input", "getpass", "display", "get_ipython", "exit", "quit"}

    # ---- 3. restore before trusted cells ----------------------------------------------
    trusted = set(config.get("trusted_sha256", []))
    locked_imports = [tuple(item) for item in config.get("locked_imports", [])]
    resolved_names = {}  # name -> the object a locked cell imported, once it is loaded
    shell = get_ipython()  # noqa: F821 (run inside IPython)
    user_ns = shell.user_ns
    missing = object()

    def resolve(name, module_name, attribute):
        if name not in resolved_names:
            module = sys.modules.get(module_name)
            if module is None:
                return missing  # not imported yet: nothing to restore
            value = module if attribute is None else getattr(module, attribute, missing)
            if value is missing:
                return missing
            resolved_names[name] = value
        return resolved_names[name]

    for item in locked_imports:  # the modules loaded by now are the untouched originals
        resolve(*item)

    def restore(cell_source):
        where = cell_source.strip().splitlines()[0][:60] if cell_source.strip() else "?"
        for name, module in protected.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                record(f"restored sys.modules[{name!r}] before the locked cell '{where}'")
            if type(module) is not frozen_types[name]:
                module_type.__setattr__(module, "__class__", frozen_types[name])
            contents = module.__dict__
            for key, value in snapshots[name].items():
                if module is builtins and (key in volatile_builtins or key == "_"):
                    continue
                if contents.get(key, missing) is not value:
                    contents[key] = value
                    record(f"restored {name}.{key} before the locked cell '{where}'")
        for item in locked_imports:
            value = resolve(*item)
            name = item[0]
            if value is not missing and user_ns.get(name, missing) is not value:
                if name in user_ns:
                    record(f"restored the notebook's {name} before the locked cell '{where}'")
                user_ns[name] = value

    def before_cell(info=None):
        source = getattr(info, "raw_cell", None)
        if source is None:
            return
        if sha256(source.encode("utf-8")).hexdigest() in trusted:
            restore(source)

    shell.events.register("pre_run_cell", before_cell)

    # ---- 3b. CPU time limit per cell ---------------------------------------------------
    # nbgrader's time limit is wall-clock time, which a busy grading machine uses up for honest
    # code too. CPU time is what an infinite loop burns: stop a cell after `cpu_time_limit`
    # seconds of it (the wall-clock limit stays as a backstop).
    cpu_limit = float(config.get("cpu_time_limit") or 0)
    if cpu_limit > 0:
        import signal

        class CPUTimeLimitExceeded(BaseException):
            """Not an Exception, so that `except Exception` in student code cannot swallow it."""

        def on_limit(signum, frame):
            record(f"stopped a cell after {cpu_limit:g} s of CPU time")
            raise CPUTimeLimitExceeded(f"this cell used more than {cpu_limit:g} s of CPU time, the "
                                       "autograder's limit per cell (an infinite loop?)")

        signal.signal(signal.SIGPROF, on_limit)
        setitimer, profiling_timer = signal.setitimer, signal.ITIMER_PROF

        def arm(info=None):
            setitimer(profiling_timer, cpu_limit)

        def disarm(result=None):
            setitimer(profiling_timer, 0)

        shell.events.register("pre_run_cell", arm)
        shell.events.register("post_run_cell", disarm)

    # ---- 4. audit hook ----------------------------------------------------------------
    root = realpath(config["course_root"])
    own = realpath(config["own_dir"])
    private = [realpath(os.path.join(root, p)) for p in config.get("private_paths", [])]
    blocked_events = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                      "os.fork", "os.forkpty", "os.kill", "os.killpg", "pty.spawn",
                      "gc.get_objects", "gc.get_referrers", "gc.get_referents",
                      "sys.setprofile", "sys.settrace", "sys.monitoring.register_callback")
    path_events = {"os.remove": True, "os.rename": True, "os.replace": True, "os.rmdir": True,
                   "os.mkdir": True, "os.chmod": True, "os.chown": True, "os.link": True,
                   "os.symlink": True, "os.truncate": True, "os.utime": True,
                   "shutil.rmtree": True, "shutil.move": True,
                   "os.listdir": False, "os.scandir": False, "glob.glob": False,
                   "sqlite3.connect": True}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def inside(path, folder):
        return path == folder or path.startswith(folder + sep)

    def check_path(path, writing, event):
        if isinstance_(path, int_) or path is None:
            return
        try:
            path = fspath(path)
            if isinstance_(path, bytes_):
                path = path.decode("utf-8", "replace")
            if not isinstance_(path, str_) or path in ("", ":memory:"):
                return
            resolved = realpath(path)
        except Exception:  # noqa: BLE001 (a path that cannot be checked is refused)
            raise PermissionError(f"Autograder: {event} of an unusual path is not allowed.") from None
        if inside(resolved, own):
            return
        for folder in private:
            if inside(resolved, folder):
                record(f"blocked: {event} {resolved}")
                raise PermissionError(f"Autograder: {resolved} is not available to submissions.")
        if writing and inside(resolved, root):
            # Python's own attempts to cache bytecode land here too: refused (a planted .pyc
            # would run in the next student's kernel), but not worth reporting.
            if "__pycache__" not in resolved:
                record(f"blocked: {event} {resolved}")
            raise PermissionError(f"Autograder: submissions may not write to {resolved}.")

    def hook(event, args):
        if event == "import":
            name = args[0]
            if isinstance_(name, str_) and (name == "solutions" or name.startswith("solutions.")):
                record(f"blocked: import {name}")
                raise ImportError("Autograder: the answer key (solutions) cannot be imported by a "
                                  "submission.")
        elif event == "open":
            path, mode, flags = args
            writing = (isinstance_(mode, str_) and any(c in mode for c in "wax+")) or (
                isinstance_(flags, int_) and flags & write_flags)
            check_path(path, writing, "open")
        elif event == "shutil.copyfile":
            check_path(args[0], False, event)
            check_path(args[1], True, event)
        elif event in path_events:
            for path in args[:2]:
                check_path(path, path_events[event], event)
        elif event.startswith(blocked_events) or event.startswith("ctypes."):
            record(f"blocked: {event}")
            raise PermissionError(f"Autograder: {event} is not allowed in a submission.")
        elif event in ("object.__setattr__", "object.__delattr__") and args and (
                args[0] is FrozenModule or args[0] is FrozenBuiltins):
            record("blocked: changing the frozen module type")
            raise PermissionError("Autograder: the protected modules cannot be changed.")

    # Warm-up before the hook: matplotlib runs `fc-list` once to build its font cache.
    try:
        import matplotlib.font_manager  # noqa: F401
    except Exception:  # noqa: BLE001, S110 (no matplotlib, or a broken one: the notebook will say)
        pass
    sys.addaudithook(hook)

    report = module_type("__course_guard__")
    report.report_json = lambda: _json.dumps({"events": list(events)})
    sys.modules["__course_guard__"] = report


if "CONFIG" in globals():
    _install(_json.loads(CONFIG))  # noqa: F821 (passed by GuardedExecute)
