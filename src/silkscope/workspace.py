"""A study folder: ``silkscope.duckdb`` (the tables of DESIGN.md), ``silkscope.yaml``, ``outputs/``.

Every import runs inside one DuckDB transaction (:meth:`Workspace.transaction`): a bad file
raises before commit and the workspace keeps exactly what it held. Each import is recorded in
``sources`` (sha256, rows, time, licence) and every command that changes the workspace in
``provenance``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from silkscope.errors import WorkspaceError

DB_NAME = "silkscope.duckdb"
CONFIG_NAME = "silkscope.yaml"
FRAMEWORK_NAME = "framework.yaml"  # a framework saved from outside the study is copied here
OUTPUTS_DIR = "outputs"
TRADE_DIR = "trade_flows"  # Parquet partitions hs_revision=*/year=*/ behind the trade_flows view
TRADE_COLUMNS = (
    "CAST(year AS INTEGER) AS year, exporter, importer, hs6, value_kusd, quantity_t, hs_revision, source_id"
)
EMPTY_TRADE = (
    "SELECT NULL::INTEGER AS year, NULL::VARCHAR AS exporter, NULL::VARCHAR AS importer, "
    "NULL::VARCHAR AS hs6, NULL::DOUBLE AS value_kusd, NULL::DOUBLE AS quantity_t, "
    "NULL::VARCHAR AS hs_revision, NULL::VARCHAR AS source_id WHERE FALSE"
)
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
    unit_id VARCHAR PRIMARY KEY, level VARCHAR NOT NULL, name_en VARCHAR, name_zh VARCHAR,
    parent_id VARCHAR, "group" VARCHAR);
CREATE TABLE IF NOT EXISTS indicators (
    indicator_id VARCHAR PRIMARY KEY, name_en VARCHAR, name_zh VARCHAR, unit VARCHAR,
    direction INTEGER, source_id VARCHAR, notes VARCHAR);
CREATE TABLE IF NOT EXISTS indicator_values (
    unit_id VARCHAR NOT NULL, year INTEGER NOT NULL, indicator_id VARCHAR NOT NULL,
    value DOUBLE, source_id VARCHAR, PRIMARY KEY (unit_id, year, indicator_id));
CREATE TABLE IF NOT EXISTS pairs (
    origin VARCHAR NOT NULL, dest VARCHAR NOT NULL, dist_km DOUBLE, distw_km DOUBLE,
    contig INTEGER, comlang_off INTEGER, comlang_ethno INTEGER, colony INTEGER,
    source_id VARCHAR, PRIMARY KEY (origin, dest));
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY, title VARCHAR, publisher VARCHAR, url VARCHAR,
    licence VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, imported_at TIMESTAMP,
    "rows" BIGINT, kind VARCHAR);
CREATE TABLE IF NOT EXISTS provenance (
    logged_at TIMESTAMP NOT NULL, command VARCHAR NOT NULL, details JSON);
"""

