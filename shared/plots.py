"""Notebook figures as small PNG files: a few tens of KB each instead of hundreds.

Call ``compact_figures()`` once after importing matplotlib in a notebook: every figure it shows is then
rendered at ``dpi`` and stored with a palette of ``colors`` colours (plots use a handful), so the
committed notebooks stay light to review and quick to load.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def compact_png(figure: Figure, dpi: int = 80, colors: int = 64) -> bytes:
    """``figure`` as a palette PNG (no dithering: flat colours stay flat and compress well)."""
    from PIL import Image

    rendered = io.BytesIO()
    figure.savefig(rendered, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    image = Image.open(rendered).convert("RGB")
    palette = image.quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    compact = io.BytesIO()
    palette.save(compact, format="png", optimize=True)
    return compact.getvalue()


def compact_figures(dpi: int = 80, colors: int = 64) -> None:
    """Show this notebook's matplotlib figures through ``compact_png`` (does nothing outside IPython)."""
    import matplotlib.pyplot as plt
    from IPython import get_ipython
    from matplotlib.figure import Figure

    shell = get_ipython()
    if shell is None:
        return
    plt.close(plt.figure())  # load the inline backend now: it resets the formatters when it loads
    formatters = shell.display_formatter.formatters
    for mime in ("image/svg+xml", "image/jpeg", "application/pdf"):
        formatters[mime].pop(Figure, None)
    formatters["image/png"].for_type(Figure, lambda figure: compact_png(figure, dpi, colors))
