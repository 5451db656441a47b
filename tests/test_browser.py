"""A student's path through the course in a real browser: JupyterLab in headless Chromium.

The server is started with the README's set-up command (its last step, the one a student runs),
on loopback, in a throwaway copy of the course whose lessons 1 and 2 have their answers filled
in from the source notebooks. Then, as a student would: lesson 1 opens on its own, Run All, a
quiz answer shows its explanation, nbgrader's Validate button reports success, a slider of
lesson 2 redraws its plot, the lab's README, opened from the file browser, links to the lab
notebook, and the Bengali lesson 1 shows Bengali text and a Bengali quiz. Throughout, the file
browser shows the course from its root, and a notebook just opened is not marked unsaved.
Screenshots of every step go to tests/artifacts/browser/ (git-ignored).

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright's Python package, whose
driver ships in the wheel; no ``playwright install``.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from browser import CHROMIUM, MISSING, launch, stop
from notebook_course import (
    NOT_COURSE_DIRS,
    ROOT,
    fill_in_notebook,
    read_notebook,
    source_notebooks,
    student_notebooks,
)
from playwright.sync_api import expect
from readme import first_lesson, jupyter_step

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "browser"
#: What a student's copy holds besides the notebooks; the answer key and sources stay out.
NOT_FOR_STUDENTS = {"source", "solutions", "tests", "instructor", "benchmarks", "scripts", "docs",
                    ".ci", "gradebook.db"}
SERVER_START_SECONDS = 60
RUN_ALL_SECONDS = 90
QUIET_SECONDS = 3  # the kernel stays Idle this long once the queued cells are done
VALIDATE_SECONDS = 150  # a timeout for a loaded machine; it takes 6-20 s

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)


def student_course(destination: Path, filled: list[str]) -> Path:
    """A copy of the student side of the course; the notebooks named in ``filled`` (relative
    paths) get every answer from their source notebook."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder).resolve() == ROOT
        return {n for n in names if n in NOT_COURSE_DIRS or n.startswith(".")
                or (top and n in NOT_FOR_STUDENTS)}

    shutil.copytree(ROOT, destination, ignore=ignore)
    sources = {ref.name: ref.source_path for ref in source_notebooks()}
    for relative in filled:
        student_nb = read_notebook(destination / relative)
        answered, problems = fill_in_notebook(student_nb, read_notebook(sources[Path(relative).name]))
        assert not problems, f"cannot fill in {relative}: {problems}"
        nbformat.write(answered, str(destination / relative))
    return destination


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_jupyterlab(course: Path, state: Path) -> tuple[subprocess.Popen, str]:
    """Start JupyterLab as the README's set-up line does in ``course``; return it and the URL it opens."""
    words = jupyter_step(course)
    runtime = state / "runtime"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "data"),
               JUPYTER_RUNTIME_DIR=str(runtime), IPYTHONDIR=str(state / "ipython"),
               MPLCONFIGDIR=str(state / "matplotlib"))
    env.pop("MPLBACKEND", None)  # the notebook's own %matplotlib inline decides
    env.pop("COURSEKIT_DEMOS_STRICT", None)  # students' demos fall back, they do not raise
    # start.py's command, run by this environment's Python; the extra options only keep the
    # test to itself (no browser of its own, loopback, a free port) and let it look inside
    # JupyterLab (window.jupyterapp).
    command = [*words, "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={free_port()}",
               "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True"]
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "jupyterlab.log", "w") as log:  # the child keeps its own copy of the handle
        server = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"JupyterLab stopped at once:\n{(state / 'jupyterlab.log').read_text()}")
        # The page the README's command opens in the student's browser (it also holds the token).
        pages = list(runtime.glob("jpserver-file-to-run-*-open.html")) if runtime.is_dir() else []
        if pages:
            url = html.unescape(re.search(r'href="([^"]+)"', pages[0].read_text()).group(1))
            try:
                urllib.request.urlopen(url.split("/lab")[0] + "/api/status?" + url.split("?")[1], timeout=5)
                return server, url
            except OSError:
                pass
        time.sleep(0.5)
    server.terminate()
    raise AssertionError(f"JupyterLab did not start in {SERVER_START_SECONDS} s:\n"
                         f"{(state / 'jupyterlab.log').read_text()}")


