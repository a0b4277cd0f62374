"""The packaged UNESCO FCS 2009 classification (Table 3, HS 2007), its mapping to every BACI
revision through the UNSD correlation tables, and the ``--products`` selections built on it,
checked against the shared source files and the real BACI extracts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.paths import REFERENCE_DIR
from silkscope.reference.cultural_goods import (
    MAPPED,
    MAPPED_COLUMNS,
    PACKAGED,
    classified,
    cultural_goods,
    cultural_products,
    revision_mapping,
)
from silkscope.trade.codes import CERAMICS, product_selection

ROOT = Path(__file__).resolve().parents[1]
BACI = "baci"
HS92_FILE = "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz"
HS17_FILE = "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"
TARGETS = ("HS92", "HS96", "HS02", "HS12", "HS17", "HS22")
SIX_HEADINGS = {"3702", "3703", "8527", "8528", "9006", "9007"}


def _script():
    spec = importlib.util.spec_from_file_location(
        "build_cultural_goods", ROOT / "scripts" / "build_cultural_goods.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fcs(shared_data) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "unesco_fcs2009" / "unesco_fcs2009_cultural_goods_hs2007.csv",
        dtype=str,
        keep_default_na=False,
    )


def test_85_core_codes_and_counts_per_domain_equal_the_shared_file(shared_data):
    table = cultural_goods("unesco_fcs_2009")
    core = table[table["category"] == "core"]
    assert len(core) == 85 and core["hs6"].is_unique
    assert set(core["domain"]) == set("ABCDEF")
    counts = pd.read_csv(shared_data / "unesco_fcs2009" / "fcs2009_counts_by_group.csv")
    published = counts[counts["core_or_related"].str.startswith("core")]
    by_domain = (
        published.assign(domain=published["domain_or_group"].str[0]).groupby("domain")["n_codes"].sum()
    )
    assert core.groupby("domain").size().to_dict() == by_domain.to_dict()
    assert by_domain.to_dict() == {"A": 2, "B": 19, "C": 49, "D": 11, "E": 3, "F": 1}
    # subgroups too (e.g. C: paintings 3, other visual arts 12, craft 24, jewellery 8, photography 2)
    mine = core.groupby(["domain", "subgroup"]).size()
    theirs = published.set_index([published["domain_or_group"].str[0], "subgroup"])["n_codes"]
    assert mine.to_dict() == theirs.to_dict()


def test_every_row_cites_table_3_and_its_printed_page(fcs):
    table = cultural_goods("unesco_fcs_2009")
    assert table["source"].str.contains("Framework for Cultural Statistics").all()
    assert table["locator"].str.fullmatch(r"Table 3, printed p\. \d\d \(PDF p\. \d\d\), row order \d+").all()
    printed = table["locator"].str.extract(r"printed p\. (\d\d)")[0].astype(int)
    assert printed.between(65, 73).all()
    # one packaged row per printed 6-digit row; every printed row is there
    assert set(table["printed_code"]) == set(fcs["hs6"])
    assert table["handling"].str.startswith("as printed").sum() == 157
    assert table.loc[table["handling"].str.contains("italics"), "hs6"].tolist() == ["701890"]


def test_typos_corrected_and_headings_expanded_each_marked(shared_data):
    table = cultural_goods("unesco_fcs_2009")
    for printed, code in (("834316", "844316"), ("834317", "844317")):
        [row] = [r for _, r in table[table["printed_code"] == printed].iterrows()]
        assert row["hs6"] == code and row["category"] == "equipment" and row["domain"] == "D"
        assert row["handling"].startswith(f"printed {printed}")
    h3 = json.loads((shared_data / "hs_correlation" / "classificationH3.json").read_text("utf-8"))
    subheadings = {r["id"] for r in h3["results"] if len(r["id"]) == 6}
    expanded = table[table["handling"].str.startswith("expanded")]
    assert set(expanded["printed_code"]) == SIX_HEADINGS
    for heading, rows in expanded.groupby("printed_code"):
        assert set(rows["hs6"]) == {c for c in subheadings if c.startswith(heading)}
        assert (rows["handling"] == f"expanded from heading {heading}").all()
    assert len(expanded) == 18 + 3 + 8 + 9 + 11 + 5  # 3702, 3703, 8527, 8528, 9006, 9007
    assert expanded["category"].eq("equipment").all()


def test_every_code_exists_in_its_revision(shared_data):
    build = _script()
    table = cultural_goods("unesco_fcs_2009")
    assert set(table["hs6"]) <= build.nomenclature("HS07")
    mapped = pd.read_csv(MAPPED, dtype=str, keep_default_na=False)
    assert tuple(mapped.columns) == MAPPED_COLUMNS
    assert set(mapped["hs_revision"]) == set(TARGETS)
    for revision, rows in mapped.groupby("hs_revision"):
        missing = set(rows["hs6"]) - build.nomenclature(revision)
        assert not missing, f"{revision}: {sorted(missing)}"
    # the UN Comtrade lists, not the tables the mapping was read from: HS92 and HS17
    assert len(build.nomenclature("HS92")) > 5000 and "970110" in build.nomenclature("HS17")
    assert "970121" in build.nomenclature("HS22") and "970110" not in build.nomenclature("HS22")


def test_regenerating_reproduces_the_packaged_tables(shared_data, monkeypatch):
    monkeypatch.setenv("SILKSCOPE_SHARED_DATA", str(shared_data))
    goods, mapped = _script().build()
    assert PACKAGED.read_text("utf-8") == goods.to_csv(index=False, lineterminator="\n")
    assert MAPPED.read_text("utf-8") == mapped.to_csv(index=False, lineterminator="\n")


def test_mapping_keeps_relationship_and_partial_consistently():
    mapped = pd.read_csv(MAPPED, dtype=str, keep_default_na=False)
    assert mapped["relationship"].isin(["1:1", "1:n", "n:1", "n:n"]).all()
    # partial = the target is linked to other HS 2007 codes: UNSD's "n" on the HS 2007 side
    partial = mapped["partial"] == "yes"
    assert (partial == (mapped["also_covers_hs07"] != "")).all()
    assert (partial == (mapped["also_covers_n"].astype(int) > 0)).all()
    listed = mapped["also_covers_hs07"].str.split().str.len().fillna(0)
    assert (
        (listed == mapped["also_covers_n"].astype(int)) | mapped["also_covers_hs07"].str.endswith("...")
    ).all()
    assert mapped.loc[partial, "relationship"].isin(["n:1", "n:n"]).all()
    assert mapped.loc[mapped["relationship"] == "1:1", "partial"].eq("no").all()
    # every classified code keeps at least one selected target in every revision
    goods = cultural_goods("unesco_fcs_2009")
    for revision in TARGETS:
        chosen = revision_mapping(revision).query("selected == 'yes'")
        assert set(chosen["hs07"]) == set(goods["hs6"]), revision
    # hand-checked links: paintings split by age in HS 2022; video games 9504.10 became 9504.50
    hs22 = revision_mapping("HS22").query("hs07 == '970110' and selected == 'yes'")
    assert set(hs22["hs6"]) == {"970121", "970191"} and set(hs22["relationship"]) == {"1:n"}
    hs17 = revision_mapping("HS17").query("hs07 == '950410' and selected == 'yes'")
    assert list(hs17["hs6"]) == ["950450"]


@pytest.mark.parametrize("revision", ["HS92", "HS17"])
def test_cultural_selection_spot_checks(revision):
    core = cultural_products("unesco_fcs_2009", list("ABCDEF"), revision, categories=("core",))
    assert {"970110", "691390"} <= set(core)
    assert product_selection("cultural", revision) == core
    assert product_selection("cultural:C", revision) == cultural_products(
        "unesco_fcs_2009", ["C"], revision, categories=("core",)
    )
    every = product_selection("cultural:all", revision)
    assert set(core) < set(every)
    assert "691110" not in core  # porcelain tableware is not FCS cultural; ceramics is our basket
    assert product_selection("ceramics", revision) == list(CERAMICS)
    with pytest.raises(InputError, match="cultural:all"):
        product_selection("cultural:H", revision)
    with pytest.raises(InputError, match="not an HS code"):
        product_selection("cultral", revision)


def test_hs92_core_selection_is_the_selected_links_of_the_85_codes():
    links = revision_mapping("HS92")
    expected = links[(links["selected"] == "yes") & (links["category"] == "core")]["hs6"]
    assert product_selection("cultural", "HS92") == sorted(set(expected))
    assert len(product_selection("cultural", "HS07")) == 85
    domains = classified("unesco_fcs_2009", None, "HS22", categories=("core",))
    assert domains.loc[domains["product"] == "970121", "domain"].tolist() == ["C"]


def _import(workspace, shared_data, file: str) -> None:
    run = CliRunner().invoke(
        app, ["import", "baci", str(shared_data / BACI / file), "--workspace", str(workspace.root)]
    )
    assert run.exit_code == 0, run.output


@pytest.mark.parametrize(("file", "revision"), [(HS92_FILE, "HS92"), (HS17_FILE, "HS17")])
def test_values_by_domain_on_both_baci_extracts(workspace, shared_data, tmp_path, file, revision):
    """ZAF's exports by FCS domain from the imported extract equal pandas sums over the same
    mapped codes, and --products cultural selects exactly the flows of the mapped codes."""
    _import(workspace, shared_data, file)
    raw = (
        pd.read_parquet(shared_data / BACI / file)
        if file.endswith("parquet")
        else pd.read_csv(shared_data / BACI / file, dtype={"k": str})
    )
    raw["k"] = raw["k"].astype(str).str.zfill(6)
    zaf = raw[(raw.i == 710) & (raw.i != raw.j)]
    core = classified("unesco_fcs_2009", None, revision, categories=("core",))
    assert {"970110", "691390"} <= set(core["product"]) & set(zaf["k"])
    out = tmp_path / "domain.csv"
    args = ["trade", "values", "--workspace", str(workspace.root), "--exporter", "ZAF"]
    run = CliRunner().invoke(
        app, [*args, "--by", "exporter,domain,year", "--products", "cultural", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    values = pd.read_csv(out).set_index("domain")
    merged = zaf.merge(core, left_on="k", right_on="product")
    expected = merged.groupby("domain")["v"].sum()
    assert values["value"].to_dict() == pytest.approx(expected.to_dict(), rel=1e-9)
    assert values["share"].sum() == pytest.approx(1.0)
    out = tmp_path / "products.csv"
    run = CliRunner().invoke(
        app, [*args, "--by", "exporter,product", "--products", "cultural", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    products = pd.read_csv(out, dtype={"product": str}).set_index("product")["value"]
    assert set(products.index) == set(core["product"]) & set(zaf["k"])
    for code in ("970110", "691390"):
        assert products[code] == pytest.approx(zaf.loc[zaf.k == code, "v"].sum(), rel=1e-9)


def test_data_file_without_a_revision_asks_for_hs(tmp_path):
    data = tmp_path / "flows.csv"
    pd.DataFrame({"t": [2020], "i": [710], "j": [156], "k": ["970110"], "v": [1.0]}).to_csv(data, index=False)
    out = tmp_path / "v.csv"
    args = ["trade", "values", "--data", str(data), "--by", "exporter,domain", "--out", str(out)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code != 0 and "--hs" in run.output and "Traceback" not in run.output
    run = CliRunner().invoke(app, [*args, "--hs", "HS17"])
    assert run.exit_code == 0, run.output
    assert pd.read_csv(out).set_index("domain").loc["C", "value"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("revision", "codes", "expected"),
    [
        # HS 2022 splits paintings (9701.21/9701.91, both C); 8549 e-waste is not selected
        ("HS22", ["970121", "970191", "854921", "490199"], {"C": 3.0, "D": 8.0}),
        ("HS12", ["970110", "950450", "852349"], {"C": 1.0, "E": 2.0}),  # video games: 9504.50 since HS 2012
        ("HS07", ["970110", "950410", "852349"], {"C": 1.0, "E": 2.0}),
        ("HS02", ["970110", "852320", "490199"], {"C": 1.0, "B": 2.0, "D": 4.0}),
    ],
)
def test_values_by_domain_in_other_revisions(tmp_path, revision, codes, expected):
    """Synthetic flows (values 1, 2, 4, 8) in revisions with no BACI extract here: the flows'
    revision (named in the file) picks the mapping."""
    values = [1.0, 2.0, 4.0, 8.0][: len(codes)]
    data = tmp_path / f"BACI_{revision}_Y2022_V202401.csv"
    frame = pd.DataFrame({"t": 2022, "i": 710, "j": 156, "k": codes, "v": values})
    frame.to_csv(data, index=False)
    out = tmp_path / "v.csv"
    args = ["trade", "values", "--data", str(data), "--by", "exporter,domain", "--out", str(out)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert pd.read_csv(out).set_index("domain")["value"].to_dict() == pytest.approx(expected)


def test_the_product_reads_no_shared_file():
    for name in ("cultural_goods.py", "cultural_goods.csv", "cultural_goods_hs_revisions.csv"):
        assert "shared" not in (REFERENCE_DIR / name).read_text("utf-8").replace("shared_data", "")


def _hs17_flows(shared_data) -> pd.DataFrame:
    from silkscope.trade.codes import to_iso3

    raw = pd.read_parquet(shared_data / BACI / HS17_FILE)
    return pd.DataFrame(
        {
            "year": raw.t.astype(int),
            "exporter": to_iso3(raw.i),
            "importer": to_iso3(raw.j),
            "product": raw.k,
            "value": raw.v,
        }
    )


def test_report_domain_table_equals_hand_sums(shared_data):
    """The report's domain table for ZAF (HS17 2020 extract): exports, share, RCA and top market
    per domain equal sums over the mapped codes done here in pandas."""
    from silkscope.i18n import Translator
    from silkscope.report.trade_sections import TradeInputs, domain_part

    flows = _hs17_flows(shared_data)
    trade = TradeInputs(flows, False, "workspace /tmp/x (HS17)")
    part = domain_part(trade, Translator("en"), "ZAF", 2020)
    [table] = part.tables
    frame = table.frame.set_index("Domain")
    core = classified("unesco_fcs_2009", None, "HS17", categories=("core",))
    domain_of = dict(zip(core["product"], core["domain"], strict=True))
    f = flows[flows.exporter != flows.importer].assign(domain=lambda d: d["product"].map(domain_of))
    zaf = f[f.exporter == "ZAF"]
    cultural = zaf[zaf.domain.notna()]
    for domain, rows in cultural.groupby("domain"):
        value = rows.value.sum()
        assert frame.loc[domain, "Exports (thousand USD)"] == pytest.approx(round(value, 3))
        share = value / cultural.value.sum() * 100
        assert frame.loc[domain, "Share of core cultural exports (%)"] == pytest.approx(round(share, 2))
        rca = (value / zaf.value.sum()) / (f.loc[f.domain == domain, "value"].sum() / f.value.sum())
        assert frame.loc[domain, "Revealed comparative advantage (RCA)"] == pytest.approx(round(rca, 3))
        top = rows.groupby("importer").value.sum().sort_values(ascending=False)
        assert frame.loc[domain, "Top market (ISO3)"] == top.index[0]
    assert "2 exporters" in " ".join(part.paragraphs) and "HS17" in table.title
    assert "Visual Arts and Crafts" in set(frame["Domain name"])
    zh = domain_part(trade, Translator("zh"), "ZAF", 2020)
    assert "视觉艺术和手工艺" in set(zh.tables[0].frame["领域名称"])


def test_report_says_what_to_import_when_flows_cannot_support_domains(shared_data):
    from silkscope.i18n import Translator
    from silkscope.report.trade_sections import TradeInputs, domain_part

    flows = _hs17_flows(shared_data)
    unknown = domain_part(TradeInputs(flows, False, "a file"), Translator("en"), "ZAF", 2020)
    assert not unknown.tables and "silkscope import baci" in unknown.paragraphs[0]
    none = domain_part(
        TradeInputs(flows[~flows["product"].isin(product_selection("cultural", "HS17"))], False, "x (HS17)"),
        Translator("zh"),
        "ZAF",
        2020,
    )
    assert not none.tables and "silkscope import baci" in none.paragraphs[0]


def test_report_domains_on_the_demo_flows_use_hs2007_codes():
    from silkscope.i18n import Translator
    from silkscope.report.trade_sections import TradeInputs, domain_part
    from silkscope.trade.demo import DEMO_SOURCE_ID, demo_flows

    flows = demo_flows()
    part = domain_part(TradeInputs(flows, True, DEMO_SOURCE_ID), Translator("en"), "CHN", 2022)
    frame = part.tables[0].frame
    # demo codes: 920290 (B), 691390 970110 970300 (C), 490199 (D); the tableware is not FCS
    assert set(frame["Domain"]) == {"B", "C", "D"}
    assert frame["Share of core cultural exports (%)"].sum() == pytest.approx(100, abs=0.05)
    assert set(frame["HS codes exported"]) <= {1, 2, 3}


def test_user_classification_and_other_schemes_keep_their_rows(tmp_path):
    """A user file is used as before: all its rows (any category), its own codes whatever the
    flows' revision; an UNCTAD one selects by its own group ids; the packaged UNCTAD scheme
    still says it is unsourced."""
    from silkscope.errors import DataUnavailableError
    from silkscope.reference.cultural_goods import COLUMNS

    rows = [
        ["unesco_fcs_2009", "2009", "HS07", "111111", "C", "x", "x", "core"],
        ["unesco_fcs_2009", "2009", "HS07", "222222", "E", "x", "x", "equipment"],
        ["unctad_creative_goods", "2010", "HS02", "033333", "art_crafts", "x", "x", "carpets"],
    ]
    path = tmp_path / "goods.csv"
    pd.DataFrame([[*r, "synthetic test fixture", "none"] for r in rows], columns=list(COLUMNS)).to_csv(
        path, index=False
    )
    assert product_selection("cultural", "HS17", classification=str(path)) == ["111111", "222222"]
    assert product_selection("cultural:E", "HS92", classification=str(path)) == ["222222"]
    unctad = product_selection("cultural:art_crafts", "HS17", "unctad_creative_goods", str(path))
    assert unctad == ["033333"]
    with pytest.raises(DataUnavailableError, match="unctad_creative_goods"):
        product_selection("cultural", "HS17", "unctad_creative_goods")


@pytest.mark.parametrize(
    ("revision", "file"),
    [
        ("HS92", "HS_2007_to_HS_1992_Correlation_and_conversion_tables.xls"),
        ("HS02", "HS_2007_to_HS_2002_Correlation_and_conversion_tables.xls"),
    ],
)
def test_partial_equals_unsds_own_ex_mark(shared_data, revision, file):
    """Our ``partial`` (the target is linked to other HS 2007 codes too) is derived from the links;
    UNSD prints it independently: "ex." before a target code that is only partly concerned."""
    raw = pd.read_excel(
        shared_data / "hs_correlation" / file, sheet_name="Correlation Tables", header=None, dtype=str
    )
    raw = raw.iloc[2:].set_axis(["hs07", "ex", "hs6", "relationship"], axis=1)
    raw["ex"] = raw["ex"].fillna("").str.strip().str.rstrip(".").str.lower().eq("ex")
    mapped = revision_mapping(revision).merge(raw[["hs07", "hs6", "ex"]], on=["hs07", "hs6"], how="left")
    assert mapped["ex"].notna().all()
    assert (mapped["partial"].eq("yes") == mapped["ex"]).all()
    assert mapped["ex"].sum() == {"HS92": 98, "HS02": 52}[revision]
