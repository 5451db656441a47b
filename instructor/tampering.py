"""Static (AST) checks of a submitted notebook's student cells for attacks on the grading.

Used by :class:`instructor.preprocessors.DetectTampering` before a submission runs, as a
REPORT for the instructor only: no finding changes, disables or scores a cell. The grading
does not depend on it: student code runs in a sandbox and the tests in a judge outside it
(``instructor/sandbox.py``, ``instructor/judge.py``), so a patched NumPy or grading helper stays
in the student's own process. A syntax check of a dynamic language can be neither complete nor
free of false alarms, which is why it must not enforce anything. Each finding is either

- ``tampering``: code that tries to change what a test computes or to reach the answer key;
- ``note``: suspicious but harmless (a rebound test helper).

The checks read the syntax tree, never the text, so formatting tricks do not matter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

TAMPERING = "tampering"
NOTE = "note"

# Modules a student in this course never needs and that reach past the notebook: the import
# system, interpreter internals, other threads or processes, the answer key.
FORBIDDEN_MODULES = {
    "solutions": "imports the answer key (solutions/)",
    # Installed where the grader runs (the hidden tests import it) but never given to students:
    # it computes what some exercises ask for (a numerical gradient, a softmax).
    "graders": "imports the grader's helpers (graders/), which are for the hidden tests only",
    "importlib": "imports importlib (dynamic imports can load the answer key or replace modules)",
    "imp": "imports imp (dynamic imports)",
    "runpy": "imports runpy (runs other files)",
    "builtins": "imports builtins (replacing a builtin changes what every test computes)",
    "__builtin__": "imports __builtin__",
    "ctypes": "imports ctypes (raw memory access)",
    "gc": "imports gc (reaches the internals of other modules)",
    "inspect": "imports inspect (reaches the frames and globals of other code)",
    "threading": "imports threading (a background thread can change the tests while they run)",
    "_thread": "imports _thread (background threads)",
    "multiprocessing": "imports multiprocessing (other processes)",
    "concurrent": "imports concurrent (background threads or processes)",
    "asyncio": "imports asyncio (background tasks)",
    "subprocess": "imports subprocess (runs other programs)",
    "pty": "imports pty (runs other programs)",
    "signal": "imports signal (can make the time limit ineffective)",
    "unittest": "imports unittest (unittest.mock replaces functions)",
    "mock": "imports mock (replaces functions)",
    "code": "imports code (runs code the checker cannot read)",
    "codeop": "imports codeop",
    "marshal": "imports marshal (builds code objects)",
    "trace": "imports trace (sys.settrace)",
}

# Attributes that lead to other code's namespaces, code objects or frames.
FORBIDDEN_ATTRIBUTES = {
    "__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__", "__import__",
    "__loader__", "__spec__", "__kwdefaults__", "__defaults__", "__setattr__", "__delattr__",
    "__self__", "__getattribute__", "__reduce__", "__reduce_ex__",
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "gi_frame",
    "cr_frame", "ag_frame",
}
# Forbidden only when it is not ``self.__dict__`` (a student's own object).
NAMESPACE_ATTRIBUTE = "__dict__"

# Attributes of ``sys`` that change what ``import`` returns or how code runs: any use is
# tampering. (Assigning to any attribute of ``sys`` is caught with the protected modules.)
FORBIDDEN_SYS_ATTRIBUTES = {
    "modules": "uses sys.modules (replacing a module changes what the tests import)",
    "meta_path": "uses sys.meta_path (changes what imports return)",
    "path_hooks": "uses sys.path_hooks (changes what imports return)",
    "path_importer_cache": "uses sys.path_importer_cache",
    "settrace": "uses sys.settrace (runs code inside the tests)",
    "setprofile": "uses sys.setprofile (runs code inside the tests)",
    "_getframe": "uses sys._getframe (reaches other code's variables)",
    "monitoring": "uses sys.monitoring (runs code inside the tests)",
}

# Packages whose contents the tests rely on: changing anything in them (or in objects imported
# from them) is tampering. Other modules (matplotlib's rcParams, os.environ) are the
# student's business.
PROTECTED_PACKAGES = {"numpy", "coursekit", "graders", "sys", "builtins", "math", "solutions", "importlib",
                      "types", "functools", "operator", "contextlib", "warnings", "IPython",
                      "ipykernel", "nbgrader", "nbformat", "traitlets", "gc", "inspect"}

FORBIDDEN_OS_FUNCTIONS = {
    "system", "popen", "fork", "forkpty", "kill", "killpg", "execl", "execle", "execlp",
    "execlpe", "execv", "execve", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp",
    "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp",
    "_exit",
}

FORBIDDEN_CALLS = {
    "exec": "calls exec (runs code the checker cannot read)",
    "eval": "calls eval (runs code the checker cannot read)",
    "compile": "calls compile (builds code the checker cannot read)",
    "__import__": "calls __import__ (dynamic import)",
    "breakpoint": "calls breakpoint",
}

NAMESPACE_FUNCTIONS = {"globals", "vars", "locals"}
MUTATING_METHODS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                    "__delitem__"}

# IPython magics that cannot touch the grading. Everything else (shell escapes, %run, %load,
# %env, %%bash, %%writefile...) is treated as tampering in a graded notebook.
HARMLESS_LINE_MAGICS = {"matplotlib", "time", "timeit", "pinfo", "pinfo2", "pdoc", "pdef",
                        "psource", "who", "whos", "who_ls", "precision", "pprint"}
# %%demo (coursekit.demos) runs the lessons' demo cells, or shows their recorded output.
HARMLESS_CELL_MAGICS = {"time", "timeit", "capture", "demo"}
# Magics whose argument is Python code that must be checked too.
CODE_MAGICS = {"time", "timeit", "capture", "demo"}


@dataclass(frozen=True)
class Finding:
    severity: str  # TAMPERING or NOTE
    line: int
    message: str

    def describe(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class NotebookContext:
    """What the trusted (locked, instructor-written) cells of the notebook bind by import.

    ``locked_imports`` maps a name to ``(module, attribute or None)``: ``np -> ("numpy", None)``,
    ``check_close -> ("coursekit.grading", "check_close")``.
    """

    locked_imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    imported_names: set[str] = field(default_factory=set)
    # name -> modules it was imported from anywhere in the notebook
    origins: dict[str, set[str]] = field(default_factory=dict)


def transform_ipython(source: str) -> str:
    """IPython syntax (magics, ``!shell``, ``x?``) turned into the Python that IPython runs."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython is always there with nbgrader
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (a cell IPython cannot transform fails at run time anyway)
        return source


