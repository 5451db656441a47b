"""The judge: runs the instructor's test cells OUTSIDE the sandbox, on the student's objects by proxy.

A test cell passes because this process, which never runs student code, finished the test's
source without an error; not because the student's kernel said so. The test's source comes from
the gradebook (the instructor's, never the submission's), and runs here as written:

- in a fresh namespace per test cell, holding the student's names as they are at that point of
  the notebook: plain data (numbers, strings, lists, dicts, NumPy arrays) by value, everything
  else (their classes, functions, objects) as proxies to the sandbox (``instructor.grading.remote``);
- student names that shadow a builtin (``abs``, ``len``, ``isinstance``...) are left out, and the
  imports of the instructor's locked cells (``import numpy as np``, ``from coursekit import
  ...``) are this process's own modules, so a test uses the trusted ``coursekit.grading``,
  NumPy and builtins whatever the notebook did to its own;
- exceptions from student code arrive as a type name and a message (builtin types map to the
  real classes, so ``except ValueError`` works); objects a test passes to student code (stand-in
  layers) are served back by proxy with a policy: public attributes read and methods called,
  nothing written, no modules; arrays and generators travel as copies, and what student code
  does to a copy is never copied back (``JudgePolicy``).

What the student may see of a failing test is its error type and message, never its source or
a traceback through it (nbgrader #917: hidden tests).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import linecache
import textwrap
import types
import warnings
from typing import Any

from . import remote

BUILTIN_NAMES = frozenset(dir(builtins))
MAX_TEST_OUTPUT = 200_000  # characters of output one test cell may keep


class JudgePolicy(remote.Policy):
    """What student code may do with objects a test passed to it: read and call, never write.

    A test's stand-ins (a layer that records what ``Net.backward`` sent it, a net that logs its
    batches) are the test's own records; student code may call their methods, which update
    them as the test wrote them, but may not set, delete or replace anything in them
    (``layer.ds = ...`` instead of a real ``update``). Arrays and generators the test passes
    are copies: what student code does to them never reaches the judge's originals.
    """

    takes_changes_back = False
    WRITES = frozenset({"setattr", "delattr", "setitem", "delitem"})

    def check(self, op: str, target: Any, args: list[Any]) -> None:
        if op in self.WRITES:
            raise TypeError(f"student code may not change the grader's {type(target).__name__} "
                            f"objects ({op}); call their methods instead")
        if isinstance(target, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
                               types.CodeType, types.FrameType)) and op != "call":
            raise TypeError(f"student code may not use {op} on the grader's {type(target).__name__}")
        if op == "getattr":
            name = args[0] if args else None
            if not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"student code may not use the grader's attribute {name!r}")
        if op == "vars":
            raise TypeError(f"student code may not use {op} on the grader's objects")

    def exportable(self, value: Any) -> bool:
        return not isinstance(value, (types.ModuleType, types.CodeType, types.FrameType,
                                      types.TracebackType))


def trusted_imports(sources: list[str]) -> types.CodeType:
    """The import statements of the instructor's locked cells, compiled once."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    statements: list[ast.stmt] = []
    for source in sources:
        try:
            tree = ast.parse(transformer.transform_cell(source))
        except SyntaxError:
            continue
        statements += [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return compile(ast.Module(body=statements, type_ignores=[]), "<instructor imports>", "exec")


class _Capture(io.TextIOBase):
    """stdout or stderr of a test cell, in order, into one list of nbformat stream outputs."""

    def __init__(self, outputs: list[dict[str, Any]], name: str, budget: list[int]) -> None:
        self.outputs, self.name, self.budget = outputs, name, budget

    def write(self, text: str) -> int:
        add_stream(self.outputs, self.name, str(text), self.budget)
        return len(text)


def add_stream(outputs: list[dict[str, Any]], name: str, text: str, budget: list[int]) -> None:
    if not text:
        return
    if budget[0] <= 0:
        return
    text = text[:budget[0]]
    budget[0] -= len(text)
    if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1].get("name") == name:
        outputs[-1]["text"] += text
    else:
        outputs.append({"output_type": "stream", "name": name, "text": text})


def error_output(error: BaseException) -> dict[str, Any]:
    name = getattr(error, "remote_type", None) or type(error).__name__
    message = str(error)
    return {"output_type": "error", "ename": name, "evalue": message,
            "traceback": [f"{name}: {message}"]}


