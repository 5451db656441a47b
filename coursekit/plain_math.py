"""Math of a plot text as plain Unicode, for a text that also holds Bengali words.

Matplotlib draws a text with any ``$...$`` entirely with mathtext, letter by letter in its math
fonts: the Bengali words around the math would lose their conjuncts and vowel signs and come out
as boxes. So in such a text the math becomes ordinary characters (``$x_1$`` -> x₁,
``$\\partial L/\\partial x$`` -> ∂L/∂x, ``$p_y$`` -> p[y] where Unicode has no subscript letter),
which the normal text path shapes with the Bengali font after DejaVu Sans. Covers the notation
the course's plots use; anything else stays as written.
"""

from __future__ import annotations

import re

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ",
    "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "leq": "≤", "geq": "≥", "neq": "≠",
    "approx": "≈", "infty": "∞", "sum": "∑", "to": "→", "ln": "ln", "log": "log", "exp": "exp",
    "max": "max", "min": "min", "sin": "sin", "cos": "cos", "tanh": "tanh",
}
SPACES = {",": "\u2009", ";": " ", ":": " ", "!": "", " ": " ", "quad": "  "}
SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SUP = dict(zip("0123456789+-=()inT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿᵀ"))
_MATH = re.compile(r"(?<!\\)\$(.*?)(?<!\\)\$", re.DOTALL)
_WRAPPER = re.compile(r"\\(?:mathrm|text|mathit|mathbf|operatorname)\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([A-Za-z]+)( ?)|\\([,;:! ])")
OPERATORS = {"ln", "log", "exp", "max", "min", "sin", "cos", "tanh"}  # keep the space after them
_SCRIPT = re.compile(r"([_^])(\{[^{}]*\}|\\?.)")


def _script(match: re.Match) -> str:
    kind, body = match.group(1), match.group(2)
    inner = body[1:-1] if body.startswith("{") else body
    table = SUB if kind == "_" else SUP
    if inner and all(char in table for char in inner):
        return "".join(table[char] for char in inner)
    if kind == "_":  # no Unicode subscript (c, y...): an index, as the code writes it, p[y]
        return f"[{inner}]"
    return kind + (inner if len(inner) == 1 else f"({inner})")


def _command(match: re.Match) -> str:
    name, space, symbol = match.groups()
    if symbol:
        return SPACES[symbol]
    if name in SPACES:
        return SPACES[name]
    if name not in SYMBOLS:
        return match.group(0)
    # A symbol eats the space after it, as in TeX; an operator (ln, max...) keeps it.
    return SYMBOLS[name] + (space if name in OPERATORS else "")


def plain(math: str) -> str:
    """One formula (without its dollars) as plain text."""
    text = _WRAPPER.sub(r"\1", math)
    text = _COMMAND.sub(_command, text)
    text = _SCRIPT.sub(_script, text)
    text = text.replace("-", "−").replace("{", "").replace("}", "")
    return text


def without_math(text: str) -> str:
    """``text`` with each ``$...$`` written out in plain Unicode."""
    return _MATH.sub(lambda m: plain(m.group(1)), text)