def parse_cell(source: str) -> ast.Module | None:
    """The syntax tree of a code cell, or None for a cell with a syntax error (it fails by itself)."""
    try:
        return ast.parse(transform_ipython(source))
    except (SyntaxError, ValueError):
        return None


def _import_bindings(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, str | None]]:
    """(bound name, module, attribute) for each name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name, None
            else:
                top = alias.name.split(".")[0]
                yield top, top, None
    elif node.level == 0 and node.module:
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, node.module, alias.name


def notebook_context(trusted_sources: Iterable[str], untrusted_sources: Iterable[str]) -> NotebookContext:
    """Collect the imports of the trusted cells, and every imported name in the notebook."""
    context = NotebookContext()
    for source, trusted in [(s, True) for s in trusted_sources] + [(s, False) for s in untrusted_sources]:
        tree = parse_cell(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, module, attribute in _import_bindings(node):
                    context.imported_names.add(name)
                    context.origins.setdefault(name, set()).add(module)
                    if trusted:
                        context.locked_imports.setdefault(name, (module, attribute))
    return context


def _root(node: ast.AST) -> ast.AST:
    """The innermost object of ``a.b[c].d`` or ``getattr(a, 'b').c``: here ``a``."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "getattr" and node.args):
            node = node.args[0]
        else:
            return node


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001  # pragma: no cover
        return "?"