class NotebookGlobals:
    """What ``globals()`` returns in a test: its namespace, where assigning one of the student's
    names also reaches the notebook.

    Tests may replace a student's helper with a stand-in while they call the student's code
    (``globals().update(step=_stand_in)``, restored afterwards); the student's functions look
    their helpers up in the notebook, so such assignments are mirrored there (the stand-in
    stays in the judge and is called back). Plain assignments in the test are not mirrored.
    """

    def __init__(self, namespace: dict[str, Any], endpoint: remote.Endpoint, student_names: set[str]) -> None:
        self._namespace, self._endpoint, self._student_names = namespace, endpoint, student_names

    def __getitem__(self, key: Any) -> Any:
        return self._namespace[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._namespace

    def __iter__(self):
        return iter(self._namespace)

    def __len__(self) -> int:
        return len(self._namespace)

    def get(self, key: Any, default: Any = None) -> Any:
        return self._namespace.get(key, default)

    def keys(self):
        return self._namespace.keys()

    def items(self):
        return self._namespace.items()

    def values(self):
        return self._namespace.values()

    def __setitem__(self, key: Any, value: Any) -> None:
        self._namespace[key] = value
        if key in self._student_names:
            self._endpoint.call_extra("set_global", key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self._namespace:
            self[key] = default
        return self._namespace[key]


class Judge:
    """Runs test cells against one sandboxed notebook."""

    def __init__(self, endpoint: remote.Endpoint, imports: types.CodeType) -> None:
        self.endpoint = endpoint
        self.imports = imports
        from IPython.core.inputtransformer2 import TransformerManager

        self.transformer = TransformerManager()

    def run_test(self, source: str, name: str) -> list[dict[str, Any]]:
        """Run one test cell's source; its outputs as nbformat dicts (an error output if it failed)."""
        outputs: list[dict[str, Any]] = []
        budget = [MAX_TEST_OUTPUT]
        # Output of student code during the test (prints, warnings) is shown, never as stderr:
        # ``quiet()`` in a test only reaches the judge's own warnings.
        self.endpoint.on_output = lambda items: [
            add_stream(outputs, "stdout", str(item.get("text", "")), budget)
            for item in items if isinstance(item, dict)]
        try:
            namespace = self._namespace()
            body, last = self._compile(source, name)
            with contextlib.redirect_stdout(_Capture(outputs, "stdout", budget)), \
                    contextlib.redirect_stderr(_Capture(outputs, "stderr", budget)), \
                    warnings.catch_warnings(), self._notebook_runner():
                warnings.simplefilter("default")
                exec(body, namespace)  # noqa: S102 (the instructor's test, from the gradebook)
                value = eval(last, namespace) if last is not None else None
            if value is not None:
                outputs.append({"output_type": "execute_result", "execution_count": None,
                                "metadata": {}, "data": {"text/plain": _safe_repr(value)}})
        except (remote.ProtocolError, MemoryError):
            raise  # the sandbox is gone, misbehaves or flooded the judge: the caller stops it
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            outputs.append(error_output(error))
        finally:
            self.endpoint.on_output = None
        return outputs

    def _namespace(self) -> dict[str, Any]:
        student = self.endpoint.call_extra("namespace")
        if not isinstance(student, dict):
            raise remote.ProtocolError("the notebook's namespace did not arrive as a dict")
        names = {key for key in student if isinstance(key, str) and key.isidentifier()
                 and key not in BUILTIN_NAMES and not key.startswith("_")}
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        namespace.update({key: student[key] for key in names})
        exec(self.imports, namespace)  # noqa: S102 (the instructor's own imports)
        view = NotebookGlobals(namespace, self.endpoint, names)
        namespace["globals"] = lambda: view
        return namespace

    def _compile(self, source: str, name: str) -> tuple[types.CodeType, types.CodeType | None]:
        filename = f"<test {name}>"
        python = self.transformer.transform_cell(source)
        # Kept where inspect finds it: in_notebook sends a test's own function by its source.
        linecache.cache[filename] = (len(python), None, python.splitlines(keepends=True), filename)
        tree = ast.parse(python, filename=filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = compile(ast.Expression(tree.body.pop().value), filename, "eval")
        return compile(tree, filename, "exec"), last

    @contextlib.contextmanager
    def _notebook_runner(self):
        """``coursekit.grading.in_notebook`` while a test runs: the function's source goes to the
        sandbox and runs there, among the student's names; its result comes back as data or
        proxies, like any other result of student code."""
        from coursekit import grading

        def run(function, args: tuple, kwargs: dict):
            if not isinstance(function, types.FunctionType) or function.__closure__:
                raise TypeError("in_notebook needs a function defined at the top level of the test cell")
            source = textwrap.dedent(inspect.getsource(function))
            return self.endpoint.call_extra("run_function", source, function.__name__, list(args), dict(kwargs))

        saved, grading._notebook_runner = grading._notebook_runner, run
        try:
            yield
        finally:
            grading._notebook_runner = saved


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:10000]
    except Exception:  # noqa: BLE001
        return "<unprintable value>"
