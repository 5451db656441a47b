"""Record what every demo shows with the reference answers: coursekit/data/demo_outputs/.

    python scripts/build_demo_fallbacks.py [FOLDER]     # FOLDER defaults to source/
    python scripts/build_demo_fallbacks.py --language bn  # the Bengali edition's, into demo_outputs/bn/

Runs every lesson's instructor notebook (found by name under FOLDER) in a throwaway copy and
keeps, for each ``%%demo`` cell, its pictures (downscaled PNG) and printed text, including the
figures inside slider widgets; plus, per name a cell defines, the heading it sits under, so a
demo can say which cell to run. ``coursekit.demos`` shows these recordings when a student's
exercise is not done yet. Only outputs are stored, never code. Re-run after editing a demo.
With ``--language bn`` the notebooks run in the Bengali edition (its markdown, so its headings,
and coursekit speaking Bengali: plot texts and printed lines), so a Bengali notebook's fallback
pictures are in Bengali too.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO))
from apply_student_path import DEMO_MAGIC, LESSONS, find_notebooks

OUT = REPO / "coursekit" / "data" / "demo_outputs"
MAX_WIDTH = 720  # pixels: enough to read a plot, small enough to ship
TIMEOUT_SECONDS = 300


def small_png(data: str) -> str:
    """Downscale a base64 PNG to at most MAX_WIDTH pixels wide."""
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(data)))
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)),
                             Image.Resampling.LANCZOS)
    # Plots use few colours: a 256-colour palette keeps them sharp at a third of the size.
    image = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode()


def widget_outputs(model_id: str, state: dict, seen: set[str]) -> list[dict]:
    """Outputs held by Output widgets inside the widget ``model_id`` (e.g. a slider's plot)."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    found = list(model.get("outputs", []))
    for child in model.get("children", []):
        found += widget_outputs(str(child).removeprefix("IPY_MODEL_"), state, seen)
    return found


def recorded(cell: dict, state: dict) -> list[dict]:
    kept = []
    outputs = list(cell.get("outputs", []))
    for output in list(outputs):
        view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
        if view:
            outputs += widget_outputs(view["model_id"], state, set())
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            kept.append({"image/png": small_png(data["image/png"])})
        elif output.get("output_type") == "stream" and output.get("name") == "stdout":
            kept.append({"text": output["text"]})
        elif "text/plain" in data and "application/vnd.jupyter.widget-view+json" not in data \
                and "text/html" not in data and not data["text/plain"].startswith("<Figure"):
            kept.append({"text": data["text/plain"]})
    return kept


def defined_in(nb: dict) -> dict[str, str]:
    """name -> the heading above the first cell that defines it at the top level."""
    heading, found = "the top of the notebook", {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            titles = [line.lstrip("#").strip() for line in cell["source"].split("\n") if line.startswith("#")]
            heading = titles[0] if titles else heading
            continue
        code = "\n".join(line for line in cell["source"].split("\n") if not line.lstrip().startswith("%"))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            targets = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                targets = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    targets += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
            for name in targets:
                found.setdefault(name, heading.replace("`", ""))  # the first definition
    return found


def record(path: Path, language: str = "en") -> dict:
    with tempfile.TemporaryDirectory(prefix="demo-fallbacks-") as work:
        copy = Path(work) / path.name
        shutil.copy2(path, copy)
        if language != "en":
            from instructor.authoring.editions import translated_source

            nbformat.write(translated_source(REPO, path, language), str(copy))
        nb = nbformat.read(str(copy), as_version=4)
        os.environ["COURSEKIT_DEMOS_STRICT"] = "1"  # a broken demo must fail the build
        os.environ["COURSEKIT_LANGUAGE"] = language  # the kernel's coursekit speaks it
        NotebookClient(nb, timeout=TIMEOUT_SECONDS, kernel_name="python3",
                       resources={"metadata": {"path": work}}, store_widget_state=True).execute()
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    demos = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(DEMO_MAGIC):
            demos[cell.source.split("\n", 1)[0].split("/", 1)[1].strip()] = recorded(cell, state)
    return {"demos": demos, "defined_in": defined_in(nb)}


def main(argv: list[str]) -> None:
    language = "en"
    if "--language" in argv:
        at = argv.index("--language")
        language, argv = argv[at + 1], argv[:at] + argv[at + 2:]
    folder = Path(argv[1]) if len(argv) > 1 else REPO / "source"
    out = OUT if language == "en" else OUT / language
    out.mkdir(parents=True, exist_ok=True)
    for stem, path in find_notebooks(folder).items():
        if stem not in LESSONS:
            continue
        data = record(path, language)
        target = out / f"{stem}.json"
        target.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{target.relative_to(REPO)}: {len(data['demos'])} demos, {target.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main(sys.argv)
