"""Progress bars that draw as a widget in Jupyter and as text in a terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress_bar(iterable: Iterable[T], desc: str = "", total: int | None = None,
                 leave: bool = True) -> Iterable[T]:
    return tqdm(iterable, desc=desc, total=total, leave=leave)
