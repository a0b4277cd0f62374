"""Issue 15 part 8: every importer fed corrupted variants of real files (truncated, bytes flipped,
rows deleted or duplicated, columns added, cells replaced by 1e309, NaN, 2021.5, empty keys,
decimal commas, huge cells ...) must end with a message naming the file (exit 2) or a successful
import, never a traceback; a refused import leaves the workspace exactly as it was; a successful
one stores no inf/NaN and did not accept a cell that must be refused.

The importers run in-process through typer's CliRunner. Each importer gets a fixed number of
hypothesis examples (``SILKSCOPE_FUZZ_EXAMPLES``, default 5) so that CI stays fast. A larger run
that counts outcomes instead of stopping at the first failure:

    PYTHONPATH=src SILKSCOPE_SHARED_DATA=/work/shared/data python tests/test_fuzz_importers.py --cases 2000
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import SilkscopeError

EXAMPLES = int(os.environ.get("SILKSCOPE_FUZZ_EXAMPLES", "5"))
runner = CliRunner()

#: Cells injected into the files; those in MUST_REFUSE may never be imported from a checked column.
HUGE = "7" * 140_000
TOKENS = (
    "1e309", "-1e309", "9" * 400, "inf", "NaN", "nan", "2021.5", "", " ", "3,12", "1.234,5",
    "1,234", "-0", "1e-400", "#NULL!", "=1+1", "@SUM(A1)", "\x00", "１２３", "0x1F", "−5", HUGE,
    "a" * 300, '"', "'", "\\", "北京", "NA", "..", "-",
)  # fmt: skip
OVERFLOW = ("1e309", "-1e309", "9" * 400, "inf")


@dataclass
class Target:
    """One importer and the real file it is fuzzed from."""

    name: str
    command: list[str]  # import sub-command, e.g. ["import", "table"]
    filename: str  # name the (mutated) file is written under
    build: Callable[[Path], bytes]  # the real file's bytes (possibly a real subset)
    delimiter: str = ","
    encoding: str = "utf-8"
    compressed: bool = False
    extra: Callable[[Path], list[str]] = lambda data: []  # noqa: E731 - further arguments
    #: columns whose cells are checked: name -> "key" | "year" | "number"
    checked: dict[str, str] = field(default_factory=dict)


def _head(path: Path, lines: int) -> bytes:
    """The first ``lines`` lines of a (gzip) text file, line endings kept."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def _comtrade_from_baci(data: Path) -> bytes:
    """Real BACI HS92 2021 rows laid out as a UN Comtrade API CSV (reporter = BACI exporter, whose
    codes are UN M49 numbers; US dollars and kilograms as Comtrade gives them)."""
    text = _head(data / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz", 201).decode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["refYear", "reporterCode", "flowCode", "partnerCode", "classificationCode",
                     "cmdCode", "primaryValue", "netWgt"])  # fmt: skip
    for row in list(csv.reader(text.splitlines()))[1:]:
        t, i, j, k, v, q = (c.strip() for c in row)
        weight = "" if q in ("NA", "") else f"{float(q) * 1000:g}"
        writer.writerow([t, i, "X", j, "H0", k.zfill(6), f"{float(v) * 1000:.3f}", weight])
    return out.getvalue().encode()


def _wdi_extra(data: Path) -> list[str]:
    return [str(data / "wdi_extracts/raw/Metadata_Country_API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv")]


def _baci_extra(data: Path) -> list[str]:
    return ["--country-codes", str(data / "baci/country_codes_V202301.csv")]