def _const_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _CellChecker(ast.NodeVisitor):
    def __init__(self, context: NotebookContext):
        self.context = context
        self.findings: list[Finding] = []
        # Names bound in this cell to the sys / os modules, for attribute checks.
        self.sys_names = {n for n, (m, a) in context.locked_imports.items() if m == "sys" and a is None}
        self.os_names = {n for n, (m, a) in context.locked_imports.items() if m == "os" and a is None}
        self.protected_names = {name for name, modules in context.origins.items()
                                if any(_is_protected_module(m) for m in modules)}
        self.builtin_names = set(dir(__builtins__) if not isinstance(__builtins__, dict)
                                 else __builtins__)

    def add_imports(self, tree: ast.AST) -> None:
        """Names the checked cell imports itself count too."""
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, module, _attribute in _import_bindings(node):
                    if _is_protected_module(module):
                        self.protected_names.add(name)

    # -- helpers -----------------------------------------------------------------------
    def flag(self, node: ast.AST, message: str, severity: str = TAMPERING) -> None:
        self.findings.append(Finding(severity, getattr(node, "lineno", 0), message))

    def _is_protected_root(self, node: ast.AST) -> bool:
        root = _root(node)
        if isinstance(root, ast.Name):
            return (root.id in self.protected_names or root.id in self.builtin_names
                    or root.id in {"sys", "np", "numpy", "math", "coursekit", "__builtins__"})
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name):
            return root.func.id in {"__import__", "globals", "vars", "locals"}
        return False

    # -- imports -----------------------------------------------------------------------
    def _check_module(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        if top in FORBIDDEN_MODULES:
            self.flag(node, FORBIDDEN_MODULES[top])

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            if alias.name == "sys":
                self.sys_names.add(alias.asname or "sys")
            if alias.name == "os":
                self.os_names.add(alias.asname or "os")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self._check_module(node, node.module)
            for alias in node.names:
                self._check_module(node, f"{node.module}.{alias.name}")
                if node.module == "sys" and alias.name in FORBIDDEN_SYS_ATTRIBUTES:
                    self.flag(node, FORBIDDEN_SYS_ATTRIBUTES[alias.name])
                if node.module == "os" and alias.name in FORBIDDEN_OS_FUNCTIONS:
                    self.flag(node, f"imports os.{alias.name} (runs or stops other programs)")
                if alias.name == "*" and node.module.split(".")[0] in {"sys", "os"}:
                    self.flag(node, f"imports * from {node.module}")
                if node.module.split(".")[0] == "coursekit" and alias.name.startswith("_"):
                    self.flag(node, f"imports the private {node.module}.{alias.name}")
        elif node.level and any(a.name == "solutions" for a in node.names):
            self.flag(node, FORBIDDEN_MODULES["solutions"])
        self.generic_visit(node)

    # -- attributes and stores ---------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        value = node.value
        if attr in FORBIDDEN_ATTRIBUTES:
            self.flag(node, f"uses {attr} (reaches the internals of other code)")
        elif attr == NAMESPACE_ATTRIBUTE and not (isinstance(value, ast.Name) and value.id == "self"):
            self.flag(node, f"uses {_dotted(node)} (writes there replace module contents)")
        if isinstance(value, ast.Name) and value.id in self.sys_names:
            if attr in FORBIDDEN_SYS_ATTRIBUTES:
                self.flag(node, FORBIDDEN_SYS_ATTRIBUTES[attr])
            elif attr == "path":
                self.flag(node, "changes or reads sys.path (where imports are found)", NOTE)
        if isinstance(value, ast.Name) and value.id in self.os_names and attr in FORBIDDEN_OS_FUNCTIONS:
            self.flag(node, f"uses os.{attr} (runs or stops other programs)")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and self._is_protected_root(node):
            verb = "replaces" if isinstance(node.ctx, ast.Store) else "deletes"
            self.flag(node, f"{verb} {_dotted(node)} (an attribute of an imported module or "
                            "builtin; tests would run on a modified library)")
        if (attr.startswith("_") and not attr.startswith("__") and isinstance(node.ctx, ast.Load)
                and self._is_protected_root(node) and not _is_self(value)):
            self.flag(node, f"uses the private {_dotted(node)}")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            root = _root(node)
            if self._is_protected_root(node) or (
                    isinstance(root, ast.Call) and isinstance(root.func, ast.Name)
                    and root.func.id in NAMESPACE_FUNCTIONS):
                self.flag(node, f"writes into {_dotted(node.value)} (the contents of an imported "
                                "module or of the notebook's namespace)")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.flag(node, "uses __builtins__ (replacing a builtin changes every test)")
        elif node.id == "get_ipython":
            self.flag(node, "uses get_ipython() (IPython internals)")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and (node.value in FORBIDDEN_ATTRIBUTES
                                            or node.value == NAMESPACE_ATTRIBUTE):
            self.flag(node, f"names {node.value!r} in a string (reaches the internals of other code)")

    # -- calls -----------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in FORBIDDEN_CALLS:
                self.flag(node, FORBIDDEN_CALLS[func.id])
            elif func.id in {"setattr", "delattr"} and node.args and self._is_protected_root(node.args[0]):
                self.flag(node, f"calls {func.id} on {_dotted(node.args[0])} (replaces an attribute "
                                "of an imported module or builtin)")
            elif func.id in {"import_module", "run_path", "run_module", "spec_from_file_location"}:
                self.flag(node, f"calls {func.id} (dynamic import)")
        elif isinstance(func, ast.Attribute):
            inner = func.value
            if (func.attr in MUTATING_METHODS and isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name) and inner.func.id in NAMESPACE_FUNCTIONS):
                self.flag(node, f"changes {_dotted(inner)} (the notebook's namespace)")
            if func.attr in {"import_module", "run_path", "run_module", "spec_from_file_location",
                             "exec_module", "load_module", "reload"}:
                self.flag(node, f"calls {func.attr} (dynamic import)")
            if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                    and inner.func.id == "get_ipython"):
                self._check_ipython_call(node, func.attr)
                # the get_ipython() inside is accepted for a harmless magic: skip visiting it
                for argument in node.args:
                    self.visit(argument)
                for keyword in node.keywords:
                    self.visit(keyword)
                return
        self.generic_visit(node)

    def _check_ipython_call(self, node: ast.Call, method: str) -> None:
        name = _const_str(node.args[0]) if node.args else None
        if method == "run_line_magic" and name in HARMLESS_LINE_MAGICS:
            code = _const_str(node.args[1]) if len(node.args) > 1 else None
            if name in CODE_MAGICS and code:
                self._check_nested_code(node, code)
            return
        if method == "run_cell_magic" and name in HARMLESS_CELL_MAGICS:
            for argument in node.args[1:3]:
                code = _const_str(argument)
                if code and name in CODE_MAGICS:
                    self._check_nested_code(node, code)
            return
        what = f"%{name}" if name else f"get_ipython().{method}"
        if method in {"system", "getoutput"}:
            what = "a shell command (!...)"
        self.flag(node, f"uses {what}, which is not allowed in a graded notebook")

    def _check_nested_code(self, node: ast.Call, code: str) -> None:
        tree = parse_cell(code)
        if tree is None:
            return
        nested = _CellChecker(self.context)
        nested.sys_names |= self.sys_names
        nested.os_names |= self.os_names
        nested.protected_names |= self.protected_names
        nested.add_imports(tree)
        nested.visit(tree)
        for finding in nested.findings:
            self.findings.append(Finding(finding.severity, node.lineno, finding.message))
        for finding in check_rebinding(tree, self.context):
            self.findings.append(Finding(finding.severity, node.lineno, finding.message))


