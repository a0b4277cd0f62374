"""Issue 15 parts 3 and 5, the leftovers: every --out is refused before any work, and the inputs that
raised tracebacks (Comtrade JSON with a repeated key, an xlsx without worksheets, malformed GeoJSON,
a damaged zip or gzip, a lowercase unknown GeoDist code, a text-only wide table, a 140 kB cell ...)
end with a message naming the file. Hofstede scores are range-checked (0-120)."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import typer.main
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.geo import read_province_geometry

runner = CliRunner()


def invoke(*args: object) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, [str(a) for a in args])
    unexpected = None if isinstance(result.exception, SystemExit | None) else result.exception
    return result.exit_code, result.output, unexpected


# -- output paths ---------------------------------------------------------------------------------
def output_commands() -> list[tuple[tuple[str, ...], str, bool]]:
    """(command words, option, is a folder) of every command that writes an output path."""
    found = []
    root = typer.main.get_command(app)
    for name, group in root.commands.items():
        subs = getattr(group, "commands", None)
        pairs = [((name, sub), c) for sub, c in subs.items()] if subs else [((name,), group)]
        for words, command in pairs:
            for param in command.params:
                for option in param.opts:
                    if option in ("--out", "--recommendations"):
                        folder = words in (("report",), ("trade", "complexity"))
                        found.append((words, option, folder))
    return found


COMMANDS = output_commands()


def test_every_output_writing_command_is_found():
    groups = {words[0] for words, _, _ in COMMANDS}
    assert groups == {"index", "trade", "partners", "cluster", "regions", "report", "talent"}
    assert len(COMMANDS) >= 25  # 24 commands, partners tiers with two outputs


@pytest.mark.parametrize("words,option,folder", COMMANDS, ids=[" ".join(c[0]) + c[1] for c in COMMANDS])
def test_bad_output_paths_are_refused_while_parsing(tmp_path: Path, words, option, folder):
    """--out is given first and no input at all: the message is about --out, so it came before
    any input was read (a later check would have complained about the missing input)."""
    suffix = ".xlsx" if words == ("index", "audit") else ".csv"  # audit writes one workbook
    existing = tmp_path / f"taken{suffix}"
    existing.mkdir()
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me", encoding="utf-8")
    if folder:
        bad = {a_file: "is a file", Path("/proc/silkscope-out"): "system folder", a_file / "sub": "is a file"}
    else:
        bad = {
            existing: "it is a folder",
            Path(f"/proc/silkscope{suffix}"): "system folder",
            tmp_path / "result.txt": "must end in one of",
            a_file / f"result{suffix}": "is a file, not a folder",
        }
    for path, reason in bad.items():
        code, output, unexpected = invoke(*words, option, path)
        assert unexpected is None, unexpected
        assert code == 2 and reason in output.replace("\n", ""), (words, path, output)
    assert a_file.read_text(encoding="utf-8") == "keep me" and not any(existing.iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder, so none is unwritable")
def test_an_unwritable_folder_is_refused(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, output, _ = invoke("index", "build", "--out", locked / "x.csv")
        assert code == 2 and "not writable" in output
    finally:
        locked.chmod(0o755)


# -- inputs that raised tracebacks ----------------------------------------------------------------
@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert invoke("init", root)[0] == 0
    return root


COMTRADE_ROW = {"refYear": 2021, "flowCode": "X", "reporterCode": "156", "partnerCode": "4",
                "cmdCode": "970110", "primaryValue": 1000, "netWgt": 5, "classificationCode": "H5"}  # fmt: skip


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{"data": [{"refYear": 2021, "refYear": 2022}]}', "the key 'refYear' appears twice"),
        (f'{{"data": [], "data": [{json.dumps(COMTRADE_ROW)}]}}', "the key 'data' appears twice"),
        ('{"data": [{"refYear": -Infinity}]}', "-Infinity is not a number a Comtrade file can hold"),
        ('{"data": [1, 2]}', "record 1 of 'data' is a number, not an object"),
        ('{"data": [{"refYear": {"a": 1}}]}', "field 'refYear' holds a object"),
        ('{"data": {"a": 1}}', "'data' holds a object, not a list"),
        ("[1, 2", "is not valid JSON"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ('{"rows": []}', "holds its rows under 'data'"),
        ('{"data": []}', "'data' holds no records"),
    ],
)
def test_comtrade_json_is_checked_before_duckdb(ws: Path, tmp_path: Path, text: str, expected: str):
    path = tmp_path / "comtrade.json"
    path.write_text(text, encoding="utf-8")
    code, output, unexpected = invoke("import", "comtrade", path, "--workspace", ws)
    assert unexpected is None and code == 2
    flat = output.replace("\n", " ")
    assert "comtrade.json" in flat and expected in flat, output


def test_comtrade_json_still_imports(ws: Path, tmp_path: Path):
    path = tmp_path / "comtrade.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"data": [COMTRADE_ROW]}).encode()))
    code, output, unexpected = invoke("import", "comtrade", path, "--workspace", ws)
    assert unexpected is None and code == 0, output
    assert "imported 1 flows (HS17" in output.replace("\n", " ")


def test_xlsx_without_worksheet_parts(ws: Path, tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.append(["unit_id", "year", "x"])
    book.active.append(["CHN", 2020, 1])
    book.save(tmp_path / "ok.xlsx")
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as src, zipfile.ZipFile(tmp_path / "bare.xlsx", "w") as dst:
        for name in src.namelist():
            if "worksheets/sheet" not in name:
                dst.writestr(name, src.read(name))
    for command in ("table", "geodist"):
        code, output, unexpected = invoke("import", command, tmp_path / "bare.xlsx", "--workspace", ws)
        assert unexpected is None and code == 2
        assert "bare.xlsx: the workbook holds no worksheet" in output.replace("\n", " ")


def test_damaged_gzip_and_parquet_say_what_to_do(ws: Path, tmp_path: Path):
    data = gzip.compress(b"unit_id,year,x\n" + b"CHN,2020,1\n" * 2000)
    (tmp_path / "t.csv.gz").write_bytes(data[:-40])
    half = bytearray(data)
    half[len(half) // 2 : len(half) // 2 + 8] = b"\x00" * 8  # a damaged deflate block: zlib.error
    (tmp_path / "d.csv.gz").write_bytes(bytes(half))
    (tmp_path / "p.parquet").write_bytes(b"PAR1 not really PAR1")
    for name in ("t.csv.gz", "d.csv.gz", "p.parquet"):
        code, output, unexpected = invoke("import", "table", tmp_path / name, "--workspace", ws)
        assert unexpected is None and code == 2, output
        assert name in output and "Fix:" in output, output


@pytest.mark.parametrize(
    "text",
    [
        "unit_id,year,a,b\n北京,2020,x,y\n天津,2020,z,w\n",  # text-only wide table
        "地区,2019年,2020年\n北京,x,y\n天津,z,w\n",
        'unit_id,year,x\nCHN,2020,"' + "a" * 140_000 + '"\n',  # a cell over 128 KB
        "unit_id,year,x\nCHN,2020," + "1" * 140_000 + "\n",
    ],
)
def test_text_only_and_huge_cells_are_messages(ws: Path, tmp_path: Path, text: str):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    code, output, unexpected = invoke("import", "table", path, "--workspace", ws)
    assert unexpected is None and code == 2 and "t.csv" in output


def test_lowercase_unknown_geodist_code(ws: Path, tmp_path: Path):
    path = tmp_path / "dist.csv"
    path.write_text(
        "iso_o,iso_d,contig,comlang_off,comlang_ethno,colony,dist,distw\nchn,xxq,0,0,0,0,100,100\n",
        encoding="utf-8",
    )
    code, output, unexpected = invoke("import", "geodist", path, "--workspace", ws)
    assert unexpected is None and code == 2 and "'XXQ': unknown country code" in output


@pytest.mark.shared
def test_damaged_baci_zip(ws: Path, tmp_path: Path, shared_data: Path):
    flows = gzip.decompress(
        (shared_data / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz").read_bytes()
    )
    good = tmp_path / "BACI_HS92_V202301.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("BACI_HS92_Y2021_V202301.csv", flows[:200_000])
        z.write(shared_data / "baci/country_codes_V202301.csv", "country_codes_V202301.csv")
    data = good.read_bytes()
    for name, damaged in {
        "middle.zip": data[: len(data) // 2] + b"\x00" * 100 + data[len(data) // 2 + 100 :],
        "cut.zip": data[:-50],
        "text.zip": b"hello",
    }.items():
        path = tmp_path / f"BACI_HS92_V202301_{name}"
        path.write_bytes(damaged)
        code, output, unexpected = invoke("import", "baci", path, "--workspace", ws)
        assert unexpected is None and code == 2, output
        assert path.name in output.replace("\n", ""), output


# -- GeoJSON for report --province-geometry -------------------------------------------------------
SQUARE = [[[116, 39], [117, 39], [117, 40], [116, 40], [116, 39]]]


def _fc(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(geometry, props=None) -> dict:
    return {
        "type": "Feature",
        "properties": {"adcode": 110000} if props is None else props,
        "geometry": geometry,
    }


MALFORMED = {
    "invalid JSON": ("{", "cannot be read as GeoJSON"),
    "a list": ("[]", "is not a GeoJSON FeatureCollection"),
    "a Feature": ('{"type": "Feature"}', "is not a GeoJSON FeatureCollection (found 'Feature')"),
    "features a number": ('{"type": "FeatureCollection", "features": 5}', "'features' is not a list"),
    "feature a string": (_fc("a"), "feature 1: not a GeoJSON Feature"),
    "properties a list": (_fc({"type": "Feature", "properties": [1], "geometry": None}), "'properties' is not"),
    "no geometry": (_fc(_feature(None)), "feature 1 (Beijing): no geometry"),
    "no coordinates": (_fc(_feature({"type": "Polygon"})), "a Polygon without 'coordinates'"),
    "coordinates text": (_fc(_feature({"type": "Polygon", "coordinates": "x"})), "nest 'x' where a list"),
    "geometry text": (_fc(_feature("x")), "'geometry' is not an object"),
    "NaN": ('{"type": "FeatureCollection", "features": [NaN]}', "NaN is not a number GeoJSON allows"),
    "deep": ('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}", "too deeply"),
    "ring of 3": (_fc(_feature({"type": "Polygon", "coordinates": [SQUARE[0][:3]]})), "needs at least 4"),
    "latitude 95": (
        _fc(_feature({"type": "Polygon", "coordinates": [[[116, 95], [117, 39], [117, 40], [116, 95]]]})),
        "outside longitude",
    ),
    "a point": (_fc(_feature({"type": "Point", "coordinates": [116, 39]})), "a Point, not a Polygon"),
    "twice": (_fc(_feature({"type": "Polygon", "coordinates": SQUARE}), _feature({"type": "Polygon", "coordinates": SQUARE})), "given twice"),
    "no province": (_fc(_feature({"type": "Polygon", "coordinates": SQUARE}, {"name": "Atlantis"})), "no feature names"),
    "binary": (None, "cannot be read as GeoJSON"),
}  # fmt: skip


@pytest.mark.parametrize("label", sorted(MALFORMED))
def test_malformed_geojson_is_refused_naming_the_feature(tmp_path: Path, label: str):
    text, expected = MALFORMED[label]
    path = tmp_path / "provinces.geojson"
    if text is None:
        path.write_bytes(b"\xff\xfe\x00\x01")
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_province_geometry(path)
    message = str(err.value)
    assert "provinces.geojson" in message and expected in message, message


def test_geojson_provinces_are_kept_and_other_features_left_out(tmp_path: Path):
    path = tmp_path / "china.geojson"
    path.write_text(
        _fc(
            _feature({"type": "Polygon", "coordinates": SQUARE}, {"adcode": 110000, "name": "北京市"}),
            _feature({"type": "MultiLineString", "coordinates": [[[110, 10], [111, 11]]]}, {"name": "南海诸岛"}),
            _feature({"type": "MultiPolygon", "coordinates": [SQUARE]}, {"name": "天津"}),
            _feature({"type": "Polygon", "coordinates": SQUARE}, {"name": "香港特别行政区"}),
        ),
        encoding="utf-8",
    )  # fmt: skip
    geometry = read_province_geometry(path)
    assert [f["id"] for f in geometry["features"]] == ["110000", "120000"]


def test_report_refuses_malformed_geojson(tmp_path: Path):
    path = tmp_path / "provinces.geojson"
    path.write_text(MALFORMED["features a number"][0], encoding="utf-8")
    code, output, unexpected = invoke("report", "--out", tmp_path / "rep", "--province-geometry", path)
    assert unexpected is None and code == 2 and "'features' is not a list" in output
    assert not (tmp_path / "rep").exists()


# -- Hofstede's range -------------------------------------------------------------------------------
@pytest.mark.shared
def test_hofstede_scores_are_range_checked(shared_data: Path, tmp_path: Path):
    from silkscope.io.hofstede import SCORE_RANGE, read_hofstede

    real = shared_data / "hofstede/6-dimensions-for-website-2015-08-16.csv"
    scores = read_hofstede(real).scores
    assert SCORE_RANGE == (0.0, 120.0)
    assert scores.loc[scores.ctr == "GRE", "uai"].item() == 112  # above 100, as published
    assert scores[["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]].max().max() == 112
    text = real.read_text(encoding="ascii")
    for bad, where in (("121", "row 2, column 'pdi'"), ("-3", "row 2, column 'pdi'")):
        path = tmp_path / f"hofstede{bad}.csv"
        path.write_text(text.replace("AFE;Africa East;64;", f"AFE;Africa East;{bad};"), encoding="ascii")
        with pytest.raises(InputError, match=rf"{where}: score {bad} is outside 0-120"):
            read_hofstede(path)


# -- country lists and WDI, strictly ---------------------------------------------------------------
@pytest.mark.shared
def test_country_lists_refuse_short_rows_open_quotes_and_decimal_years(
    ws: Path, tmp_path: Path, shared_data: Path
):
    confucius = (shared_data / "confucius_institutes/confucius_institutes.csv").read_text(encoding="utf-8")
    cut = tmp_path / "confucius_institutes.csv"
    cut.write_text(confucius.rstrip("\n").rsplit(",", 3)[0], encoding="utf-8")  # a partial last line
    code, output, unexpected = invoke("import", "confucius", cut, "--workspace", ws)
    assert unexpected is None and code == 2 and "fields, the header has 12" in output, output
    heritage = (shared_data / "unesco_world_heritage/whc_sites_2023_slim.csv").read_text(encoding="utf-8-sig")
    for cell, shown in (("2021.5", "'2021.5'"), ("1e309", "'1e309'"), ("1850", "'1850'")):
        path = tmp_path / "whc.csv"
        path.write_text(heritage.replace(",2003,", f",{cell},", 1), encoding="utf-8")
        code, output, unexpected = invoke("import", "heritage", path, "--workspace", ws)
        assert unexpected is None and code == 2, output
        assert f"row 2, column 'date_inscribed': {shown}: expected a year 1978-" in output, output
    open_quote = tmp_path / "whc_open.csv"
    open_quote.write_text(heritage[: len(heritage) // 2] + ',"unfinished', encoding="utf-8")
    code, output, _ = invoke("import", "heritage", open_quote, "--workspace", ws)
    assert code == 2 and "cannot read as CSV" in output


@pytest.mark.shared
def test_wdi_refuses_non_finite_values_and_repeated_economies(ws: Path, tmp_path: Path, shared_data: Path):
    raw = shared_data / "wdi_extracts/raw"
    name = "API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv"
    lines = (raw / name).read_text(encoding="utf-8-sig").split("\n")
    meta = raw / "Metadata_Country_API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv"
    first = next(k for k, line in enumerate(lines) if line.startswith('"Aruba"'))
    for label, edit in {
        "inf": lambda ls: ls[first].replace('"54922"', '"inf"'),
        "1e309": lambda ls: ls[first].replace('"54922"', '"1e309"'),
        "twice": lambda ls: ls[first] + "\n" + ls[first],
        "aggregate": lambda ls: ls[first],
    }.items():
        changed = [_world(line) if label == "aggregate" else line for line in lines]
        changed[first] = edit(lines)
        path = tmp_path / label / name
        path.parent.mkdir()
        path.write_text("\n".join(changed), encoding="utf-8-sig")
        code, output, unexpected = invoke("import", "wdi", path, meta, "--workspace", ws)
        assert unexpected is None and code == 2, output
        expected = {"twice": "'ABW' has a row already", "aggregate": "'1e309': not a finite number"}.get(
            label, f"'{label}': not a finite number"
        )
        assert expected in output, output


def _world(line: str) -> str:
    """The World aggregate's row with its 1960 cell damaged (aggregates are not stored, but a
    damaged cell in one still means a damaged file); other lines as they are."""
    if not line.startswith('"World","WLD"'):
        return line
    head, _, rest = line.partition('"SP.POP.TOTL",')
    return head + '"SP.POP.TOTL","1e309",' + rest.split(",", 1)[1]


def test_ids_with_control_characters_are_refused(tmp_path: Path):
    from silkscope.io.tables import read_values

    path = tmp_path / "nul.csv"
    path.write_bytes(b"unit_id,year,indicator,value\n110000,2020,a\x00b,1\n")
    with pytest.raises(InputError, match=r"nul.csv, row 2: indicator id 'a\\x00b' holds a control character"):
        read_values(path)


@pytest.mark.shared
def test_hofstede_huge_field_is_a_message(shared_data: Path, tmp_path: Path):
    from silkscope.io.hofstede import read_hofstede

    text = (shared_data / "hofstede/6-dimensions-for-website-2015-08-16.csv").read_text(encoding="ascii")
    path = tmp_path / "hofstede.csv"
    path.write_text(
        text.replace("AFE;Africa East;64;", "AFE;Africa East;" + "7" * 140_000 + ";"), encoding="ascii"
    )
    with pytest.raises(
        InputError, match=r"hofstede.csv, row 2: cannot be read as CSV: field larger than field limit"
    ):
        read_hofstede(path)


def test_comtrade_flow_with_an_empty_partner_is_refused_not_dropped(ws: Path, tmp_path: Path):
    path = tmp_path / "comtrade.csv"
    path.write_text(
        "refYear,reporterCode,flowCode,partnerCode,classificationCode,cmdCode,primaryValue,netWgt\n"
        "2021,156,X,,H0,691110,1000,5\n2021,156,X,842,H0,691110,1000,5\n",
        encoding="utf-8",
    )
    code, output, unexpected = invoke("import", "comtrade", path, "--workspace", ws)
    assert unexpected is None and code == 2
    assert "row 2, column 'partnerCode': '(empty)': unknown country code" in output.replace("\n", " ")
