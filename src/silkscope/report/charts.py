"""Plotly figures embedded offline: the plotly.js bundled with the package is inlined once."""

from __future__ import annotations

from functools import cache

import plotly.graph_objects as go

PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToAdd": ["toImage"],
}


@cache
def plotly_js() -> str:
    """The plotly.js source shipped inside the plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def figure_div(fig: go.Figure, div_id: str) -> str:
    """An HTML ``<div>`` for ``fig`` that relies on plotly.js being inlined in the page."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)


def province_tile_map(
    values: dict[str, float], names: dict[str, str], title: str = "", colorbar_title: str = ""
) -> go.Figure:
    """Provinces as a tile-grid cartogram (reference/province_tilegrid.csv), coloured by value.

    Equal squares keep small provinces readable and draw no boundaries.
    """
    import pandas as pd

    from silkscope.paths import REFERENCE_DIR

    grid = pd.read_csv(REFERENCE_DIR / "province_tilegrid.csv", dtype={"unit_id": str})
    grid["value"] = grid["unit_id"].map(values)
    grid["name"] = grid["unit_id"].map(names).fillna(grid["abbr"])
    labels = [
        f"{name}<br>{value:.1f}" if pd.notna(value) else f"{name}<br>–"
        for name, value in zip(grid["name"], grid["value"], strict=True)
    ]
    fig = go.Figure(
        go.Scatter(
            x=grid["col"],
            y=-grid["row"],
            mode="markers+text",
            text=labels,
            textfont={"size": 10, "color": _text_colours(grid["value"])},
            hovertext=[
                f"{n}: {v:.2f}" if pd.notna(v) else n
                for n, v in zip(grid["name"], grid["value"], strict=True)
            ],
            hoverinfo="text",
            marker={
                "symbol": "square",
                "size": 54,
                "color": grid["value"],
                "colorscale": "YlOrRd",
                "showscale": True,
                "colorbar": {"title": colorbar_title},
                "line": {"width": 1, "color": "white"},
            },
        )
    )
    fig.update_layout(
        title=title,
        xaxis={"visible": False, "range": [-0.6, 7.6]},
        yaxis={"visible": False, "range": [-7.6, 0.6], "scaleanchor": "x"},
        height=560,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
    )
    return fig


def _text_colours(values) -> list[str]:
    """White labels on the darkest third of the colour scale, dark labels elsewhere."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    cut = lo + (hi - lo) * 2 / 3
    return ["white" if np.isfinite(x) and x > cut else "#1f2933" for x in v]