class Student:
    """What a student does in JupyterLab, step by step, with a screenshot after each step."""

    def __init__(self, page) -> None:
        self.page = page
        self.shots = 0
        self.started = time.monotonic()

    def screenshot(self, name: str) -> None:
        """Save the page, and print how long the test took to get here (CI logs show drift)."""
        self.shots += 1
        print(f"browser test: {time.monotonic() - self.started:5.1f} s  {name}")
        self.page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}.png"))

    def notebook(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def wait_for_kernel(self) -> None:
        self.notebook().locator(".jp-Cell").first.wait_for(timeout=SERVER_START_SECONDS * 1000)
        self.page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle")).wait_for(
            timeout=SERVER_START_SECONDS * 1000)

    def marked_unsaved_once_its_kernel_spoke(self) -> bool:
        """Whether the notebook in view is marked changed once its kernel has answered the
        kernel-info request: JupyterLab then writes the kernel's language_info into the notebook,
        and any difference from the file is an unsaved change (the dot on the tab)."""
        return self.page.evaluate("""async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            await panel.sessionContext.ready;
            await panel.sessionContext.session.kernel.info;
            await new Promise(resolve => setTimeout(resolve, 0));  // after JupyterLab's own handler
            return panel.context.model.dirty;
        }""")

    def file_browser(self):
        """The file browser's breadcrumbs, once JupyterLab has finished restoring it
        (until then it may still move to the folder of the notebook in the URL)."""
        if not self.page.locator(".jp-FileBrowser").is_visible():
            self.page.locator(".jp-SideBar [data-id='filebrowser']").click()
        self.page.locator("#filebrowser.jp-mod-restoring").wait_for(state="detached")
        return self.page.locator(".jp-FileBrowser .jp-BreadCrumbs")

    def listing_item(self, name: str):
        return self.page.locator(".jp-DirListing-content .jp-DirListing-item").filter(
            has=self.page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")))

    def open_from_file_browser(self, *path: str) -> None:
        """Double-click down from the course root, waiting at each folder for its own listing: a
        double-click while the listing is still being replaced lands on the old folder's items
        (the course root has a README.md too), or finds nothing and times out."""
        crumbs = self.file_browser()
        self.page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()
        expect(crumbs).to_have_text("/")
        for depth, name in enumerate(path):
            self.listing_item(name).dblclick()
            if depth < len(path) - 1:
                expect(crumbs).to_have_text(re.compile(f"{re.escape(name)}/?$"))

    def menu(self, menu: str, item: str) -> None:
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).first.click()

    def run_all(self) -> None:
        self.wait_for_kernel()
        self.menu("Run", "Run All Cells")
        self.wait_until_run(every_cell=True)

    def wait_until_run(self, every_cell: bool = False) -> None:
        """Wait until the kernel has gone quiet after the cells just queued.

        JupyterLab renders only the cells in view, so the prompts alone cannot say that Run All
        is over; the kernel status can: it is Busy while any queued cell runs, and stays Idle
        once the queue is empty (it flickers to Idle between two cells, hence the quiet period).
        """
        prompts = self.notebook().locator(".jp-InputArea-prompt")
        status = self.page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| (Idle|Busy)"))
        started = time.monotonic()
        deadline = started + RUN_ALL_SECONDS
        last_busy = None
        while time.monotonic() < deadline:
            now = time.monotonic()
            if "Busy" in " ".join(status.all_inner_texts()):
                last_busy = now
            texts = prompts.all_inner_texts()
            numbered = all(re.search(r"\[\d+\]", t) for t in texts if t.strip())
            quiet_since = last_busy if last_busy is not None else started
            if (texts and not any("*" in t for t in texts) and (numbered or not every_cell)
                    and now - quiet_since > QUIET_SECONDS):
                return
            time.sleep(0.25)
        raise AssertionError(f"the cells did not finish running in {RUN_ALL_SECONDS} s")

    def errors(self) -> list[str]:
        return self.notebook().locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                       ).all_inner_texts()


@pytest.fixture
def student(tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    lesson1 = first_lesson()
    lesson2 = student_notebooks("lesson2")[0].student_path.relative_to(ROOT).as_posix()
    course = student_course(tmp_path / "course", [lesson1, lesson2])
    server, url = start_jupyterlab(course, tmp_path / "state")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright, tmp_path / "chromium-profile")
            try:
                page = browser.pages[0] if browser.pages else browser.new_page()
                page.set_default_timeout(30_000)
                page.goto(url)
                yield Student(page), course, lesson1, lesson2
            finally:
                browser.close()
    finally:
        stop(server)


