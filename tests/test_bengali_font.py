"""Bengali in plots: the shipped Noto Sans Bengali font draws and shapes Bengali titles and labels.

Without a Bengali font Matplotlib draws every Bengali letter as a box; with the course's set-up
(``coursekit.bengali_font.use_bengali_font``, applied by ``coursekit.plotting`` in the Bengali
edition) the letters exist, conjuncts are shaped into one glyph, and Latin text keeps DejaVu Sans.
Every test runs inside ``matplotlib.rc_context``, so the rcParams it changes are restored.
"""

from __future__ import annotations

import importlib
import io
import warnings

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.textpath import TextToPath

from coursekit import bengali_font
from coursekit.bengali_font import FONT_FILE, use_bengali_font

KA, VIRAMA, SSA = "\u0995", "\u09cd", "\u09b7"  # ক ্ ষ
KSSA = KA + VIRAMA + SSA  # the conjunct ক্ষ: three code points, one glyph when shaped
EXAM = "পরীক্ষা"  # "exam": 7 code points, among them the conjunct and two vowel signs
TITLE = "প্রশিক্ষণের ক্ষতি"  # "training loss"
MISSING_GLYPH = r"Glyph \d+ .* missing from font"
DEFAULT_FAMILY = matplotlib.rcParamsDefault["font.family"]  # ["sans-serif"]: DejaVu Sans first


@pytest.fixture(autouse=True)
def _restore_rcparams():
    with matplotlib.rc_context():
        yield


def _font_for_current_rcparams(size: float = 12) -> FT2Font:
    """The font, with its fallbacks, that Matplotlib draws text with under the current rcParams
    (what the Agg renderer builds: one font file per family in ``font.family``, in order)."""
    paths = [font_manager.findfont(font_manager.FontProperties(family=[family]),
                                   fallback_to_default=False)
             for family in matplotlib.rcParams["font.family"]]
    font = font_manager.get_font(paths)
    font.set_size(size, 72)
    return font


def _glyphs(text: str) -> list[str]:
    """The glyphs Matplotlib lays out for ``text`` (shaped by libraqm), as font-glyph ids."""
    glyph_info, _, _ = TextToPath().get_glyphs_with_font(_font_for_current_rcparams(), text)
    return [glyph_id for glyph_id, *_ in glyph_info]


def _bengali_figure() -> Figure:
    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [0.9, 0.5, 0.3], label="প্রশিক্ষণ")
    ax.plot([1, 2, 3], [1.0, 0.7, 0.6], label="যাচাই")
    ax.set_title(TITLE)
    ax.set_xlabel("ইপক (epoch)")
    ax.set_ylabel("ক্ষতি")
    ax.legend()
    return fig


def test_the_shipped_font_is_noto_sans_bengali_and_has_bengali_letters():
    """The shipped file loads, is Noto Sans Bengali, and maps Bengali letters to real glyphs
    (which DejaVu Sans, Matplotlib's default, does not: index 0 is the missing-glyph box)."""
    font = FT2Font(str(FONT_FILE))
    assert font.family_name == "Noto Sans Bengali"
    assert all(font.get_char_index(ord(char)) for char in KSSA + EXAM + TITLE.replace(" ", ""))
    dejavu = FT2Font(font_manager.findfont("DejaVu Sans", fallback_to_default=False))
    assert dejavu.get_char_index(ord(KA)) == 0
    assert (FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE")


def test_the_conjunct_is_shaped_into_one_glyph():
    """With the course's set-up, ক্ষ (ক + ্ + ষ) is laid out as ONE glyph, a conjunct glyph that
    is none of the three letters' own glyphs, and পরীক্ষা's 7 code points as 5 glyphs: Matplotlib
    shapes Bengali (libraqm/HarfBuzz), it does not place the letters one by one. Without the
    set-up the same text is three missing-glyph boxes."""
    with warnings.catch_warnings(), matplotlib.rc_context({"font.family": DEFAULT_FAMILY}):
        warnings.simplefilter("ignore")  # Matplotlib's default font: three boxes, and warnings
        assert len(_glyphs(KSSA)) == 3

    use_bengali_font()
    noto = FT2Font(str(FONT_FILE))
    own_glyphs = {noto.get_char_index(ord(char)) for char in KSSA}
    assert 0 not in own_glyphs and len(own_glyphs) == 3

    conjunct = _glyphs(KSSA)
    assert len(conjunct) == 1, conjunct
    assert conjunct[0].startswith("NotoSansBengali")
    assert int(conjunct[0].rsplit("-", 1)[1], 16) not in own_glyphs  # ids end in hex
    assert len(_glyphs(EXAM)) == 5
    # The public FT2Font API agrees: one glyph position for the conjunct.
    assert len(_font_for_current_rcparams().set_text(KSSA)) == 1


def test_a_bengali_figure_renders_without_missing_glyphs_and_warns_without_the_font():
    """A figure with a Bengali title, axis labels and legend renders to PNG with every warning
    an error once the font is set up; the same figure with Matplotlib's default font warns of
    missing glyphs (so the first half is not vacuous)."""
    with matplotlib.rc_context({"font.family": DEFAULT_FAMILY}), \
            pytest.warns(UserWarning, match=MISSING_GLYPH):
        _bengali_figure().savefig(io.BytesIO(), format="png")

    use_bengali_font()
    png = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _bengali_figure().savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


def test_latin_text_keeps_the_latin_font_first():
    """After the set-up DejaVu Sans is still the first family, draws Latin text (digits, code
    names), and Noto Sans Bengali is only the fallback for what DejaVu Sans lacks."""
    use_bengali_font()
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", "Noto Sans Bengali"]
    assert font_manager.findfont(font_manager.FontProperties()).endswith("DejaVuSans.ttf")
    assert all(glyph.startswith("DejaVuSans") for glyph in _glyphs("loss 0.25 x_train"))
    mixed = _glyphs(f"{KSSA} 3")
    assert mixed[0].startswith("NotoSansBengali") and mixed[-1].startswith("DejaVuSans")


def test_the_set_up_is_idempotent_and_silent(capsys):
    """Calling it again neither adds the font twice to the font manager nor prints anything."""
    use_bengali_font()
    use_bengali_font()
    entries = [entry for entry in font_manager.fontManager.ttflist
               if entry.fname == str(FONT_FILE)]
    assert len(entries) == 1
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("language, families", [
    ("bn", bengali_font.FAMILIES),
    ("en", ["sans-serif"]),
])
def test_coursekit_plotting_sets_the_font_up_in_the_bengali_edition_only(
        monkeypatch, language, families):
    """Importing ``coursekit.plotting`` (what the notebooks do) applies the set-up when the
    notebook's language is Bengali, and leaves English notebooks' fonts alone."""
    import coursekit.plotting

    monkeypatch.setenv("COURSEKIT_LANGUAGE", language)
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    importlib.reload(coursekit.plotting)
    assert matplotlib.rcParams["font.family"] == families
