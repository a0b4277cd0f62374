"""Where trade queries run: Ibis over DuckDB (default) or PySpark (``engine="spark"``, local mode
unless a session is already running), and the flows they read.

Queries are written once as Ibis expressions (``trade/indicators.py``); this module gives them a
backend and a ``flows`` table with the columns ``year, exporter, importer, product, value``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from silkscope.errors import InputError, MethodError

if TYPE_CHECKING:
    import ibis
    from ibis.backends import BaseBackend

    from silkscope.workspace import Workspace

ENGINES = ("duckdb", "spark")
FLOW_COLUMNS = ["year", "exporter", "importer", "product", "value"]


def connect(engine: str = "duckdb") -> BaseBackend:
    """An Ibis backend: an in-memory DuckDB, or a Spark session (local[2] when none is active)."""
    import ibis

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(_spark_session())
    raise MethodError(f"unknown engine '{engine}'; expected one of {', '.join(ENGINES)}")


@cache
def _spark_session():
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (
        SparkSession.builder.master("local[2]")
        .appName("silkscope")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def frame_flows(flows: pd.DataFrame) -> ibis.Table:
    """A flows table (an Ibis memtable, runs on any backend) from a DataFrame with at least
    :data:`FLOW_COLUMNS`."""
    import ibis

    missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise InputError(f"flows need columns {', '.join(FLOW_COLUMNS)}; missing {', '.join(missing)}")
    frame = flows[FLOW_COLUMNS].astype(
        {"year": "int64", "exporter": str, "importer": str, "product": str, "value": "float64"}
    )
    return ibis.memtable(frame)


def workspace_flows(
    con: BaseBackend, ws: Workspace, hs_revision: str | None = None, quantity: bool = False
) -> ibis.Table:
    """The workspace's stored flows of one HS revision (the only one, or ``hs_revision``), with
    the ``quantity`` column (tonnes) too when asked."""
    if ws.trade_glob is None:
        raise InputError(
            f"workspace {ws.root} holds no trade flows",
            hint="import them with: silkscope import baci PATH (or import comtrade FILE)",
        )
    held = sorted(p.name.split("=", 1)[1] for p in ws.trade_dir.glob("hs_revision=*") if p.is_dir())
    if hs_revision is None and len(held) > 1:
        raise InputError(
            f"workspace holds flows in several HS revisions ({', '.join(held)})",
            hint="choose one with --hs; product codes differ between revisions",
        )
    revision = hs_revision.upper() if hs_revision else held[0]
    if revision not in held:
        raise InputError(f"workspace holds no {revision} flows; it has {', '.join(held)}")
    folder = ws.trade_dir / f"hs_revision={revision}"
    if con.name == "duckdb":
        table = con.read_parquet(ws.revision_glob(revision), hive_partitioning=True)  # path escaped
    else:
        table = con.read_parquet(str(folder))
    return table.select(
        year=table.year.cast("int64"),
        exporter=table.exporter,
        importer=table.importer,
        product=table.hs6,
        value=table.value_kusd,
        **({"quantity": table.quantity_t} if quantity else {}),
    )
