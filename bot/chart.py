"""The timeline as a picture (PNG), for Discord and `strikebot timeline --png`.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
state), so it is safe in a worker thread. Sized for Discord's preview on a phone
(about 350 px wide there): few events, large type, dates down one axis, each
event labelled beside its date, and one mark per source outlet (shape and colour,
in a key below)."""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from knowledge.models import display_date
from knowledge.record.timeline import Event

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_EVENTS = 12  # more do not read at preview size: the picture then shows the latest
WIDTH_IN, DPI = 7.2, 110
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")  # Okabe-Ito, colour-blind safe
LABEL_CHARS = 31  # per line, two lines at most


def _label(event: Event) -> str:
    """The article's words around the event (two lines at most)."""
    return "\n".join(textwrap.wrap(event.excerpt or event.text, LABEL_CHARS, max_lines=2, placeholder=" \u2026"))


def _date_label(event: Event) -> str:
    """The date beside the axis, short: "Oct. 19, 2007", "May 3\u20139, 2004" for a week; * when inferred."""
    text = event.when.replace(" (inferred)", "")
    if event.precision == "week":
        last = event.start + dt.timedelta(days=6)
        first_day = display_date(event.start.isoformat(), False)
        if last.month == event.start.month:
            text = f"{first_day.split(',')[0]}\u2013{last.day}, {last.year}"
        else:
            text = f"{first_day.split(',')[0]}\u2013{display_date(last.isoformat(), False)}"
    return text + ("*" if event.date_inferred else "")


def timeline_png(events: Sequence[Event], title: str = "Timeline of the talks") -> bytes:
    """The events (oldest first) as a PNG; at most MAX_EVENTS, the latest."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    shown = list(events)[-MAX_EVENTS:]
    if len(events) > len(shown):
        title += f" (latest {len(shown)} of {len(events)})"
    outlets: list[str] = []
    for event in shown:
        for source in event.sources:
            if source.outlet not in outlets:
                outlets.append(source.outlet)
    rows = max(len(shown), 1)
    height = 1.6 + 1.05 * rows + 0.35 * ((len(outlets) + 1) // 2)
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.30, 0.35 * ((len(outlets) + 1) // 2) / height + 0.55 / height, 0.68, 1 - 1.45 / height))
    axes.set_xlim(0, 10)
    axes.set_ylim(rows - 0.5, -0.5)
    positions = list(range(len(shown)))
    axes.set_yticks(positions, [_date_label(e) for e in shown], fontsize=13)
    axes.set_xticks([])
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_linewidth(2)
    axes.tick_params(axis="y", length=6, width=2)
    for y, event in enumerate(shown):
        for column, source in enumerate(dict.fromkeys(s.outlet for s in event.sources)):
            index = outlets.index(source)
            axes.plot(0.35 + 0.45 * column, y, marker=MARKERS[index % len(MARKERS)], color=COLOURS[index % len(COLOURS)],
                      markersize=11, linestyle="none", clip_on=False)
        x = 0.35 + 0.45 * len({s.outlet for s in event.sources}) + 0.1
        axes.text(x, y - 0.12, event.kind.upper(), va="bottom", ha="left", fontsize=12, fontweight="bold", color="#333333")
        axes.text(x, y - 0.10, _label(event), va="top", ha="left", fontsize=14, linespacing=1.05)
        if y and (event.start - shown[y - 1].start).days > 180:
            axes.axhline(y - 0.5, color="#999999", linestyle=(0, (4, 4)), linewidth=1)
    figure.suptitle(title, fontsize=17, fontweight="bold", x=0.02, ha="left")
    handles = [
        Line2D([], [], marker=MARKERS[i % len(MARKERS)], color=COLOURS[i % len(COLOURS)], linestyle="none", markersize=10, label=name or "?")
        for i, name in enumerate(outlets)
    ]
    if handles:
        figure.legend(handles=handles, loc="lower left", ncol=2, fontsize=13, frameon=False, bbox_to_anchor=(0.0, 0.0))
    if any(e.date_inferred for e in shown):
        figure.text(0.98, 0.01, "* date worked out from the article's date", fontsize=11, ha="right", va="bottom", color="#555555")
    if not shown:
        axes.text(5, 0, "No dated events found", ha="center", va="center", fontsize=14)
    return _small_png(figure)


def _small_png(figure: Figure) -> bytes:
    """The figure as a PNG of 64 colours (Pillow comes with matplotlib): a quarter of the bytes, the same to the eye."""
    from PIL import Image

    canvas = figure.canvas
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=64).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
