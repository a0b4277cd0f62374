"""The dashboard's FastAPI app: JSON endpoints (OpenAPI at ``/openapi.json``) and the static page.

Endpoints (all read-only over the data; nothing is written to the workspace):

* ``GET /api/meta`` — units, years, the framework tree with zh/en names, languages, demo flag;
* ``GET /api/i18n?lang=`` — the ``web.*`` texts of the zh/en catalogues;
* ``GET /api/ranking?year=&lang=&node=`` — unit, name, score, rank, group (+ pillar scores);
* ``GET /api/profile/{unit_id}?year=&lang=`` — pillar scores, indicators with strengths and
  weaknesses (top/bottom by normalised score) and the trend over years;
* ``GET /api/compare?a=&b=&year=&lang=`` — two units side by side at every node;
* ``POST /api/index`` — ``{"weights": {node: w}, "year": ...}`` recomputed scores and ranks;
* ``GET /api/trade/indicators?reporter=`` and ``GET /api/partners/tiers`` — the SYNTHETIC demo
  trade flows' indicators and partner tiers, computed on first use and cached;
* ``GET /api/topics?lang=`` and ``GET /api/topics/{id}?lang=`` — the report's topic sections
  (clusters, efficiency, the registered modules) the study has, and one of them as JSON
  (:mod:`silkscope.web.topics`), built on first use and cached;
* ``GET /api/download/{table}.csv|.xlsx`` — the tables behind the pages (fixed allow-list).

Slider weights are *relative* within a parent: a node not given keeps its current share times the
number of its siblings, so 1 for every child means equal weights and 2 doubles one child against
siblings left at 1. Recomputing re-uses the normalised matrix and weights of the base build kept
for the life of the process, so it costs one aggregation pass (``score_tree``) and a ranking.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Body, FastAPI, Query, Request
from fastapi import Path as Path_
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from silkscope import __version__
from silkscope.errors import SilkscopeError
from silkscope.i18n import LANGUAGES, catalogue
from silkscope.io.writers import csv_safe, workbook_bytes
from silkscope.reference import country_name
from silkscope.report.builder import ReportInputs, demo_inputs, workspace_inputs
from silkscope.web.state import ApiError, IndexState, LazyCache, json_float, json_records
from silkscope.web.topics import TopicError, Topics

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Tables the download endpoint serves; any other name is refused.
TABLES = (
    "ranking",
    "scores",
    "profile",
    "trend",
    "compare",
    "weights",
    "framework",
    "trade_indicators",
    "partner_tiers",
    "coverage",
    "excluded",
    "topic",
)
FORMATS = ("csv", "xlsx")
_REPORTER = re.compile(r"^[A-Za-z]{3}$")
_DOWNLOAD = re.compile(r"^([a-z_]{1,40})\.([a-z]{1,5})$")
_TOPIC_ID = "^[a-z][a-z0-9_]{0,39}$"


class IndexRequest(BaseModel):
    """Body of ``POST /api/index``; strict JSON types (``false`` or ``"2"`` is not a weight or a year)."""

    model_config = ConfigDict(strict=True)

    weights: dict[str, float] = Field(
        default_factory=dict,
        description="Relative weight of nodes within their parent (>= 0); nodes left out keep theirs. "
        "The children of one node may not all be given 0 (400: their shares would be 0/0).",
        examples=[{"productive_force": 2, "influence": 1, "driving_force": 1}],
    )
    year: int | None = Field(None, description="Year to rank (default: the latest).")
    node: str | None = Field(None, description="Node to rank by (default: the index).")
    lang: str = Field("en", description="zh|en, for names.")


class ErrorBody(BaseModel):
    """Body of every error response (4xx): the message (cut to 500 characters) and the status."""

    error: str = Field(description="What was wrong with the request, and what is accepted.")
    status: int = Field(description="The HTTP status, repeated.")


#: Error responses every operation documents (OpenAPI), all with an :class:`ErrorBody`.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter outside what the data offers (see /api/meta)"},
    404: {"model": ErrorBody, "description": "No such unit, reporter, table or result"},
    413: {"model": ErrorBody, "description": "Request body over 64 kB"},
    422: {"model": ErrorBody, "description": "A parameter of the wrong type or form"},
}


def _one_of(values: list[Any] | tuple[Any, ...]) -> dict[str, Any]:
    """OpenAPI ``enum`` of a parameter whose values the data decides (years, nodes, languages);
    documented only, the endpoint checks the value itself and names what is accepted."""
    return {"enum": list(values)}


def _weights_pattern(nodes: list[str]) -> str:
    """The regular expression of a ``weights`` query parameter: ``NODE:NUMBER,...`` with NODE one
    of ``nodes`` and NUMBER a weight from 0 to 999.999999 (the API's limit is 1,000)."""
    node = "(?:" + "|".join(re.escape(n) for n in nodes) + ")"
    pair = rf"{node}:[0-9]{{1,3}}(?:\.[0-9]{{1,6}})?"
    return rf"^{pair}(?:,{pair})*$"


# -- the data behind the dashboard ---------------------------------------------------------------
def _lang(lang: str | None) -> str:
    lang = "en" if lang is None else lang
    if lang not in LANGUAGES:
        raise ApiError(400, f"unknown language '{lang}'; expected one of {', '.join(LANGUAGES)}")
    return lang


#: Longest error message sent back: a message quoting a 100 kB parameter must not echo it.
MAX_ERROR_CHARS = 500


def _error(status: int, message: str) -> JSONResponse:
    if len(message) > MAX_ERROR_CHARS:
        message = f"{message[:MAX_ERROR_CHARS]}… ({len(message) - MAX_ERROR_CHARS:,} characters left out)"
    return JSONResponse({"error": message, "status": status}, status_code=status)


# -- the app -----------------------------------------------------------------------------------------
#: Host names the dashboard answers to by default (DNS rebinding defence); ``--allowed-host`` adds.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]", "testserver")
#: Largest request body read (a weights request is under 10 kB).
MAX_BODY_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _harden(app: FastAPI, allowed_hosts: tuple[str, ...]) -> None:
    """Host check, body limit and security headers on every response."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    @app.middleware("http")
    async def _limits_and_headers(request: Request, call_next):
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            response = _error(413, f"request body over {MAX_BODY_BYTES:,} bytes")
        else:
            response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))


def create_app(
    workspace: Path | None = None,
    *,
    inputs: ReportInputs | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> FastAPI:
    """The dashboard over ``workspace`` (read-only), or the built-in demo when it is None.

    ``inputs`` (values, framework, choices, groups) replaces both, e.g. for benchmarks.
    """
    if inputs is None:
        inputs = workspace_inputs(Path(workspace)) if workspace is not None else demo_inputs()
    state = IndexState(inputs)
    cache = LazyCache()
    topics = Topics(inputs, state.result, state.names)
    demo_label = {lang: catalogue(lang).get("web.demo_label", "") for lang in LANGUAGES}

    years = [int(y) for y in state.year_list]
    weighted = [n for n in state.node_ids if n != state.framework.root.id]
    langs = list(LANGUAGES)
    nodes = ["", *state.node_ids]  # '' = the index
    weights_doc = {"pattern": _weights_pattern(weighted)}
    from silkscope.trade.indicators import INDICATORS
    from silkscope.web.state import MAX_WEIGHT

    body_model = create_model(
        "IndexRequest",
        __base__=IndexRequest,
        weights=(
            dict[str, float],
            Field(
                default_factory=dict,
                description=IndexRequest.model_fields["weights"].description,
                json_schema_extra={
                    "propertyNames": _one_of(weighted),
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": MAX_WEIGHT},
                },
            ),
        ),
        year=(int | None, Field(None, description="Year to rank (default: the latest).", json_schema_extra=_one_of([*years, None]))),
        node=(str | None, Field(None, description="Node to rank by (default: the index).", json_schema_extra=_one_of([*nodes, None]))),
        lang=(str, Field("en", description="zh|en, for names.", json_schema_extra=_one_of(langs))),
    )  # fmt: skip

    app = FastAPI(
        title="silkscope dashboard",
        version=__version__,
        responses=ERROR_RESPONSES,
        description="Read-only JSON API behind the silkscope dashboard"
        + (" (built-in DEMONSTRATION data, synthetic)." if inputs.is_demo else "."),
    )
    app.state.index = state
    app.state.cache = cache
    app.state.topics = topics
    _harden(app, LOCAL_HOSTS + tuple(allowed_hosts))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(TopicError)
    async def _topic_error(_: Request, exc: TopicError) -> JSONResponse:
        return _error(409, f"topic '{exc.topic}' could not be built from this study's data: {exc.message}")

    @app.exception_handler(SilkscopeError)
    async def _silkscope_error(_: Request, exc: SilkscopeError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()
        ]
        return _error(422, ("invalid request: " + "; ".join(parts))[:300])

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = _error(exc.status_code, str(exc.detail)[:200])
        if exc.status_code == 405:
            allowed = sorted(
                {
                    m
                    for r in app.routes
                    if getattr(r, "path", None) == request.url.path
                    for m in r.methods or ()
                }
            )
            response.headers["Allow"] = ", ".join(allowed) or (exc.headers or {}).get("Allow", "")
        return response

    # -- page and assets --------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC_DIR / "dashboard.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> Response:
        from silkscope.report.charts import plotly_js

        return Response(
            plotly_js(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/static/plotly-geo-assets.js", include_in_schema=False)
    def plotly_geo_assets() -> Response:
        """The world topojson for plotly.js (``window.PlotlyGeoAssets``), so a topic's world map
        draws offline; the script the report inlines, without its tags."""
        from silkscope.report.charts import geo_assets_script

        script = geo_assets_script().removeprefix("<script>").removesuffix("</script>")
        return Response(
            script, media_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # -- index endpoints --------------------------------------------------------------------------
    @app.get("/api/meta", summary="Units, years, framework tree, languages, demo flag")
    def meta() -> dict[str, Any]:
        return {
            "version": __version__,
            "demo": inputs.is_demo,
            "demo_label": demo_label if inputs.is_demo else None,
            "languages": list(LANGUAGES),
            "years": state.year_list,
            "latest_year": state.year_list[-1],
            "headline_year": state.headline_year,
            "min_coverage": state.choices.min_coverage,
            "units": [
                {
                    "id": u,
                    "name": {lang: state.name(u, lang) for lang in LANGUAGES},
                    "group": state.groups.get(u),
                }
                for u in state.unit_list
            ],
            "groups": sorted({g for g in state.groups.values() if g}),
            "framework": state.framework_tree(),
            "pillars": list(state.framework.pillars),
            "choices": state.choices.to_dict(),
            "tables": list(TABLES),
            "formats": list(FORMATS),
        }

    @app.get("/api/i18n", summary="The dashboard's texts (web.* keys) in one language")
    def texts(
        lang: str = Query("en", description="zh|en", json_schema_extra=_one_of(langs)),
    ) -> dict[str, Any]:
        lang = _lang(lang)
        return {"lang": lang, "texts": {k: v for k, v in catalogue(lang).items() if k.startswith("web.")}}

    @app.get("/api/ranking", summary="Ranking of one year by one node")
    def ranking(
        year: int | None = Query(
            None, description="Year (default: the latest).", json_schema_extra=_one_of(years)
        ),
        lang: str = Query("en", description="zh|en", json_schema_extra=_one_of(langs)),
        node: str | None = Query(
            None, description="Node id (default: the index).", json_schema_extra=_one_of(nodes)
        ),
    ) -> dict[str, Any]:
        lang, year, node = _lang(lang), state.year(year), state.node(node)
        return {
            "year": year,
            "node": node,
            "node_name": state.framework[node].label(lang),
            "lang": lang,
            "demo": inputs.is_demo,
            "rows": state.ranking_rows(year, node, lang),
        }

    @app.get("/api/coverage", summary="Coverage of the index and its pillars per unit-year; the unscored")
    def coverage(
        lang: str = Query("en", description="zh|en", json_schema_extra=_one_of(langs)),
    ) -> dict[str, Any]:
        lang = _lang(lang)
        fw = state.framework
        return {
            "lang": lang,
            "demo": inputs.is_demo,
            "min_coverage": state.choices.min_coverage,
            "headline_year": state.headline_year,
            "nodes": [{"id": n, "name": fw[n].label(lang)} for n in (fw.root.id, *fw.pillars)],
            "rows": state.coverage_rows(lang),
            "excluded": state.excluded_rows(lang),
        }

    @app.get("/api/profile/{unit_id}", summary="One unit: pillars, indicators, strengths, trend")
    def profile(
        unit_id: str,
        year: int | None = Query(None, json_schema_extra=_one_of(years)),
        lang: str = Query("en", json_schema_extra=_one_of(langs)),
        weights: str | None = Query(
            None,
            description="Slider weights NODE:VALUE,... (default: as built)",
            json_schema_extra=weights_doc,
        ),
    ) -> dict[str, Any]:
        lang, year, unit_id = _lang(lang), state.year(year), state.unit(unit_id)
        given = _weights_param(weights)
        return {**state.profile(unit_id, year, lang, weights=given), "demo": inputs.is_demo}

    @app.get("/api/compare", summary="Two units side by side at every node")
    def compare(
        a: str = Query(..., description="Unit id"),
        b: str = Query(..., description="Unit id"),
        year: int | None = Query(None, json_schema_extra=_one_of(years)),
        lang: str = Query("en", json_schema_extra=_one_of(langs)),
        weights: str | None = Query(
            None,
            description="Slider weights NODE:VALUE,... (default: as built)",
            json_schema_extra=weights_doc,
        ),
    ) -> dict[str, Any]:
        lang, year = _lang(lang), state.year(year)
        a, b = state.unit(a), state.unit(b)
        given = _weights_param(weights)
        return {
            "year": year,
            "a": {"unit_id": a, "name": state.name(a, lang)},
            "b": {"unit_id": b, "name": state.name(b, lang)},
            "demo": inputs.is_demo,
            "rows": json_records(state.compare(a, b, year, lang, weights=given)),
        }

    def recompute(request: IndexRequest = Body(...)) -> dict[str, Any]:
        start = time.perf_counter()
        lang, year, node = _lang(request.lang), state.year(request.year), state.node(request.node)
        weights = state.custom_weights(request.weights)
        rows = state.ranking_rows(year, node, lang, state.rescore(weights))
        base = {r["unit_id"]: r["rank"] for r in state.ranking_rows(year, node, lang)}
        for row in rows:
            row["base_rank"] = base.get(row["unit_id"])
            row["rank_change"] = (
                None if row["base_rank"] is None or row["rank"] is None else row["base_rank"] - row["rank"]
            )
        return {
            "year": year,
            "node": node,
            "lang": lang,
            "demo": inputs.is_demo,
            "weights": {n: json_float(w) for n, w in zip(state.node_ids, weights, strict=True)},
            "rows": rows,
            "elapsed_ms": round((time.perf_counter() - start) * 1000, 3),
        }

    # the body's schema names this data's years and nodes (an object, not a name to resolve)
    recompute.__annotations__["request"] = body_model
    app.post("/api/index", summary="Recompute scores and ranks with other weights")(recompute)

    # -- trade and partners (demo flows, lazily) ----------------------------------------------------
    def trade_inputs():
        """The report's flows: the workspace's when it holds some, else the labelled demo."""
        return cache.get("flows", inputs.trade)

    def trade_flows() -> pd.DataFrame:
        return trade_inputs().flows

    def trade_table(reporter: str) -> pd.DataFrame:
        from silkscope.trade.indicators import trade_indicators

        return cache.get(("trade", reporter), lambda: trade_indicators(trade_flows(), reporters=[reporter]))

    def tiers_computed():
        def compute():
            from silkscope.partners.docking import modes_by_country
            from silkscope.report.trade_sections import partner_tier_result

            trade = trade_inputs()  # the same tiers as the report
            result, recs = partner_tier_result(trade.flows, distances=trade.distances)
            return result.to_frame().merge(modes_by_country(recs), on="country", how="left"), recs

        return cache.get("tiers", compute)

    def tiers_table() -> pd.DataFrame:
        return tiers_computed()[0]

    def tiers_named(lang: str) -> pd.DataFrame:
        """The tiers with the country, its driving pillar and its docking modes named in ``lang``."""
        from silkscope.partners.tiers import partner_framework

        table, recs = tiers_computed()
        pillars = partner_framework().names(lang)
        modes = (
            recs.groupby("country", sort=False)[f"mode_{lang}"].agg(lambda s: "; ".join(dict.fromkeys(s)))
            if len(recs)
            else pd.Series(dtype=str)
        )
        return table.assign(
            country_name=[country_name(c, lang) for c in table["country"]],
            driver_name=[pillars.get(d, d) if isinstance(d, str) else None for d in table["driver"]],
            modes_text=table["country"].map(modes).to_numpy(),
        )

    def trade_named(table: pd.DataFrame, lang: str) -> pd.DataFrame:
        """Trade indicator rows with the indicator and the partner named in ``lang`` (WLD = world)."""
        t = catalogue(lang)
        world = t["zh.trade.world"]
        return table.assign(
            indicator_name=[t.get(f"zh.trade.indicator.{i}", i) for i in table["indicator"]],
            partner_name=[
                world if p == "WLD" else country_name(p, lang) if isinstance(p, str) else None
                for p in table["partner"]
            ],
        )

    def trade_label() -> dict[str, str] | None:
        from silkscope.trade.demo import DEMO_LABEL

        return dict(DEMO_LABEL) if trade_inputs().is_demo else None

    def check_reporter(reporter: str) -> str:
        if not _REPORTER.match(reporter or ""):
            raise ApiError(400, f"reporter must be an ISO3 country code such as CHN, got '{reporter}'")
        reporter = reporter.upper()
        exporters = cache.get("exporters", lambda: frozenset(trade_flows()["exporter"].unique()))
        if reporter not in exporters:
            raise ApiError(404, f"reporter '{reporter}' is not among the flows' exporters")
        return reporter

    def filter_trade(
        table: pd.DataFrame, indicator: str | None, partner: str | None, year: int | None
    ) -> pd.DataFrame:
        from silkscope.trade.indicators import INDICATORS

        if indicator:
            if indicator not in INDICATORS:
                raise ApiError(
                    400, f"unknown indicator '{indicator}'; expected one of {', '.join(INDICATORS)}"
                )
            table = table[table["indicator"] == indicator]
        if partner:
            table = table[table["partner"] == partner.upper()]
        if year is not None:
            table = table[table["year"] == year]
        return table

    @app.get("/api/trade/indicators", summary="Trade indicators of a reporter (workspace or demo flows)")
    def trade(
        reporter: str = Query(
            "CHN", description="ISO3 exporter", json_schema_extra={"pattern": "^[A-Za-z]{3}$"}
        ),
        indicator: str | None = Query(
            None, description="Only this indicator (e.g. rca).", json_schema_extra=_one_of(["", *INDICATORS])
        ),
        partner: str | None = Query(None, description="Only this partner (ISO3 or WLD)."),
        year: int | None = Query(None),
        lang: str | None = Query(
            None, description="zh or en: the language of the names.", json_schema_extra=_one_of(langs)
        ),
    ) -> dict[str, Any]:
        from silkscope.trade.indicators import INDICATORS

        lang = _lang(lang)
        reporter = check_reporter(reporter)
        table = filter_trade(trade_table(reporter), indicator, partner, year)
        texts = catalogue(lang)
        return {
            "reporter": reporter,
            "reporter_name": country_name(reporter, lang),
            "demo": trade_inputs().is_demo,
            "demo_label": trade_label(),
            "indicators": list(INDICATORS),
            "indicator_names": {i: texts.get(f"zh.trade.indicator.{i}", i) for i in INDICATORS},
            "rows": json_records(trade_named(table, lang)),
        }

    @app.get("/api/partners/tiers", summary="Partner tiers from the readiness index (as in the report)")
    def partner_tiers_endpoint(
        lang: str | None = Query(
            None, description="zh or en: the language of the names.", json_schema_extra=_one_of(langs)
        ),
    ) -> dict[str, Any]:
        table = tiers_named(_lang(lang))
        return {"demo": trade_inputs().is_demo, "demo_label": trade_label(), "rows": json_records(table)}

    # -- topics: the report's cluster, efficiency and module sections -------------------------------
    def topic_links(topic: str, index: int, lang: str) -> dict[str, str]:
        query = f"topic={topic}&table={index}&lang={lang}"
        return {fmt: f"/api/download/topic.{fmt}?{query}" for fmt in FORMATS}

    @app.get("/api/topics", summary="The report's topic sections this study has, and those it lacks")
    def topic_list(
        lang: str = Query("en", description="zh|en", json_schema_extra=_one_of(langs)),
    ) -> dict[str, Any]:
        return topics.listing(_lang(lang))

    @app.get(
        "/api/topics/{topic_id}",
        summary="One topic section: paragraphs, findings, Plotly figures and tables",
        description="topic_id is one of the ids /api/topics lists; each table's rows leave out the "
        "columns the report hides (ids), which its download (TABLE topic) keeps.",
        responses={
            409: {"model": ErrorBody, "description": "The topic cannot be built from this study's data"}
        },
    )
    def topic_section(
        topic_id: str = Path_(..., description="A topic id from /api/topics", pattern=_TOPIC_ID),
        lang: str = Query("en", description="zh|en", json_schema_extra=_one_of(langs)),
    ) -> dict[str, Any]:
        return topics.payload(topic_id, _lang(lang), topic_links)

    # -- downloads ------------------------------------------------------------------------------------
    def topic_table(params: Mapping[str, str]) -> tuple[pd.DataFrame, str, bool]:
        """``topic=ID&table=K``: the K-th table of a topic, its sheet name and its demo flag."""
        return topics.table(
            params.get("topic", ""), _int_param(params, "table") or 0, _lang(params.get("lang"))
        )

    def table_for(name: str, params: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        lang = _lang(params.get("lang"))
        if name in ("trade_indicators", "partner_tiers"):
            if name == "partner_tiers":
                return tiers_table(), "partner_tiers"
            reporter = check_reporter(params.get("reporter", "CHN"))
            table = filter_trade(
                trade_table(reporter),
                params.get("indicator"),
                params.get("partner"),
                _int_param(params, "year"),
            )
            return table, f"trade_indicators_{reporter}"
        if name == "coverage":
            return pd.DataFrame(state.coverage_rows(lang)), "coverage"
        if name == "topic":
            return topic_table(params)[:2]
        if name == "excluded":
            return state.result.excluded(), "excluded"
        year = state.year(_int_param(params, "year"))
        if name == "ranking":
            node = state.node(params.get("node"))
            given = _weights_param(params.get("weights"))
            if not given:
                return state.ranking(year, node, lang), f"ranking_{node}_{year}"
            scores = state.rescore(state.custom_weights(given))
            return state.ranking(year, node, lang, scores), f"ranking_{node}_{year}_custom_weights"
        if name == "scores":
            frame = state.result.to_frame()
            frame.insert(1, "name", frame["unit_id"].map(lambda u: state.name(u, lang)))
            return frame, "scores"
        if name in ("profile", "trend"):
            unit = state.unit(params.get("unit", ""))
            data = state.profile(unit, year, lang)
            if name == "trend":
                return pd.DataFrame(data["trend"]).assign(unit_id=unit), f"trend_{unit}"
            rows = [data["index"], *data["pillars"], *data["dimensions"], *data["indicators"]]
            return pd.DataFrame(rows).assign(unit_id=unit, year=year), f"profile_{unit}_{year}"
        if name == "compare":
            a, b = state.unit(params.get("a", "")), state.unit(params.get("b", ""))
            frame = state.compare(a, b, year, lang)
            return frame.assign(a=a, b=b, year=year), f"compare_{a}_{b}_{year}"
        if name == "weights":
            return state.result.weights_frame(), "weights"
        if name == "framework":
            return state.framework.to_frame(), "framework"
        raise ApiError(404, f"unknown table '{name}'")  # pragma: no cover - the allow-list is checked first

    @app.get(
        "/api/download/{filename:path}",
        summary="A table as CSV (UTF-8 with BOM) or Excel",
        description=f"filename is TABLE.csv or TABLE.xlsx with TABLE one of {', '.join(TABLES)}; "
        "the query string takes year, lang, node, unit, a, b, reporter, indicator, partner as the pages do "
        "(TABLE topic: topic=ID&table=K, the K-th table of that topic, from 0).",
    )
    def download(filename: str, request: Request) -> Response:
        match = _DOWNLOAD.match(filename)
        if not match or match.group(1) not in TABLES or match.group(2) not in FORMATS:
            raise ApiError(
                404,
                f"no such download '{filename[:80]}'; expected TABLE.csv or TABLE.xlsx with TABLE one of "
                + ", ".join(TABLES),
            )
        name, fmt = match.groups()
        is_demo = inputs.is_demo or name in ("trade_indicators", "partner_tiers")
        frame, stem = table_for(name, request.query_params)
        if name == "topic":  # demo data when its section is (the demo, or label_demo)
            is_demo = topic_table(request.query_params)[2]
        headers = {
            "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
            "X-Silkscope-Demo": "true" if is_demo else "false",
        }
        if fmt == "csv":
            body = csv_safe(frame).to_csv(index=False).encode("utf-8-sig")
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        about = pd.DataFrame(
            {
                "item": ["table", "generated_by", "data"],
                "value": [
                    name,
                    f"silkscope {__version__} dashboard",
                    demo_label["en"] + " / " + demo_label["zh"] if is_demo else "workspace data",
                ],
            }
        )
        return Response(
            workbook_bytes({(stem if name == "topic" else name)[:31]: frame, "about": about}),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=headers,
        )

    return app


def _int_param(params: Mapping[str, str], key: str) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(422, f"{key} must be an integer, got '{raw[:40]}'") from None


def _weights_param(raw: str | None) -> dict[str, float]:
    """``node:value,node:value`` (the dashboard's sliders in a download link) -> ``{node: value}``."""
    if not raw:
        return {}
    out: dict[str, float] = {}
    for part in raw.split(",")[:200]:
        node, sep, value = part.partition(":")
        try:
            if not sep:
                raise ValueError
            out[node.strip()] = float(value)
        except ValueError:
            raise ApiError(422, f"weights must be NODE:NUMBER,NODE:NUMBER,...; got '{part[:40]}'") from None
    return out