def test_a_student_goes_from_the_first_lesson_to_the_lab(student):
    me, _course, lesson1, lesson2 = student
    page = me.page

    # 1. The set-up command opens lesson 1, with the whole course in the file browser, and the
    # lesson is not marked unsaved once its kernel has started.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current",
                 has_text=Path(lesson1).name).wait_for()
    crumbs = me.file_browser()
    expect(crumbs).to_have_text("/")
    for name in ("lessons", "lab", "bn", "README.md"):
        expect(me.listing_item(name)).to_have_count(1)
    me.screenshot("lesson1-opened")
    assert not me.marked_unsaved_once_its_kernel_spoke(), f"{lesson1} is marked unsaved on opening"
    me.run_all()
    me.screenshot("lesson1-run-all")
    assert me.errors() == [], f"lesson 1 with every answer printed errors: {me.errors()}"
    # A student's JupyterLab (start.py's settings): no news question over the lesson, none of
    # nbgrader's instructor tools, and its Validate button.
    assert page.get_by_text("official Jupyter news").count() == 0
    assert page.get_by_text("Create Assignment").count() == 0
    assert page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
    assert me.notebook().get_by_text("Validate", exact=True).count() == 1

    # 2. A quiz answer is marked and explained.
    quiz = me.notebook().locator(".coursekit-quiz-choice").first
    quiz.scroll_into_view_if_needed()
    quiz.locator(".widget-radio-box label").first.click()
    explanation = me.notebook().locator(".coursekit-quiz-explanation").first
    explanation.wait_for()
    assert len(explanation.inner_text().strip()) > 20
    me.screenshot("quiz-explained")

    # 3. Save, then nbgrader's Validate button: the notebook passes every visible test.
    # Wait for the save's reply: Validate saves again, and a second save that starts before the
    # first one's reply has arrived finds the file newer than it knows and asks "File Changed"
    # (seen on a loaded machine).
    with page.expect_response(lambda r: "/api/contents/" in r.url and r.request.method == "PUT",
                              timeout=RUN_ALL_SECONDS * 1000):
        page.keyboard.press("Control+s")
    me.notebook().locator(".jp-Toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=VALIDATE_SECONDS * 1000)
    try:
        page.locator(".jp-Dialog", has_text=re.compile("Success|fail|error", re.IGNORECASE)).wait_for(
            timeout=VALIDATE_SECONDS * 1000)
    except Exception:  # noqa: BLE001 (whatever Playwright raised: keep a screenshot, then fail)
        me.screenshot("validate-gave-no-verdict")
        raise AssertionError(f"Validate gave no verdict; the dialog says: {dialog.inner_text()!r}")
    me.screenshot("validated")
    assert "Success! Your notebook passes all the tests." in dialog.inner_text(), dialog.inner_text()
    page.keyboard.press("Escape")

    # 4. Lesson 2: a slider redraws its plot. Only the cells up to the first slider are run:
    # the rest of the lesson is not needed here and would cost a minute.
    page.goto(page.url.split("/lab")[0] + f"/lab/tree/{lesson2}")
    me.wait_for_kernel()
    assert not me.marked_unsaved_once_its_kernel_spoke(), f"{lesson2} is marked unsaved on opening"
    explorer = me.notebook().locator(".jp-CodeCell", has_text="def explorer(").first
    explorer.locator(".jp-InputPrompt").click()
    me.menu("Run", "Run All Above Selected Cell")
    me.wait_until_run()
    page.keyboard.press("Shift+Enter")
    image = explorer.locator(".widget-output img").first
    image.wait_for()
    me.wait_until_run()
    assert me.errors() == [], f"lesson 2 with every answer printed errors: {me.errors()}"
    explorer.locator(".widget-slider").first.scroll_into_view_if_needed()
    before = image.get_attribute("src")
    me.screenshot("lesson2-slider-before")
    handle = explorer.locator(".noUi-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    deadline = time.monotonic() + 30
    while image.get_attribute("src") == before and time.monotonic() < deadline:
        time.sleep(0.3)
        image = explorer.locator("img").first
    me.screenshot("lesson2-slider-after")
    assert image.get_attribute("src") != before, "moving the slider did not redraw the plot"

    # 5. From the file browser, the lab README, which links to the lab notebook.
    me.open_from_file_browser("lab", "README.md")  # opens rendered, as a page: start.py's settings
    link = page.locator(".jp-RenderedMarkdown a", has_text="mnist_lab.ipynb").first
    link.wait_for()
    me.screenshot("lab-readme")
    link.click()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text="mnist_lab.ipynb").wait_for()
    me.notebook().locator(".jp-Cell").first.wait_for()
    me.screenshot("lab-notebook")
    assert not me.marked_unsaved_once_its_kernel_spoke(), "the lab notebook is marked unsaved on opening"

    # 6. The Bengali edition: the same lesson 1 speaks Bengali, its quiz too (the kernel knows
    # the language from the edition's folder), and answers are checked as in English.
    page.goto(page.url.split("/lab")[0] + f"/lab/tree/bn/{lesson1}")
    me.wait_for_kernel()
    assert not me.marked_unsaved_once_its_kernel_spoke(), f"bn/{lesson1} is marked unsaved on opening"
    me.notebook().locator(".jp-RenderedMarkdown", has_text=re.compile("[\u0980-\u09ff]")).first.wait_for()
    # A student's blank notebook: Run All stops at the first unanswered exercise's checks, after
    # the set-up cell and the opening quiz have run.
    me.menu("Run", "Run All Cells")
    me.wait_until_run()
    choice = me.notebook().locator(".coursekit-quiz-choice").first
    choice.scroll_into_view_if_needed()
    choice.locator(".widget-radio-box label").first.click()
    explanation = me.notebook().locator(".coursekit-quiz-explanation").first
    explanation.wait_for()
    me.screenshot("bengali-quiz-explained")
    assert re.search("[\u0980-\u09ff]", explanation.inner_text()), explanation.inner_text()
    assert re.search("[\u0980-\u09ff]", choice.inner_text()), "the quiz options are not in Bengali"
