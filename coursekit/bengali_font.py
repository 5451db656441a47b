"""Bengali text in plots: the shipped Noto Sans Bengali font, used as a fallback after a Latin one.

Matplotlib's default font (DejaVu Sans) has no Bengali letters: without a Bengali font every
letter of a Bengali title, label or legend is drawn as an empty box (with a "Glyph ... missing
from font(s)" warning). Matplotlib 3.11 lays out text with libraqm (HarfBuzz), so once a font
with Bengali glyphs is available it also *shapes* Bengali properly: vowel signs move around their
consonant and conjuncts such as ক্ষ (ক + ্ + ষ) become the font's single conjunct glyph.

``use_bengali_font()`` registers ``coursekit/fonts/NotoSansBengali-Regular.ttf`` (SIL Open Font
License, see ``coursekit/fonts/``) and makes ``font.family`` a fallback list with a Latin font
first, so numbers, code-like names and English keep their usual look and only the characters
DejaVu Sans lacks come from Noto Sans Bengali (Matplotlib >= 3.6 falls back glyph by glyph).
``coursekit.plotting`` calls it on import when the notebook is Bengali (``coursekit.language``).

Keep Bengali out of ``$...$`` math: mathtext places characters one by one, without shaping,
so a Bengali word inside math falls apart into separate letters and marks.
"""

from __future__ import annotations

from pathlib import Path

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansBengali-Regular.ttf"
BENGALI_FAMILY = "Noto Sans Bengali"
LATIN_FAMILY = "DejaVu Sans"  # Matplotlib's own default, shipped with every Matplotlib
FAMILIES = [LATIN_FAMILY, BENGALI_FAMILY]


def use_bengali_font() -> None:
    """Register the shipped Bengali font and use it after the Latin one (idempotent, silent)."""
    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    if not any(entry.fname == str(FONT_FILE) for entry in manager.ttflist):
        manager.addfont(FONT_FILE)  # once per process: adding it again would duplicate entries
    matplotlib.rcParams["font.family"] = list(FAMILIES)
