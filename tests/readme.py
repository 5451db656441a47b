"""The commands the README tells people to run, read from the README itself."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_command(marker: str, root: Path = ROOT, readme: str = "README.md") -> str:
    text = (root / readme).read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.+?)\n```", text)
    assert match, f"{readme} lost the code block after <!-- {marker} -->"
    return match.group(1)


def jupyter_step(root: Path = ROOT) -> list[str]:
    """The set-up command's last step, the one that opens JupyterLab, as an argument list."""
    step = readme_command("setup-command", root).rsplit(" && ", 1)[-1]
    words = shlex.split(step)
    assert words[:2] == [".venv/bin/jupyter", "lab"], f"the set-up command should end by starting JupyterLab: {step}"
    return words


def first_lesson(root: Path = ROOT) -> str:
    """The notebook the set-up command opens (its one argument that is not an option)."""
    notebooks = [w for w in jupyter_step(root)[2:] if not w.startswith("-")]
    assert len(notebooks) == 1 and notebooks[0].endswith(".ipynb"), \
        f"the set-up command should open exactly one notebook, not {notebooks}"
    return notebooks[0]
