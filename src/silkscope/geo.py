"""Great-circle distances, shared by the partner distances, the demo trade flows and the spatial
weights; and the user's province boundaries (GeoJSON) for the report's choropleths."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def haversine_km(lon1, lat1, lon2, lat2, radius_km: float = EARTH_RADIUS_KM):
    """Great-circle distance in km between points given in degrees, by the haversine formula
    (Sinnott 1984); broadcasts like numpy."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


#: GeoJSON geometry types (RFC 7946, section 3.1) and the nesting depth of their coordinates.
GEOMETRY_DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
AREA_TYPES = ("Polygon", "MultiPolygon")
#: Largest GeoJSON file read: a detailed national set of province boundaries is a few tens of MB.
MAX_GEOJSON_BYTES = 200 * 1024 * 1024


def read_province_geometry(path: str | Path) -> dict:
    """A user's province boundaries (GeoJSON FeatureCollection, RFC 7946) with each feature's ``id``
    set to its GB/T 2260 unit id, found from any property that names or codes a province
    (``adcode``, ``code``, ``name``, 中文名 ...). Features that are no province (Hong Kong, Macao,
    Taiwan, sea lines) are kept out. Everything else is checked as RFC 7946 says and refused with the
    feature named: invalid JSON, not a FeatureCollection, a feature or its properties of the wrong
    type, a province without polygon geometry, coordinates that are not finite [lon, lat] numbers
    within range, rings with fewer than four positions, a province given twice."""
    import json

    from silkscope.errors import InputError
    from silkscope.reference import UnitResolver, province_name, provinces

    path = Path(path)
    hint = "give a GeoJSON FeatureCollection of province polygons, e.g. as exported by QGIS or mapshaper"
    try:
        if not path.is_file():
            raise InputError("is not a file", file=path, hint=hint)
        size = path.stat().st_size
        if size > MAX_GEOJSON_BYTES:
            raise InputError(
                f"is {size / 2**20:,.0f} MB, more than the {MAX_GEOJSON_BYTES // 2**20} MB read as "
                "province geometry",
                file=path,
                hint="simplify the boundaries (e.g. mapshaper -simplify 10%)",
            )
        text = path.read_bytes().decode("utf-8-sig")
        data = json.loads(text, parse_constant=_refuse_constant)
    except InputError:
        raise
    except RecursionError as exc:
        raise InputError("cannot be read as GeoJSON: nested too deeply", file=path, hint=hint) from exc
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InputError(f"cannot be read as GeoJSON: {exc}", file=path, hint=hint) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"is not a GeoJSON FeatureCollection (found {str(found)[:60]!r})", file=path, hint=hint
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InputError("'features' is not a list of features", file=path, hint=hint)
    resolver = UnitResolver()
    known = set(provinces()["unit_id"].astype(str))
    problems: list[str] = []
    kept: dict[str, dict] = {}
    for number, feature in enumerate(features, 1):
        where = f"feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f'{where}: not a GeoJSON Feature (an object with "type": "Feature")')
            continue
        props = feature.get("properties")
        if props is not None and not isinstance(props, dict):
            problems.append(f"{where}: 'properties' is not an object")
            continue
        unit = next(
            (
                u
                for v in (props or {}).values()
                if isinstance(v, str | int) and not isinstance(v, bool) and len(str(v)) < 200
                and (u := resolver.resolve(v)) in known
            ),
            None,
        )  # fmt: skip
        geometry = feature.get("geometry")
        wrong = _geometry_problem(geometry)
        if unit is None:
            if wrong and geometry is not None:  # not a province, but still not GeoJSON
                problems.append(f"{where}: {wrong}")
            continue
        where = f"{where} ({province_name(unit, 'en')})"
        if geometry is None or wrong:
            problems.append(f"{where}: {wrong or 'no geometry'}")
        elif geometry["type"] not in AREA_TYPES:
            problems.append(f"{where}: a {geometry['type']}, not a Polygon or MultiPolygon boundary")
        elif unit in kept:
            problems.append(f"{where}: the province is given twice")
        else:
            kept[unit] = {**feature, "id": unit}
    if problems:
        raise InputError(
            f"{len(problems)} feature(s) cannot be used: " + "; ".join(problems[:10])
            + (f"; ... and {len(problems) - 10} more" if len(problems) > 10 else ""),
            file=path,
            hint=hint,
        )  # fmt: skip
    if not kept:
        raise InputError(
            "no feature names or codes a mainland province",
            file=path,
            hint="give each feature a property with the GB/T 2260 code (e.g. adcode 110000) or the name",
        )
    return {"type": "FeatureCollection", "features": list(kept.values())}


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number GeoJSON allows")


def _geometry_problem(geometry: object) -> str | None:
    """What is wrong with a GeoJSON geometry object, or None when it is well formed."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict):
        return "'geometry' is not an object"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list):
            return "a GeometryCollection without a 'geometries' list"
        if any(isinstance(g, dict) and g.get("type") == "GeometryCollection" for g in parts):
            return "a GeometryCollection inside a GeometryCollection (RFC 7946, 3.1.8: avoid)"
        return next((p for g in parts if (p := _geometry_problem(g))), None)
    if kind not in GEOMETRY_DEPTH:
        return f"unknown geometry type {str(kind)[:40]!r}"
    if "coordinates" not in geometry:
        return f"a {kind} without 'coordinates'"
    return _coordinates_problem(geometry["coordinates"], GEOMETRY_DEPTH[kind], kind)


def _coordinates_problem(value: object, depth: int, kind: str) -> str | None:
    if depth == 1:
        ok = (
            isinstance(value, list)
            and 2 <= len(value) <= 3
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
            )
        )
        if not ok:
            return f"{kind} position {str(value)[:60]} is not [longitude, latitude] in numbers"
        if not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
            return f"{kind} position {str(value)[:60]} is outside longitude -180..180, latitude -90..90"
        return None
    if not isinstance(value, list):
        return f"{kind} coordinates nest {str(value)[:40]!r} where a list is expected"
    if kind in AREA_TYPES and depth == 2 and len(value) < 4:
        return f"a {kind} ring has {len(value)} positions; a closed ring needs at least 4"
    if kind in AREA_TYPES and depth == 3 and not value:
        return f"a {kind} polygon has no ring"
    return next((p for v in value if (p := _coordinates_problem(v, depth - 1, kind))), None)