def _is_protected_module(module: str) -> bool:
    return module.split(".")[0] in PROTECTED_PACKAGES


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _bound_names(target: ast.AST) -> Iterator[ast.Name]:
    if isinstance(target, ast.Name):
        yield target
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _top_level_bindings(tree: ast.Module) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """(name, node, binding statement) for names a cell binds in the notebook's namespace."""

    def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
        # Compound statements at top level (if/for/while/with/try) bind in the same scope.
        for statement in body:
            yield statement
            for attribute in ("body", "orelse", "finalbody"):
                inner = getattr(statement, attribute, None)
                if isinstance(inner, list) and not isinstance(
                        statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    yield from statements(inner)
            for handler in getattr(statement, "handlers", []) or []:
                if handler.name:
                    yield ast.Assign(targets=[ast.Name(handler.name, ast.Store(), lineno=handler.lineno)],
                                     value=ast.Constant(None), lineno=handler.lineno)
                yield from statements(handler.body)
            for case in getattr(statement, "cases", []) or []:
                yield from statements(case.body)

    for statement in statements(tree.body):
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                for name in _bound_names(target):
                    yield name.id, name, statement
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            for name in _bound_names(statement.target):
                yield name.id, name, statement
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if item.optional_vars is not None:
                    for name in _bound_names(item.optional_vars):
                        yield name.id, name, statement
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield statement.name, statement, statement
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for name, _module, _attribute in _import_bindings(statement):
                yield name, statement, statement
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                for name in _bound_names(target):
                    yield name.id, name, statement
    # Names declared global inside functions, and walrus targets anywhere, bind globally too.
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                yield name, node, node
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target.id, node, node


def check_rebinding(tree: ast.Module, context: NotebookContext) -> list[Finding]:
    """Names the locked cells import, bound again by a student cell to something else."""
    findings = []
    for name, node, statement in _top_level_bindings(tree):
        origin = context.locked_imports.get(name)
        if origin is None:
            continue
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            same = any(bound == name and (module, attribute) == origin
                       for bound, module, attribute in _import_bindings(statement))
            if same:
                continue  # re-importing the same thing is harmless
        module, attribute = origin
        origin_text = module if attribute is None else f"{module}.{attribute}"
        line = getattr(node, "lineno", getattr(statement, "lineno", 0))
        if attribute is None:
            findings.append(Finding(TAMPERING, line, f"rebinds {name}, which the tests use as "
                                    f"{origin_text}; tests would compute their expected values "
                                    "with something else"))
        else:
            findings.append(Finding(NOTE, line, f"rebinds {name} (the tests' {origin_text}); "
                                    "harmless, the tests import it again, but rename it"))
    return findings


def check_cell(source: str, context: NotebookContext) -> list[Finding]:
    """All findings for one student code cell, in line order."""
    tree = parse_cell(source)
    if tree is None:
        return []
    checker = _CellChecker(context)
    checker.add_imports(tree)
    checker.visit(tree)
    findings = checker.findings + check_rebinding(tree, context)
    unique: dict[tuple[str, int, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.severity, finding.line, finding.message), finding)
    return sorted(unique.values(), key=lambda f: (f.line, f.severity != TAMPERING, f.message))

