"""A small grayscale image drawn with half blocks (``▀``: top pixel fg, bottom pixel bg).

Each terminal cell shows two stacked pixels, and every image pixel is scaled up
(2x by default) so an 8x8 digit becomes 16 columns by 8 rows: square on screen.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from drillbreak.tui.widgets import default_css

__all__ = ["MIN_TEXT_WIDTH", "HalfBlockImage", "render_halfblock"]

MIN_TEXT_WIDTH = 16


def _grey(value: int) -> Color:
    v = max(0, min(255, int(value)))
    return Color.from_rgb(v, v, v)


def render_halfblock(
    pixels: Sequence[int],
    width: int,
    height: int,
    *,
    scale: int = 2,
    title: str = "",
    caption: str = "",
    text_width: int | None = None,
) -> Text:
    """``pixels`` (row-major, 0..255, ``width * height`` of them) as half-block text.

    ``title`` and ``caption`` are wrapped to ``text_width`` (default: the image width,
    at least :data:`MIN_TEXT_WIDTH`) so a row of images stays narrow.
    """
    if len(pixels) != width * height:
        raise ValueError(f"{len(pixels)} pixels for a {width}x{height} image")
    out = Text(no_wrap=True)
    wrap_at = text_width or max(width * scale, MIN_TEXT_WIDTH)
    for line in _wrap(title, wrap_at):
        out.append(line + "\n", style="bold")
    big_w, big_h = width * scale, height * scale

    def at(x: int, y: int) -> int:
        return pixels[(y // scale) * width + (x // scale)]

    for row in range(0, big_h, 2):
        for x in range(big_w):
            top = at(x, row)
            bottom = at(x, row + 1) if row + 1 < big_h else 0
            out.append("▀", style=Style(color=_grey(top), bgcolor=_grey(bottom)))
        out.append("\n")
    out.append("\n".join(_wrap(caption, wrap_at)), style="dim")
    out.rstrip()
    return out


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) if text else []


class HalfBlockImage(Widget):
    """A grayscale image with an optional title above and caption below."""

    DEFAULT_CSS = default_css(__file__)

    def __init__(
        self,
        pixels: Sequence[int],
        width: int,
        height: int,
        *,
        scale: int = 2,
        title: str = "",
        caption: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._image = (list(pixels), width, height)
        self.scale = scale
        self.image_title = title
        self.caption = caption
        render_halfblock(self._image[0], width, height, scale=scale)  # validate now

    def set_image(
        self,
        pixels: Sequence[int],
        width: int,
        height: int,
        *,
        title: str | None = None,
        caption: str | None = None,
    ) -> None:
        """Replace the image (and optionally its title and caption)."""
        render_halfblock(pixels, width, height, scale=self.scale)
        self._image = (list(pixels), width, height)
        if title is not None:
            self.image_title = title
        if caption is not None:
            self.caption = caption
        self.refresh(layout=True)

    def render(self) -> Text:
        pixels, width, height = self._image
        return render_halfblock(
            pixels, width, height, scale=self.scale, title=self.image_title, caption=self.caption
        )

    def _text_width(self) -> int:
        return max(self._image[1] * self.scale, MIN_TEXT_WIDTH)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        wrapped = _wrap(self.image_title, self._text_width()) + _wrap(
            self.caption, self._text_width()
        )
        return max([self._image[1] * self.scale, *(len(line) for line in wrapped)])

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        rows = (self._image[2] * self.scale + 1) // 2
        text_width = self._text_width()
        return (
            rows + len(_wrap(self.image_title, text_width)) + len(_wrap(self.caption, text_width))
        )
