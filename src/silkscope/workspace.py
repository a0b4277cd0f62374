"""A study folder: ``silkscope.duckdb`` (the tables of DESIGN.md), ``silkscope.yaml``, ``outputs/``.

Every import runs inside one DuckDB transaction (:meth:`Workspace.transaction`): a bad file
raises before commit and the workspace keeps exactly what it held. Each import is recorded in
``sources`` (sha256, rows, time, licence) and every command that changes the workspace in
``provenance``.

Trade flows live in versioned folders ``trade_flows/v-*/hs_revision=*/year=*/``; the table
``flow_version`` names the current one and is switched in the same transaction as ``sources``
(``io/flows.py``). Every writer holds the study lock (an ``fcntl.flock`` on ``.silkscope.lock``,
:meth:`Workspace.lock`), so two commands never write one study at once; the next command that
opens the study while nobody holds the lock removes what killed imports left behind
(:meth:`Workspace.clean_stale`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from silkscope.errors import InputError, WorkspaceError

DB_NAME = "silkscope.duckdb"
CONFIG_NAME = "silkscope.yaml"
FRAMEWORK_NAME = "framework.yaml"  # a framework saved from outside the study is copied here
OUTPUTS_DIR = "outputs"
TRADE_DIR = "trade_flows"  # versions v-*/ of Parquet partitions hs_revision=*/year=*/ (trade_flows view)
LOCK_NAME = ".silkscope.lock"  # flock'ed by every command that writes the study
DEFAULT_WAIT = 30.0  # seconds a writer waits for the study lock (--wait)
KILL_ENV = "SILKSCOPE_TEST_KILL_AT"  # test hook: name of the phase at which the process kills itself
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
CREATE TABLE IF NOT EXISTS flow_version (path VARCHAR NOT NULL);
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


def kill_point(phase: str) -> None:
    """Test hook of the kill test: SIGKILL this process when ``SILKSCOPE_TEST_KILL_AT`` names
    ``phase`` (nothing runs after it: no ``finally``, no ``atexit``)."""
    if os.environ.get(KILL_ENV) == phase:
        os.kill(os.getpid(), signal.SIGKILL)


def sql_path(path: str | Path) -> str:
    """``path`` as the text of a DuckDB string literal that DuckDB reads as that one path: glob
    characters put in brackets (``st[1]`` -> ``st[[]1]``, which matches only ``st[1]``, never
    ``st1``) and quotes doubled. Append a glob of your own after it."""
    return re.sub(r"([*?\[])", r"[\1]", str(path)).replace("'", "''")


class StudyLockedError(WorkspaceError):
    """Another live command holds the study lock (or DuckDB's own lock) longer than ``--wait``."""


class _Held:
    """The study lock as held by this process: one flock'ed descriptor, re-entered by depth."""

    def __init__(self) -> None:
        self.guard = threading.RLock()  # threads of one process take turns
        self.fd: int | None = None
        self.depth = 0


_LOCKS: dict[Path, _Held] = {}
_LOCKS_GUARD = threading.Lock()


def _held(root: Path) -> _Held:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(root, _Held())


def _holder_text(lock_file: Path) -> str:
    """Who holds a lock, from what the holder wrote in the lock file."""
    try:
        info = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "another command (pid not known)"
    return f"pid {info['pid']} ({info.get('command', '?')}, since {info.get('since', '?')} UTC)"


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

    def __init__(self, root: Path, wait: float = DEFAULT_WAIT) -> None:
        self.root = Path(root).resolve()
        self.wait = float(wait)  # seconds a writer waits for the study lock

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
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def trade_store(self) -> Path:
        """The folder of every trade-flow version (``v-*``) and of the imports' staging folders."""
        return self.root / TRADE_DIR

    @property
    def flow_version(self) -> str:
        """The current trade-flow version (a folder name under :attr:`trade_store`; ``""`` for the
        partitions of workspaces made before versions, stored in ``trade_flows/`` itself)."""
        if not self.db_path.exists():
            return ""
        with self.connect(read_only=True) as con:
            return current_flow_version(con)

    @property
    def trade_dir(self) -> Path:
        """The folder of the current trade-flow partitions ``hs_revision=*/year=*/``."""
        return self.trade_store / self.flow_version

    def _trade_glob(self, folder: Path) -> str | None:
        if not any(folder.glob("hs_revision=*/year=*/*.parquet")):
            return None
        return f"{sql_path(folder)}/*/*/*.parquet"

    @property
    def trade_glob(self) -> str | None:
        """DuckDB glob of the current trade-flow Parquet files (the study's own path escaped, so it
        is never globbed), or None when none are stored."""
        return self._trade_glob(self.trade_dir)

    def revision_glob(self, revision: str) -> str:
        """DuckDB glob of the current Parquet files of one HS revision (the path escaped)."""
        return f"{sql_path(self.trade_dir / f'hs_revision={revision}')}/*/*.parquet"

    def _trade_view_body(self, con: duckdb.DuckDBPyConnection) -> str:
        glob = self._trade_glob(self.trade_store / current_flow_version(con))
        if glob is None:
            return EMPTY_TRADE
        return f"SELECT {TRADE_COLUMNS} FROM read_parquet('{glob}', hive_partitioning = true)"

    def refresh_trade_view(self, con: duckdb.DuckDBPyConnection) -> None:
        """(Re)define the ``trade_flows`` view over the current version's partitions (absolute
        paths, so it is redefined when the folder has moved)."""
        body = self._trade_view_body(con)
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'trade_flows'"
        ).fetchone()
        if kind and kind[0] == "BASE TABLE":  # workspaces made before flows moved to Parquet
            if con.execute("SELECT count(*) FROM trade_flows").fetchone()[0]:
                raise WorkspaceError(f"{self.db_path} holds a trade_flows table with rows; re-import them")
            con.execute("DROP TABLE trade_flows")
        con.execute(f"CREATE OR REPLACE VIEW trade_flows AS {body}")

    @staticmethod
    def set_flow_version(con: duckdb.DuckDBPyConnection, version: str) -> None:
        """Point ``flow_version`` at ``version``, inside the caller's transaction."""
        con.execute("CREATE TABLE IF NOT EXISTS flow_version (path VARCHAR NOT NULL)")
        con.execute("DELETE FROM flow_version")
        con.execute("INSERT INTO flow_version VALUES (?)", [version])

    @contextmanager
    def lock(self, wait: float | None = None) -> Iterator[None]:
        """Hold the study lock (re-entrant within a process): an exclusive ``fcntl.flock`` on
        ``.silkscope.lock``, released by the OS when the process dies, so a killed command never
        leaves the study locked. Waits up to ``wait`` seconds (default :attr:`wait`), then raises
        :class:`StudyLockedError` naming the study and the holder."""
        wait = self.wait if wait is None else float(wait)
        held = _held(self.root)
        if not held.guard.acquire(timeout=max(wait, 0.001)):
            raise StudyLockedError(self._locked_text(wait, "another thread of this process"))
        try:
            if held.depth == 0:
                held.fd = self._flock(wait)
            held.depth += 1
        except BaseException:
            held.guard.release()
            raise
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                os.ftruncate(held.fd, 0)
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None
            held.guard.release()

    def _flock(self, wait: float) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline, told = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder_text(self.lock_path)
                    os.close(fd)
                    raise StudyLockedError(self._locked_text(wait, holder)) from None
                if not told:
                    print(
                        f"waiting up to {wait:g} s for study {self.root}: held by {_holder_text(self.lock_path)}",
                        file=sys.stderr,
                    )
                    told = True
                time.sleep(0.05)
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200]
        info = {"pid": os.getpid(), "command": command, "since": utc_now().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        return fd

    def _locked_text(self, wait: float, holder: str) -> str:
        return (
            f"study {self.root} is being changed by {holder}; waited {wait:g} s for it. "
            "Run this command again when that one has finished, or wait longer with --wait SECONDS"
        )

    def clean_stale(self) -> list[Path]:
        """Remove what killed imports left: ``.baci-*`` and ``trade_flows/.staging-*`` folders,
        trade-flow versions ``flow_version`` does not name (and pre-version partitions once a
        version is current). Only when no live process holds the study lock (a live import's
        staging is never touched); returns what was removed."""
        held = _held(self.root)
        if not held.guard.acquire(blocking=False):
            return []
        try:
            if held.depth:
                return []
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                return []
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return []
                return self.remove_stale()
            finally:
                os.close(fd)
        finally:
            held.guard.release()

    def _stale(self, current: str | None = None) -> list[Path]:
        """What :meth:`clean_stale` removes (call with the study lock held); ``current``: the
        flow version the caller has just made current (else it is read from the store)."""
        found = [p for p in self.root.glob(".baci-*") if p.is_dir()]
        store = self.trade_store
        if store.is_dir():
            current = self.flow_version if current is None else current
            for entry in store.iterdir():
                if not entry.is_dir():
                    continue
                dead = entry.name.startswith((".staging-", ".replaced-"))
                old = entry.name.startswith("v-") and entry.name != current
                legacy = entry.name.startswith("hs_revision=") and bool(current)
                if dead or old or legacy:
                    found.append(entry)
        return found

    def remove_stale(self, current: str | None = None) -> list[Path]:
        """Remove what :meth:`clean_stale` would; only for a caller that holds the study lock
        (``current``: as for :meth:`_stale`)."""
        removed = self._stale(current)
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed

    @classmethod
    def init(cls, root: str | Path, name: str | None = None, wait: float = DEFAULT_WAIT) -> Workspace:
        """Create a study folder (or complete one that already is a workspace)."""
        ws = cls(Path(root), wait)
        if "?" in str(ws.root):  # DuckDB reads what follows '?' in a database path as options
            raise WorkspaceError(f"{ws.root}: DuckDB cannot store a study under a path with '?'; rename it")
        if ws.root.exists() and not ws.root.is_dir():
            raise WorkspaceError(f"{ws.root} exists and is not a folder")
        if ws.root.is_dir() and any(ws.root.iterdir()) and not ws.config_path.exists():
            raise WorkspaceError(
                f"{ws.root} is not empty and holds no {CONFIG_NAME}; choose an empty or new folder"
            )
        with ws.lock():
            ws.outputs.mkdir(parents=True, exist_ok=True)
            if not ws.config_path.exists():
                config = dict(DEFAULT_CONFIG, name=name or ws.root.name)
                replace_file(
                    ws.config_path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode()
                )
            with ws.connect() as con:
                con.execute(SCHEMA)
                _seed_units(con)
                ws.refresh_trade_view(con)
            ws.log("init", {"root": str(ws.root)})
        return ws

    @classmethod
    def open(cls, root: str | Path, wait: float = DEFAULT_WAIT) -> Workspace:
        """Open an existing study folder, or say how to create one; removes what killed imports
        left behind (:meth:`clean_stale`) and redefines the ``trade_flows`` view if the folder moved."""
        ws = cls(Path(root), wait)
        if not ws.config_path.exists() or not ws.db_path.exists():
            raise WorkspaceError(
                f"{ws.root} is not a silkscope workspace (no {CONFIG_NAME} or {DB_NAME}); "
                f"create one with: silkscope init {root}"
            )
        ws.clean_stale()
        with ws.connect(read_only=True) as con:
            view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'trade_flows'").fetchone()
            glob = ws._trade_glob(ws.trade_store / current_flow_version(con))
        if view is None or (glob not in view[0] if glob else "read_parquet" in view[0]):
            with ws.lock(), ws.connect() as con:
                ws.refresh_trade_view(con)
        return ws

    @property
    def config(self) -> dict[str, Any]:
        loaded = yaml.safe_load(self.config_path.read_text(encoding="utf-8")) or {}
        return {**DEFAULT_CONFIG, **loaded}

    def update_config(self, **changes: Any) -> dict[str, Any]:
        """Set keys of ``silkscope.yaml`` (a value of None removes the key), written atomically:
        a temporary file beside it, renamed over it once complete. Returns the new config."""
        with self.lock():
            loaded = yaml.safe_load(self.config_path.read_text(encoding="utf-8")) or {}
            for key, value in changes.items():
                if value is None:
                    loaded.pop(key, None)
                else:
                    loaded[key] = value
            data = yaml.safe_dump(loaded, allow_unicode=True, sort_keys=False).encode()
            replace_file(self.config_path, data)
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
        with self.lock():
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
        """A connection to the store, closed on exit; a writing one holds the study lock."""
        if read_only:
            con = self._duckdb(read_only=True)
            try:
                yield con
            finally:
                con.close()
            return
        with self.lock():
            con = self._duckdb(read_only=False)
            try:
                yield con
            finally:
                con.close()

    def _duckdb(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """``duckdb.connect`` retried while another process holds DuckDB's own file lock (a reader
        while an import commits), up to :attr:`wait` seconds, then a message naming the holder."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                return duckdb.connect(str(self.db_path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    pid = re.search(r"PID (\d+)", str(exc))
                    holder = f"pid {pid.group(1)}" if pid else "another process"
                    raise StudyLockedError(self._locked_text(self.wait, holder)) from None
                time.sleep(0.05)

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
        rows were replaced. Two rows with one key are refused, naming them (else the primary key
        would abort the transaction with DuckDB's message)."""
        key = ["unit_id", "year", "indicator_id"]
        twice = values[values.duplicated(key, keep=False)]
        if len(twice):
            first = twice.iloc[0]
            raise InputError(
                f"{len(twice):,} values share a unit, year and indicator, e.g. {first.unit_id} "
                f"{first.year} {first.indicator_id} (given {int((twice[key] == first[key]).all(axis=1).sum())} times)",
                hint="keep one value per unit, year and indicator",
            )
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
            with suppress(duckdb.Error):  # an aborted transaction: its error is the one to show
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


def current_flow_version(con: duckdb.DuckDBPyConnection) -> str:
    """The ``flow_version`` a connection sees (``""`` when none was recorded)."""
    held = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'flow_version' AND schema_name = 'main'"
    ).fetchone()[0]  # (a failed query would abort the caller's transaction)
    if not held:
        return ""
    row = con.execute("SELECT path FROM flow_version").fetchone()
    return row[0] if row else ""


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