TARGETS = {
    t.name: t
    for t in (
        Target(
            "table",
            ["import", "table"],
            "provincial_tourism_long.csv",
            lambda d: _head(
                d / "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv", 121
            ),
            checked={"province_code": "key", "year": "year", "indicator": "key", "value": "number"},
        ),
        Target(
            "wdi",
            ["import", "wdi"],
            "API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv",
            lambda d: (d / "wdi_extracts/raw/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv").read_bytes(),
            encoding="utf-8-sig",
            extra=_wdi_extra,
            checked={"Country Code": "key", **{str(y): "number" for y in range(1960, 2025)}},
        ),
        Target(
            "confucius",
            ["import", "confucius"],
            "confucius_institutes.csv",
            lambda d: (d / "confucius_institutes/confucius_institutes.csv").read_bytes(),
        ),
        Target(
            "heritage",
            ["import", "heritage"],
            "whc_sites_2023_slim.csv",
            lambda d: (d / "unesco_world_heritage/whc_sites_2023_slim.csv").read_bytes(),
            encoding="utf-8-sig",
        ),
        Target(
            "baci",
            ["import", "baci"],
            "BACI_HS92_Y2021_V202301.csv",
            lambda d: _head(d / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz", 301),
            extra=_baci_extra,
            checked={"t": "year", "i": "key", "j": "key", "k": "key", "v": "number"},
        ),
        Target(
            "baci_gz",
            ["import", "baci"],
            "BACI_HS92_Y2021_V202301.csv.gz",
            lambda d: _head(d / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz", 301),
            compressed=True,
            extra=_baci_extra,
            checked={"t": "year", "i": "key", "j": "key", "k": "key", "v": "number"},
        ),
        Target(
            "comtrade",
            ["import", "comtrade"],
            "comtrade_hs92_2021.csv",
            _comtrade_from_baci,
            checked={
                "refYear": "year",
                "reporterCode": "key",
                "partnerCode": "key",
                "cmdCode": "key",
                "primaryValue": "number",
            },  # fmt: skip
        ),
        Target(
            "geodist",
            ["import", "geodist"],
            "dist_cepii.csv",
            lambda d: _head(d / "cepii_geodist/dist_cepii.csv.gz", 301),
            checked={
                "iso_o": "key",
                "iso_d": "key",
                "dist": "number",
                "distw": "number",
                "contig": "number",
                "colony": "number",
            },  # fmt: skip
        ),
        Target(
            "geodist_gz",
            ["import", "geodist"],
            "dist_cepii.csv.gz",
            lambda d: _head(d / "cepii_geodist/dist_cepii.csv.gz", 301),
            compressed=True,
            checked={"iso_o": "key", "iso_d": "key", "dist": "number", "distw": "number"},
        ),
    )
}
#: read through the Python API (it is read by ``partners table --hofstede``, not imported)
HOFSTEDE = "hofstede/6-dimensions-for-website-2015-08-16.csv"


# ---------------------------------------------------------------------------------------------
# mutations: each takes the file's text (or bytes) and a chooser, returns the corrupted variant
# ---------------------------------------------------------------------------------------------
class Chooser:
    """Random choices from hypothesis (shrinkable) or from random.Random (the large run)."""

    def __init__(self, draw_int: Callable[[int, int], int]) -> None:
        self.int = draw_int

    def pick(self, items):
        return items[self.int(0, len(items) - 1)]


@dataclass
class Mutation:
    kind: str
    text: bytes
    column: str | None = None  # the column whose cell was replaced
    token: str | None = None


def _rows(text: str, delimiter: str) -> tuple[list[list[str]], int]:
    """Parsed rows and the index of the header (the first row with more than 3 fields)."""
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = next((k for k, r in enumerate(rows) if len(r) > 3), 0)
    return rows, header


def _write(rows: list[list[str]], delimiter: str, eol: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=eol).writerows(rows)
    return out.getvalue()


def mutate(target: Target, raw: bytes, choose: Chooser) -> Mutation:
    """One corrupted variant of ``raw`` (the file's uncompressed bytes)."""
    kinds = ("truncate", "flip", "delete_row", "duplicate_row", "add_column", "inject", "inject",
             "inject_checked", "inject_checked", "raw_insert", "rename_header", "short_last_line")  # fmt: skip
    kind = choose.pick(kinds)
    if kind == "truncate":
        return Mutation(kind, raw[: choose.int(0, len(raw) - 1)])
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(choose.int(1, 5)):
            data[choose.int(0, len(data) - 1)] = choose.int(0, 255)
        return Mutation(kind, bytes(data))
    if kind == "raw_insert":
        at = choose.int(0, len(raw))
        token = choose.pick(TOKENS)
        return Mutation(kind, raw[:at] + token.encode() + raw[at:], token=token)
    text = raw.decode(target.encoding)
    eol = "\r\n" if "\r\n" in text else "\n"
    rows, head = _rows(text, target.delimiter)
    data_rows = list(range(head + 1, len(rows)))
    if not data_rows:
        return Mutation("truncate", raw[: len(raw) // 2])
    header = rows[head]
    if kind in ("delete_row", "duplicate_row"):
        k = choose.pick(data_rows)
        rows[k:k + 1] = [] if kind == "delete_row" else [rows[k], list(rows[k])]  # fmt: skip
    elif kind == "add_column":
        name = choose.pick(("extra", "", header[0], "value", "2021"))
        where = choose.pick(("all", "header", "one_row"))
        if where in ("all", "header"):
            header.append(name)
        for k in data_rows if where == "all" else [choose.pick(data_rows)] if where == "one_row" else []:
            rows[k].append(choose.pick(TOKENS[:12]))
    elif kind in ("inject", "inject_checked"):
        checked = [c for c in target.checked if c in header]
        column = choose.pick(checked) if kind == "inject_checked" and checked else choose.pick(header)
        token = choose.pick(TOKENS)
        k = choose.pick(data_rows)
        c = header.index(column)
        if c < len(rows[k]):
            rows[k][c] = token
        return Mutation(kind, _write(rows, target.delimiter, eol).encode(target.encoding), column, token)
    elif kind == "rename_header":
        header[choose.int(0, len(header) - 1)] = choose.pick(("", "x", header[-1], " ", "year"))
    elif kind == "short_last_line":
        last = "".join(_write([rows[-1]], target.delimiter, ""))
        cut = _write(rows[:-1], target.delimiter, eol) + last[: choose.int(1, max(1, len(last) - 1))]
        return Mutation(kind, cut.encode(target.encoding))
    return Mutation(kind, _write(rows, target.delimiter, eol).encode(target.encoding))


# ---------------------------------------------------------------------------------------------
# running one case and judging it
# ---------------------------------------------------------------------------------------------
def dump(root: Path) -> str:
    """Every workspace table in a fixed order and every file under trade_flows/, as one digest."""
    import duckdb

    digest = hashlib.sha256()
    with duckdb.connect(str(root / "silkscope.duckdb"), read_only=True) as con:
        query = "SELECT table_name FROM information_schema.tables ORDER BY 1"
        names = [r[0] for r in con.execute(query).fetchall()]
        for name in names:
            rows = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            digest.update(f"{name}:{rows!r}".encode())
    for path in sorted((root / "trade_flows").rglob("*")) if (root / "trade_flows").exists() else []:
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update((root / "silkscope.yaml").read_bytes())
    return digest.hexdigest()


def stored_non_finite(root: Path) -> list[str]:
    """Stored numbers that are inf or NaN (a missing value must be NULL)."""
    import duckdb

    checks = {
        "indicator_values": ["value"],
        "pairs": ["dist_km", "distw_km"],
        "trade_flows": ["value_kusd", "quantity_t"],
    }
    found = []
    with duckdb.connect(str(root / "silkscope.duckdb"), read_only=True) as con:
        for table, columns in checks.items():
            for column in columns:
                n = con.execute(
                    f"SELECT count(*) FROM {table} WHERE isinf({column}) OR isnan({column})"
                ).fetchone()[0]
                if n:
                    found.append(f"{table}.{column}: {n} non-finite")
    return found


def must_refuse(target: Target, mutation: Mutation) -> bool:
    """True when the mutation put into a checked column a cell that may never be imported."""
    if mutation.kind not in ("inject", "inject_checked") or mutation.column not in target.checked:
        return False
    role, token = target.checked[mutation.column], mutation.token
    if token == HUGE or token == "\x00" or (token in OVERFLOW and role != "key"):
        return True  # 'inf' is a possible id text; in a code column it is an unknown code anyway
    if role == "key" and not token.strip():
        return True
    # a decimal comma written into a cell is quoted by the csv writer, so it is decided per
    # column (io/numbers.py) and may be read; unquoted ones come from raw_insert (field counts)
    return role == "year" and token in ("2021.5", "", " ", "NaN", "nan", "3,12", "1.234,5", "1,234")


@dataclass
class Outcome:
    kind: str  # imported | refused | traceback | silent | changed | unnamed
    detail: str = ""


def write_case(target: Target, payload: bytes, folder: Path, choose: Chooser | None = None) -> Path:
    path = folder / target.filename
    if target.compressed:
        payload = gzip.compress(payload, mtime=0)
        if choose is not None and choose.int(0, 3) == 0:  # damage the gzip stream itself
            cut = choose.int(0, len(payload) - 1)
            payload = payload[:cut] if choose.int(0, 1) else payload[:cut] + b"\x00" + payload[cut + 1 :]
    path.write_bytes(payload)
    return path


def run_case(target: Target, mutation: Mutation, ws: Path, data: Path, folder: Path, choose) -> Outcome:
    file = write_case(target, mutation.text, folder, choose)
    before = dump(ws)
    result = runner.invoke(app, [*target.command, str(file), *target.extra(data), "--workspace", str(ws)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return Outcome("traceback", f"{type(result.exception).__name__}: {result.exception}"[:300])
    if result.exit_code == 0:
        bad = stored_non_finite(ws)
        if bad:
            return Outcome("silent", "; ".join(bad))
        if must_refuse(target, mutation):
            return Outcome("silent", f"{mutation.token[:20]!r} in column {mutation.column!r} was imported")
        return Outcome("imported")
    if dump(ws) != before:
        return Outcome(
            "changed", f"exit {result.exit_code} but the workspace changed: {result.output[-300:]}"
        )
    if target.filename not in result.output.replace("\n", ""):
        return Outcome("unnamed", result.output[-400:])
    return Outcome("refused")


def hofstede_case(raw: bytes, mutation: Mutation, folder: Path) -> Outcome:
    from silkscope.io.hofstede import SCORE_RANGE, read_hofstede

    path = folder / "6-dimensions-for-website-2015-08-16.csv"
    path.write_bytes(mutation.text)
    try:
        table = read_hofstede(path)
    except SilkscopeError as exc:
        return Outcome("refused" if path.name in str(exc) else "unnamed", str(exc)[:300])
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure looked for
        return Outcome("traceback", f"{type(exc).__name__}: {exc}"[:300])
    scores = table.scores[["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]]
    low, high = SCORE_RANGE
    if ((scores < low) | (scores > high)).any().any() or scores.isin([float("inf")]).any().any():
        return Outcome("silent", "a score outside 0-120 was read")
    return Outcome("imported")


HOFSTEDE_TARGET = Target(
    "hofstede", [], "6-dimensions-for-website-2015-08-16.csv", lambda d: (d / HOFSTEDE).read_bytes(),
    delimiter=";", checked={d: "number" for d in ("pdi", "idv", "mas", "uai", "ltowvs", "ivr")},
)  # fmt: skip


def seeded_workspace(target: Target, data: Path, folder: Path) -> Path:
    """A workspace holding the real file's import, so that a refused import has data to leave alone."""
    ws = folder / f"ws_{target.name}"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    file = write_case(target, target.build(data), folder)
    result = runner.invoke(app, [*target.command, str(file), *target.extra(data), "--workspace", str(ws)])
    assert result.exit_code == 0, f"the real {target.name} file must import: {result.output}"
    return ws


# ---------------------------------------------------------------------------------------------
# the bounded CI suite
# ---------------------------------------------------------------------------------------------
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_importer_survives_corrupted_real_files(name: str, shared_data: Path, tmp_path_factory):
    target = TARGETS[name]
    folder = tmp_path_factory.mktemp(f"fuzz_{name}")
    ws = seeded_workspace(target, shared_data, folder)
    raw = target.build(shared_data)
    seen: list[str] = []

    @FUZZ
    @given(st.data())
    def check(draw):
        choose = Chooser(lambda lo, hi: draw.draw(st.integers(lo, hi)))
        mutation = mutate(target, raw, choose)
        outcome = run_case(target, mutation, ws, shared_data, folder, choose)
        seen.append(outcome.kind)
        assert outcome.kind in ("imported", "refused"), (
            f"{name} / {mutation.kind} ({mutation.column!r}={str(mutation.token)[:30]!r}): "
            f"{outcome.kind}: {outcome.detail}"
        )

    check()
    assert len(seen) >= min(EXAMPLES, 1)


@pytest.mark.shared
def test_hofstede_reader_survives_corrupted_real_file(shared_data: Path, tmp_path: Path):
    raw = HOFSTEDE_TARGET.build(shared_data)

    @FUZZ
    @given(st.data())
    def check(draw):
        choose = Chooser(lambda lo, hi: draw.draw(st.integers(lo, hi)))
        mutation = mutate(HOFSTEDE_TARGET, raw, choose)
        outcome = hofstede_case(raw, mutation, tmp_path)
        assert outcome.kind in ("imported", "refused"), f"hofstede / {mutation.kind}: {outcome.detail}"

    check()


@pytest.mark.shared
def test_the_judge_sees_a_silent_change_and_a_changed_workspace(shared_data: Path, tmp_path: Path):
    """The checks above could fail: a value stored as NaN is caught, and so is a refused import
    that changed the workspace (a control for ``dump``)."""
    import duckdb

    target = TARGETS["geodist"]
    ws = seeded_workspace(target, shared_data, tmp_path)
    before = dump(ws)
    with duckdb.connect(str(ws / "silkscope.duckdb")) as con:
        con.execute("UPDATE pairs SET dist_km = 'NaN'::DOUBLE WHERE origin = 'ABW' AND dest = 'AFG'")
    assert dump(ws) != before
    assert stored_non_finite(ws) == ["pairs.dist_km: 1 non-finite"]
    assert must_refuse(target, Mutation("inject", b"", "dist", "1e309"))
    assert not must_refuse(target, Mutation("inject", b"", "comcol", "1e309"))  # not a column read


# ---------------------------------------------------------------------------------------------
# the one-off large run (not in CI)
# ---------------------------------------------------------------------------------------------
def large_run(cases: int, seed: int, data: Path, folder: Path, progress: Path | None = None) -> dict:
    """``cases`` corrupted files spread over every importer; counts of each outcome (written to
    ``progress`` every 20 cases, so that an interrupted run still reports what it did)."""
    rng = random.Random(seed)
    choose = Chooser(rng.randint)
    names = sorted(TARGETS) + ["hofstede"]
    counts: dict[str, dict[str, int]] = {n: {} for n in names}
    failures: list[str] = []
    workspaces = {n: seeded_workspace(TARGETS[n], data, folder) for n in sorted(TARGETS)}
    raws = {n: TARGETS[n].build(data) for n in sorted(TARGETS)}
    raws["hofstede"] = HOFSTEDE_TARGET.build(data)
    for k in range(cases):
        name = names[k % len(names)]
        target = HOFSTEDE_TARGET if name == "hofstede" else TARGETS[name]
        mutation = mutate(target, raws[name], choose)
        if name == "hofstede":
            outcome = hofstede_case(raws[name], mutation, folder)
        else:
            outcome = run_case(target, mutation, workspaces[name], data, folder, choose)
        counts[name][outcome.kind] = counts[name].get(outcome.kind, 0) + 1
        if outcome.kind not in ("imported", "refused"):
            failures.append(f"{name} {mutation.kind} {mutation.column!r} {str(mutation.token)[:20]!r}: "
                            f"{outcome.kind}: {outcome.detail[:200]}")  # fmt: skip
        if progress is not None and (k + 1) % 20 == 0:
            progress.write_text(json.dumps(_summary(k + 1, seed, counts, failures), indent=1))
    return _summary(cases, seed, counts, failures)


def _summary(done: int, seed: int, counts: dict[str, dict[str, int]], failures: list[str]) -> dict:
    total: dict[str, int] = {}
    for per in counts.values():
        for kind, n in per.items():
            total[kind] = total.get(kind, 0) + n
    return {"cases": done, "seed": seed, "total": total, "by_importer": counts, "failures": failures}


if __name__ == "__main__":
    import argparse
    import tempfile

    from silkscope.paths import shared_data_dir

    parser = argparse.ArgumentParser(description="Fuzz every importer with corrupted real files.")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--progress", type=Path, default=None, help="JSON file of the counts so far")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="silkscope-fuzz-"))
    try:
        report = large_run(args.cases, args.seed, shared_data_dir(), scratch, args.progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    print()
