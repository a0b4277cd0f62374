"""Plotly figures embedded offline: the plotly.js bundled with the package is inlined once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
    """An HTML ``<div>`` for ``fig`` that relies on plotly.js being inlined in the page; a map
    (geo trace) is preceded by the inlined world topojson (:func:`geo_assets_script`)."""
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)
    return geo_assets_script() + html if has_geo(fig) else html


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


# --- world maps --------------------------------------------------------------------------------
#: The topojson name plotly.js asks for at scope "world", resolution 110 (``<scope>_<res>m``).
WORLD_TOPOJSON_NAME = "world_110m"
#: Where the world geometry comes from, for the methods appendix and the sources table.
WORLD_GEOMETRY_SOURCE = (
    "Natural Earth 1:110m Admin-0 countries (public domain), the copy shipped with pyogrio "
    "(naturalearth_lowres, MIT licence); converted to topojson by silkscope"
)
#: Natural Earth leaves ISO_A3 at -99 for these; their ISO 3166-1 codes by name.
_ISO3_BY_NAME = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}
_GEO_TRACES = {"choropleth", "scattergeo"}


def _natural_earth_path():
    """The Natural Earth 1:110m countries shapefile that pyogrio ships, or None."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("pyogrio")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
    return path if path.is_file() else None


@cache
def world_topojson() -> dict | None:
    """World countries as a topojson in the layout plotly.js expects of ``world_110m``: objects
    ``countries`` (ids = ISO3, for ``locationmode="ISO-3"``), ``land`` and ``coastlines``; one
    arc per ring, coordinates in degrees rounded to 0.01, exterior rings clockwise (d3-geo's
    spherical convention). None when the geometry is not installed."""
    path = _natural_earth_path()
    if path is None:
        return None
    import pyogrio.raw
    import shapely
    from shapely.geometry.polygon import orient

    meta, _, wkb, fields = pyogrio.raw.read(path, columns=["name", "iso_a3"])
    columns = dict(zip(meta["fields"], fields, strict=True))
    arcs: list[list[list[float]]] = []

    def ring(coords) -> int:
        points = [[round(x, 2), round(y, 2)] for x, y in coords]
        arcs.append(points)
        return len(arcs) - 1

    geometries = []
    for name, iso3, blob in zip(columns["name"], columns["iso_a3"], wkb, strict=True):
        shape = shapely.from_wkb(blob)
        polygons = list(shape.geoms) if shape.geom_type == "MultiPolygon" else [shape]
        parts = []
        for polygon in polygons:
            polygon = orient(polygon, sign=-1.0)
            parts.append([[ring(polygon.exterior.coords)], *([ring(r.coords)] for r in polygon.interiors)])
        code = _ISO3_BY_NAME.get(str(name), str(iso3))
        geometries.append({"type": "MultiPolygon", "arcs": parts, "id": code})
    land = [{"type": g["type"], "arcs": g["arcs"]} for g in geometries]
    return {
        "type": "Topology",
        "arcs": arcs,
        "objects": {
            "countries": {"type": "GeometryCollection", "geometries": geometries},
            "land": {"type": "GeometryCollection", "geometries": land},
            "coastlines": {"type": "GeometryCollection", "geometries": land},
        },
    }


def geo_assets_script() -> str:
    """A ``<script>`` giving plotly.js the world topojson (``window.PlotlyGeoAssets``), so geo
    figures draw without fetching it from the plotly CDN; empty when it is not available."""
    import json

    topo = world_topojson()
    if topo is None:
        return ""
    data = json.dumps(topo, separators=(",", ":")).replace("</", "<\\/")
    return (
        "<script>window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};"
        "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};"
        f'window.PlotlyGeoAssets.topojson["{WORLD_TOPOJSON_NAME}"] = {data};</script>'
    )


def has_geo(fig: go.Figure) -> bool:
    return any(trace.type in _GEO_TRACES for trace in fig.data)


def world_choropleth(
    values: dict[str, float],
    hover: dict[str, str] | None = None,
    title: str = "",
    colorbar_title: str = "",
    categories: dict[int, str] | None = None,
    colours: tuple[str, ...] = ("#7a1f1f", "#e07b39", "#f6d55c", "#9cc5a1", "#3d7ea6"),
) -> go.Figure:
    """Countries (ISO3 keys) coloured by value on a Natural Earth projection of the world.

    With ``categories`` ({value: label}, values 1..k) the colours are discrete, one per category
    (the first colour for 1); otherwise a continuous scale. Countries without a value are grey.
    The figure needs :func:`geo_assets_script` in the page (``figure_div`` adds it)."""
    codes = list(values)
    z = [values[c] for c in codes]
    text = [(hover or {}).get(c, c) for c in codes]
    trace: dict = {
        "locations": codes,
        "locationmode": "ISO-3",
        "z": z,
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "marker": {"line": {"color": "white", "width": 0.5}},
    }
    if categories:
        keys = sorted(categories)
        k = len(keys)
        palette = [colours[i % len(colours)] for i in range(k)]
        scale = []
        for i, colour in enumerate(palette):
            scale += [[i / k, colour], [(i + 1) / k, colour]]
        trace.update(
            zmin=keys[0] - 0.5,
            zmax=keys[-1] + 0.5,
            colorscale=scale,
            colorbar={
                "title": colorbar_title,
                "tickvals": keys,
                "ticktext": [categories[v] for v in keys],
            },
        )
    else:
        trace.update(colorscale="YlOrRd", colorbar={"title": colorbar_title})
    fig = go.Figure(go.Choropleth(**trace))
    fig.update_geos(
        scope="world",
        resolution=110,
        projection_type="natural earth",
        showland=True,
        landcolor="#e5e5e5",
        showcountries=True,
        countrycolor="white",
        showcoastlines=False,
        showocean=False,
        showlakes=False,
        showrivers=False,
        showframe=False,
        lataxis_range=[-58, 85],
    )
    fig.update_layout(title=title, height=480, margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return fig


def load_province_geometry(path: str | Path) -> dict:
    """A user's province boundaries, read and checked by :func:`silkscope.geo.read_province_geometry`."""
    from silkscope.geo import read_province_geometry

    return read_province_geometry(path)


def province_map(
    values: dict[str, float],
    names: dict[str, str],
    title: str = "",
    colorbar_title: str = "",
    geometry: dict | None = None,
) -> go.Figure:
    """The tile-grid cartogram, or a choropleth when the user gave province geometry."""
    if geometry is None:
        return province_tile_map(values, names, title, colorbar_title)
    ids = [f["id"] for f in geometry["features"]]
    fig = go.Figure(
        go.Choropleth(
            geojson=geometry,
            locations=ids,
            z=[values.get(i) for i in ids],
            text=[names.get(i, i) for i in ids],
            hovertemplate="%{text}: %{z:.2f}<extra></extra>",
            colorscale="YlOrRd",
            colorbar={"title": colorbar_title},
            marker_line_color="white",
        )
    )
    fig.update_geos(fitbounds="locations", visible=False)
    fig.update_layout(title=title, height=560, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig
