"""Progress bars that draw as a widget in Jupyter and as text in a terminal.

The description is a text of the edition's catalogue (``desc="epochs"`` in a cell is an entry,
instructor/authoring/translations.py), shown in the notebook's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from tqdm.auto import tqdm

from .language import translate_message

T = TypeVar("T")


def progress_bar(iterable: Iterable[T], desc: str = "", total: int | None = None,
                 leave: bool = True) -> Iterable[T]:
    return tqdm(iterable, desc=translate_message(desc) if desc else desc, total=total, leave=leave)
