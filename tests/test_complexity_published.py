"""Complexity on the published export baskets as shipped: own column names, NA as no export,
the year as an integer whatever the file stores, and the Atlas's country filter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.tables import read_raw
from silkscope.trade.complexity import complexity, population_table

COLUMNS = ["--country-column", "reporter_iso", "--product-column", "product_code"]
COLUMNS += ["--value-column", "export_value_usd"]
NAMES = {"country": "reporter_iso", "product": "product_code", "value": "export_value_usd"}


@pytest.fixture(scope="module")
def baskets(shared_data: Path) -> Path:
    return shared_data / "export_baskets" / "world_trade_2017_hs4.csv.gz"


@pytest.fixture(scope="module")
def published(baskets: Path) -> pd.DataFrame:
    """The file as pandas reads it (NA as NaN, codes as text), for the independent checks."""
    return pd.read_csv(baskets, dtype={"product_code": str})


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["trade", "complexity", *args])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_published_file_with_column_options_and_year(tmp_path: Path, baskets: Path, published):
    out = tmp_path / "r"
    text = run("--data", str(baskets), *COLUMNS, "--year", "2017", "--standardise", "r", "--out", str(out))
    missing = int(published["export_value_usd"].isna().sum())
    assert missing == 56_461
    assert f"no export: {missing:,} of 233,432 rows have no value (NA or blank)" in text
    assert "all its rows are taken as year 2017" in text
    assert "country filter: none" in text  # off in the R convention
    cp = pd.read_csv(out / "country_product.csv", dtype={"product": str})
    china = cp[(cp["country"] == "CHN") & (cp["product"] == "6911")].iloc[0]
    assert china["year"] == 2017
    # Balassa (1965) from the file directly: (x_cp / x_c) / (x_p / x), NA = no export
    x = published.dropna(subset=["export_value_usd"])
    chn = x[x["reporter_iso"] == "chn"]
    direct = (
        chn.loc[chn["product_code"] == "6911", "export_value_usd"].sum() / chn["export_value_usd"].sum()
    ) / (x.loc[x["product_code"] == "6911", "export_value_usd"].sum() / x["export_value_usd"].sum())
    assert round(china["rca"], 3) == 4.955 == round(direct, 3)
    assert china["rca"] == pytest.approx(direct, rel=1e-12)
    assert len(pd.read_csv(out / "country.csv")) == 224


@pytest.mark.parametrize("kind", ["csv", "parquet-text", "parquet-int"])
def test_year_matches_as_an_integer(tmp_path: Path, published, kind: str):
    """Two years in one table; --year 2017 picks the 2017 rows whether the file holds the year
    as text (CSV, or a string column in Parquet) or as an integer."""
    part = published[published["product_code"].str[:2].isin(["49", "69", "92", "95", "97"])]
    both = pd.concat(
        [part.assign(year=2016, export_value_usd=part["export_value_usd"] * 2), part.assign(year=2017)]
    )
    path = tmp_path / ("t.csv" if kind == "csv" else "t.parquet")
    if kind == "csv":
        both.to_csv(path, index=False, na_rep="NA")
    else:
        both.astype({"year": str if kind == "parquet-text" else "int32"}).to_parquet(path)
    out = tmp_path / kind
    text = run(
        "--data",
        str(path),
        *COLUMNS,
        "--year-column",
        "year",
        "--year",
        "2017",
        "--standardise",
        "r",
        "--out",
        str(out),
    )
    assert f"no export: {int(both['export_value_usd'].isna().sum()):,}" in text
    country = pd.read_csv(out / "country.csv")
    assert set(country["year"]) == {2017}
    alone = complexity(part.rename(columns={v: k for k, v in NAMES.items()}), standardise="r").country()
    assert country["eci"].to_numpy() == pytest.approx(alone["eci"].to_numpy(), rel=1e-10)


def test_atlas_filter_excludes_and_lists_bouvet_island(
    tmp_path: Path, baskets: Path, published, shared_data: Path
):
    people = shared_data / "export_baskets" / "world_gdp_and_population_2017.csv.gz"
    out = tmp_path / "atlas"
    text = run(
        "--data", str(baskets), *COLUMNS, "--year", "2017", "--population", str(people), "--out", str(out)
    )
    assert "population >= 1,000,000 and average exports >= 1,000,000,000 per year" in text
    excluded = pd.read_csv(out / "excluded_countries.csv").set_index("country")
    assert excluded.loc["BVT", "reason"] == "population unknown"  # and exports of USD 1.9 million
    assert "BVT" in text.split("population unknown (22):")[1]
    # the kept countries, from the two files directly
    pop = pd.read_csv(people).set_index("reporter_iso")["population_total"]
    exports = published.groupby("reporter_iso")["export_value_usd"].sum()
    kept = {c.upper() for c, v in exports.items() if v >= 1e9 and pop.get(c, 0) >= 1e6}
    country = pd.read_csv(out / "country.csv")
    assert set(country["country"]) == kept and len(kept) == 142
    assert len(excluded) == 224 - 142
    leaders = country.sort_values("eci", ascending=False)["country"].head(5).tolist()
    assert leaders == ["JPN", "CHE", "DEU", "SGP", "KOR"]
    # without the filter Bouvet Island (an uninhabited island) ranks 4th of 224, as the issue says
    frame = read_raw(baskets).frame
    unfiltered = complexity(frame, columns=NAMES, year=2017).country().sort_values("eci", ascending=False)
    assert len(unfiltered) == 224 and unfiltered["country"].tolist().index("BVT") == 3


def test_atlas_filter_needs_population_and_says_so(tmp_path: Path, baskets: Path):
    result = CliRunner().invoke(
        app, ["trade", "complexity", "--data", str(baskets), *COLUMNS, "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "--min-population 1,000,000 needs the countries' population" in text
    assert "--population FILE" in text and "Traceback" not in text
    assert not (tmp_path / "x").exists()


def test_bad_cells_name_their_row(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("iso,hs,usd\nchn,6911,10\nfra,6911,NA\nfra,6912,\nusa,6911,ten\n")
    with pytest.raises(InputError) as caught:
        complexity(
            read_raw(path).frame,
            columns={"country": "iso", "product": "hs", "value": "usd"},
            rows=[2, 3, 4, 5],
            file="bad.csv",
        )
    assert "bad.csv, row 5, column 'usd': value must be a number >= 0; USA / 6911 has 'ten'" in str(
        caught.value
    )
    years = pd.DataFrame({"country": ["A"], "product": ["1"], "value": [1.0], "year": ["2017.5"]})
    with pytest.raises(
        InputError, match="row 2, column 'year': the year must be a whole number; found '2017.5'"
    ):
        complexity(years)
    with pytest.raises(InputError, match=r"missing column\(s\) reporter \(country\)"):
        complexity(years, columns={"country": "reporter"})
    with pytest.raises(InputError, match="no rows for year 2018; the table has years 2017"):
        complexity(years.assign(year="2017"), year=2018)


def test_population_table_columns_found_by_name():
    table = population_table(
        pd.DataFrame({"Country Code": ["chn"], "SP.POP.TOTL": ["1386395000"], "Year": [2017]})
    )
    assert table.to_dict("records") == [{"country": "CHN", "population": 1386395000.0, "year": 2017}]
    with pytest.raises(InputError, match="needs a country column"):
        population_table(pd.DataFrame({"name": ["China"], "people": [1]}))


def test_workspace_population_feeds_the_filter(tmp_path: Path, shared_data: Path, workspace):
    """Flows and SP.POP.TOTL imported into a workspace: the filter takes the population from there
    (the shared BACI extract has two exporters only, too few to rank: that is the next message)."""
    runner = CliRunner()
    baci = shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"
    assert (
        runner.invoke(app, ["import", "baci", str(baci), "--workspace", str(workspace.root)]).exit_code == 0
    )
    args = ["trade", "complexity", "--workspace", str(workspace.root), "--out", str(tmp_path / "o")]
    before = runner.invoke(app, args)
    assert before.exit_code == 2 and "needs the countries' population" in before.output
    people = pd.DataFrame({"unit_id": ["AFG", "ZAF"], "year": [2020, 2020], "SP.POP.TOTL": [38.9e6, 59.3e6]})
    people.to_csv(tmp_path / "pop.csv", index=False)
    imported = runner.invoke(
        app, ["import", "table", str(tmp_path / "pop.csv"), "--workspace", str(workspace.root)]
    )
    assert imported.exit_code == 0, imported.output
    after = runner.invoke(app, args)
    assert after.exit_code == 2 and "too few countries or products" in after.output, after.output


def test_population_years_must_match_the_exports():
    exports = pd.DataFrame(
        {  # a nested world: A exports everything, D only product w
            "country": list("ABCD") * 4,
            "product": [p for p in "wxyz" for _ in range(4)],
            "value": [5, 5, 5, 9, 5, 5, 5, 0, 5, 5, 0, 0, 5, 0, 0, 0],
        }
    )
    people = pd.DataFrame(
        {"country": list("ABCD") * 2, "population": [2e6] * 8, "year": [2016] * 4 + [2017] * 4}
    )
    with pytest.raises(InputError, match="the exports have no year, the population table has several"):
        complexity(exports, population=people, min_population=1e6)
    with pytest.raises(InputError, match="no row for the year.s. 2015; it holds 2016, 2017"):
        complexity(exports, population=people, min_population=1e6, year=2015)
    result = complexity(exports, population=people, min_population=1e6, year=2017)
    assert result.excluded.empty and len(result.years[0].countries) == 4


def test_demo_flows_run_without_the_filter_and_say_so(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = run("--out", str(tmp_path / "demo"))
    assert "demonstration data: the Atlas country filter is not applied" in text
    assert "country filter: none" in text and (tmp_path / "demo" / "country.csv").exists()
