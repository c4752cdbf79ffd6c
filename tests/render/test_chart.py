"""The chart: a headless PNG of a fixed size, also when areas (or everyone) gave no level."""

from __future__ import annotations

import struct

from bot.analysis import analyse
from bot.answers import AreaAnswer
from bot.frameworks import Framework, parse_framework
from bot.render.chart import HEIGHT_PX, WIDTH_PX, render_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, which always comes first."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png_of_fixed_size_also_with_an_area_nobody_rated(mini: Framework) -> None:
    report = analyse(mini, {"a": {"alpha": AreaAnswer(2, 3)}}, invited=2)
    assert png_size(render_chart(report, "es")) == (WIDTH_PX, HEIGHT_PX) == (1200, 800)


def test_chart_renders_without_targets_when_nobody_gave_a_level(mini: Framework) -> None:
    framework = parse_framework(mini.to_dict() | {"ask_target": False}, "mini")
    assert png_size(render_chart(analyse(framework, {}, invited=2), "de")) == (1200, 800)