DEFAULT_CONFIG: dict[str, Any] = {
    "silkscope_workspace": SCHEMA_VERSION,
    "name": None,
    "framework": "builtin:cidi",
    "language": "zh",
}


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def replace_file(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it over ``target``: a kill at
    any instant leaves the old file or the new one, never a part."""
    handle, scratch = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def utc_now() -> datetime:
    """Current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SourceRecord:
    """What ``sources`` records about one imported file."""

    source_id: str
    title: str
    file_path: str | None = None
    file_sha256: str | None = None
    rows: int = 0
    kind: str = "table"
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None

    @classmethod
    def for_file(cls, path: str | Path, kind: str, rows: int, **meta: Any) -> SourceRecord:
        """A record for ``path``; ``source_id`` is ``kind:name:sha12`` so re-imports are visible."""
        path = Path(path)
        sha = file_sha256(path) if path.is_file() else None
        source_id = meta.pop("source_id", None) or f"{kind}:{path.name}:{(sha or 'dir')[:12]}"
        title = meta.pop("title", None) or path.name
        return cls(source_id, title, str(path.resolve()), sha, rows, kind, **meta)


class Workspace:
    """A study folder with its DuckDB store; open one with :meth:`init` or :meth:`open`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def outputs(self) -> Path:
        return self.root / OUTPUTS_DIR

    @property
    def trade_dir(self) -> Path:
        return self.root / TRADE_DIR

    @property
    def trade_glob(self) -> str | None:
        """Glob of the stored trade-flow Parquet files, or None when none are stored."""
        if not any(self.trade_dir.glob("hs_revision=*/year=*/*.parquet")):
            return None
        return str(self.trade_dir / "*" / "*" / "*.parquet")

    def refresh_trade_view(self, con: duckdb.DuckDBPyConnection) -> None:
        """(Re)define the ``trade_flows`` view over the stored partitions (absolute paths, so it is
        redefined when the folder has moved)."""
        glob = self.trade_glob
        body = EMPTY_TRADE
        if glob is not None:
            quoted = glob.replace("'", "''")
            body = f"SELECT {TRADE_COLUMNS} FROM read_parquet('{quoted}', hive_partitioning = true)"
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'trade_flows'"
        ).fetchone()
        if kind and kind[0] == "BASE TABLE":  # workspaces made before flows moved to Parquet
            if con.execute("SELECT count(*) FROM trade_flows").fetchone()[0]:
                raise WorkspaceError(f"{self.db_path} holds a trade_flows table with rows; re-import them")
            con.execute("DROP TABLE trade_flows")
        con.execute(f"CREATE OR REPLACE VIEW trade_flows AS {body}")

    @classmethod
    def init(cls, root: str | Path, name: str | None = None) -> Workspace:
        """Create a study folder (or complete one that already is a workspace)."""
        ws = cls(Path(root))
        if ws.root.exists() and not ws.root.is_dir():
            raise WorkspaceError(f"{ws.root} exists and is not a folder")
        if ws.root.is_dir() and any(ws.root.iterdir()) and not ws.config_path.exists():
            raise WorkspaceError(
                f"{ws.root} is not empty and holds no {CONFIG_NAME}; choose an empty or new folder"
            )
        ws.outputs.mkdir(parents=True, exist_ok=True)
        if not ws.config_path.exists():
            config = dict(DEFAULT_CONFIG, name=name or ws.root.name)
            ws.config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
        with duckdb.connect(str(ws.db_path)) as con:
            con.execute(SCHEMA)
            _seed_units(con)
            ws.refresh_trade_view(con)
        ws.log("init", {"root": str(ws.root)})
        return ws

    @classmethod
    def open(cls, root: str | Path) -> Workspace:
        """Open an existing study folder, or say how to create one."""
        ws = cls(Path(root))
        if not ws.config_path.exists() or not ws.db_path.exists():
            raise WorkspaceError(
                f"{ws.root} is not a silkscope workspace (no {CONFIG_NAME} or {DB_NAME}); "
                f"create one with: silkscope init {root}"
            )
        with ws.connect(read_only=True) as con:
            view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'trade_flows'").fetchone()
        if view is None or (ws.trade_glob is not None and str(ws.trade_dir) not in view[0]):
            with ws.connect() as con:
                ws.refresh_trade_view(con)
        return ws

    @property
    def config(self) -> dict[str, Any]:
        loaded = yaml.safe_load(self.config_path.read_text(encoding="utf-8")) or {}
        return {**DEFAULT_CONFIG, **loaded}

    def update_config(self, **changes: Any) -> dict[str, Any]:
        """Set keys of ``silkscope.yaml`` (a value of None removes the key), written atomically:
        a temporary file beside it, renamed over it once complete. Returns the new config."""
        loaded = yaml.safe_load(self.config_path.read_text(encoding="utf-8")) or {}
        for key, value in changes.items():
            if value is None:
                loaded.pop(key, None)
            else:
                loaded[key] = value
        replace_file(self.config_path, yaml.safe_dump(loaded, allow_unicode=True, sort_keys=False).encode())
        return {**DEFAULT_CONFIG, **loaded}

    def framework_spec(self, path: str | Path) -> str:
        """How ``silkscope.yaml`` records a framework: ``builtin:NAME`` as is, a file inside the
        workspace by its relative path; a file elsewhere is copied (atomically) to
        ``framework.yaml`` in the workspace, so the study still builds when the original moves."""
        text = str(path)
        if text.startswith("builtin:"):
            return text
        resolved = Path(text).resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            pass
        replace_file(self.root / FRAMEWORK_NAME, resolved.read_bytes())
        return FRAMEWORK_NAME

    def framework(self, spec: str | None = None):
        """The study's framework: ``spec`` or the one ``silkscope.yaml`` records (a relative path
        is taken from the workspace folder)."""
        from silkscope.index import Framework, builtin_framework

        spec = str(spec or self.config.get("framework") or "builtin:cidi")
        if spec.startswith("builtin:"):
            return builtin_framework(spec.split(":", 1)[1])
        path = Path(spec)
        path = path if path.is_absolute() else self.root / path
        if not path.is_file():
            raise WorkspaceError(
                f"{self.config_path} names the framework {spec}, which is not there ({path}); "
                "record another with: silkscope index build --workspace ... --framework F.yaml --save"
            )
        return Framework.from_yaml(path)

    def check_framework(self, framework, values: pd.DataFrame) -> None:
        """Refuse a framework none of whose indicators the study holds, saying how to record the
        study's own (a new workspace records ``builtin:cidi`` until one is saved)."""
        held = set(values["indicator_id"])
        if not any(i in held for i in framework.indicators):
            spec = self.config.get("framework")
            raise WorkspaceError(
                f"workspace {self.root} holds none of the {len(framework.indicators)} indicators of the "
                f"framework '{framework.id}' ({spec}); it holds {', '.join(sorted(held)[:12])}. Record the "
                "study's framework with: silkscope index build --workspace ... --framework F.yaml --save"
            )

    def indicator_values(self, years: list[int] | None = None) -> pd.DataFrame:
        """Long ``unit_id, year, indicator_id, value`` of the study (of ``years`` when given);
        raises naming the years the workspace holds when the selection is empty."""
        sql = "SELECT unit_id, year, indicator_id, value FROM indicator_values"
        params: list[Any] = []
        if years:
            sql += f" WHERE year IN ({', '.join('?' for _ in years)})"
            params = [int(y) for y in years]
        values = self.query(sql + " ORDER BY unit_id, year, indicator_id", params)
        if values.empty:
            held = self.query("SELECT DISTINCT year FROM indicator_values ORDER BY year")["year"].tolist()
            if not held:
                raise WorkspaceError(
                    f"workspace {self.root} holds no indicator values yet; import some with "
                    "`silkscope import table FILE --kind indicators`"
                )
            raise WorkspaceError(
                f"workspace {self.root} holds no indicator values for year(s) "
                f"{_years_text(years or [])}; it holds {_years_text(held)}"
            )
        return values

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the store, closed on exit."""
        con = duckdb.connect(str(self.db_path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside BEGIN/COMMIT; any exception rolls everything back."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read-only query and return a DataFrame."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def table(self, name: str) -> pd.DataFrame:
        """A whole table as a DataFrame."""
        return self.query(f'SELECT * FROM "{name}"')

    def indicator_table(self, indicators: list[str]) -> pd.DataFrame:
        """Wide ``unit_id, year, <indicator>...`` for the named indicators (missing = NaN); raises
        naming the indicators the workspace does not hold."""
        held = set(self.query("SELECT DISTINCT indicator_id FROM indicator_values").indicator_id)
        missing = [i for i in indicators if i not in held]
        if missing:
            raise WorkspaceError(
                f"workspace {self.root} holds no values for {', '.join(missing)}; it has "
                f"{', '.join(sorted(held)[:20]) or 'no indicator values'}"
            )
        marks = ", ".join("?" for _ in indicators)
        long = self.query(
            f"SELECT unit_id, year, indicator_id, value FROM indicator_values WHERE indicator_id IN ({marks})",
            list(indicators),
        )
        wide = long.pivot(index=["unit_id", "year"], columns="indicator_id", values="value")
        return wide.reindex(columns=list(indicators)).reset_index().rename_axis(columns=None)

    @staticmethod
    def upsert_values(con: duckdb.DuckDBPyConnection, values: pd.DataFrame) -> int:
        """Insert ``unit_id, year, indicator_id, value, source_id`` rows into ``indicator_values``
        inside the caller's transaction, replacing the rows with the same key; returns how many
        rows were replaced."""
        con.register("_upsert", values)
        try:
            replaced = con.execute(
                "SELECT count(*) FROM indicator_values v JOIN _upsert USING (unit_id, year, indicator_id)"
            ).fetchone()[0]
            con.execute(
                "DELETE FROM indicator_values USING _upsert u WHERE indicator_values.unit_id = u.unit_id "
                "AND indicator_values.year = u.year AND indicator_values.indicator_id = u.indicator_id"
            )
            con.execute(
                "INSERT INTO indicator_values (unit_id, year, indicator_id, value, source_id) "
                "SELECT unit_id, year, indicator_id, value, source_id FROM _upsert"
            )
        finally:
            con.unregister("_upsert")
        return int(replaced)

    @staticmethod
    def record_source(con: duckdb.DuckDBPyConnection, record: SourceRecord) -> None:
        """Insert or replace one ``sources`` row, inside the caller's transaction."""
        con.execute("DELETE FROM sources WHERE source_id = ?", [record.source_id])
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.source_id,
                record.title,
                record.publisher,
                record.url,
                record.licence,
                record.file_path,
                record.file_sha256,
                utc_now(),
                record.rows,
                record.kind,
            ],
        )

    def log(self, command: str, details: dict[str, Any] | None = None) -> None:
        """Append one row to the provenance log."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO provenance VALUES (?, ?, ?)",
                [utc_now(), command, json.dumps(details or {}, ensure_ascii=False, default=str)],
            )


def _years_text(years: list[int]) -> str:
    """``2005–2023`` for a run of years, else the years listed."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return "none"
    if len(ys) > 2 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))


def _seed_units(con: duckdb.DuckDBPyConnection) -> None:
    """Load the 31 provinces (reference table, three-belt group) into ``units`` unless present."""
    from silkscope.reference import provinces

    prov = provinces()
    frame = prov.assign(level="province", parent_id="CHN")[
        ["unit_id", "level", "name_en", "name_zh", "parent_id", "belt3"]
    ]
    con.register("_provinces", frame)
    con.execute(
        "INSERT INTO units SELECT * FROM _provinces p "
        "WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.unit_id = p.unit_id)"
    )
    con.unregister("_provinces")
