"""The Jupyter server a student's JupyterLab runs on (start.py passes this file with
``--ServerApp.config_file``); instructors, who start ``jupyter lab`` themselves, keep Jupyter's
defaults. A configuration file, not a module of coursekit: importing coursekit would set up a
notebook's language in the server's own process.

- No unsaved-changes mark on a notebook just opened. When its kernel starts, JupyterLab writes
  the kernel's ``language_info`` into the notebook, and any difference marks it changed. Part of
  it is the exact Python version (``3.11.7``), which is each student's own, so no notebook can
  ship it: the server hands out every notebook with this Python's ``language_info``, as its
  kernel (ipykernel, on the same Python) will report it. The file itself changes only when the
  student saves it, as it would have anyway.
- The file browser at the course root while the first lesson opens: JupyterLab opens a notebook
  named in the URL with the file browser in the notebook's folder unless the URL also says
  ``file-browser-path``. The page that opens the student's browser (``browser-open.html``, beside
  this file, in place of jupyter_server's own) adds it; the URLs printed in the terminal stay
  Jupyter's own.
- None of nbgrader's instructor tools on the server (formgrader would warn about a course
  directory and exchange a student copy has not got); its Validate button stays.
"""

from pathlib import Path

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

HERE = Path(__file__).resolve().parent


def python_language_info() -> dict:
    """What this Python's ipykernel reports as its language (imported late: it loads IPython)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


class StudentContentsManager(AsyncLargeFileManager):
    """Jupyter's own contents manager, handing notebooks out with this Python's language_info."""

    async def get(self, path, content=True, type=None, format=None, require_hash=False):
        model = await super().get(path, content=content, type=type, format=format,
                                  require_hash=require_hash)
        notebook = model.get("content") if model.get("type") == "notebook" else None
        # "python3" is the environment's own ipykernel, which runs on this Python.
        if notebook and notebook.get("metadata", {}).get("kernelspec", {}).get("name") == "python3":
            notebook["metadata"]["language_info"] = python_language_info()
        return model


c = get_config()  # noqa: F821 (traitlets defines it in configuration files)
c.ServerApp.contents_manager_class = StudentContentsManager
c.ServerApp.extra_template_paths = [str(HERE)]
c.ServerApp.jpserver_extensions = {f"nbgrader.server_extensions.{name}": False
                                   for name in ("formgrader", "assignment_list", "course_list")}
