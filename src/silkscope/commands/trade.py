"""``silkscope trade``: Cultural trade: indicators, complexity."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors

app = typer.Typer(help="Cultural trade: indicators, complexity.", no_args_is_help=True)


@app.command("complexity")
@reports_errors
def complexity_command(
    data: Path = typer.Option(
        None, "--data", help="Exports: country, product, value[, year] (CSV/Excel/Parquet)."
    ),
    year: int = typer.Option(None, "--year", help="Only this year."),
    method: str = typer.Option("eigenvalues", "--method", help="eigenvalues|reflections"),
    standardise: str = typer.Option("atlas", "--standardise", help="atlas|r (R economiccomplexity)"),
    threshold: float = typer.Option(1.0, "--threshold", help="RCA at or above which M_cp = 1."),
    out: Path = typer.Option(..., "--out", help="Folder for country.csv, product.csv, country_product.csv."),
) -> None:
    """ECI, PCI, diversity, ubiquity, density, COI and COG for every year."""
    from silkscope.errors import InputError
    from silkscope.trade.complexity import complexity

    if data is None:
        raise InputError(
            "give --data FILE (country, product, value[, year]); the workspace trade layer and the "
            "built-in demo flows are not available yet"
        )
    frame, _ = _read_text(data)
    result = complexity(frame, method=method, standardise=standardise, threshold=threshold, year=year)
    console.print(result.summary())
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("country", result.country()),
        ("product", result.product()),
        ("country_product", result.country_product()),
    ):
        table.to_csv(out / f"{name}.csv", index=False)
    console.print(f"wrote country.csv, product.csv, country_product.csv to {out}")


def _read_text(path: Path):
    """A trade table with every cell as text (HS and SITC codes keep their leading zeros), and the
    spreadsheet row of each data row."""
    from silkscope.io.tables import read_raw

    raw = read_raw(path)
    return raw.frame.replace("", None), raw.rows


@app.command("indicators")
@reports_errors
def indicators_command(
    data: Path = typer.Option(
        None, "--data", help="Flows in BACI layout: t, i, j, k, v[, q]; countries ISO numeric or ISO3."
    ),
    reporter: str = typer.Option(..., "--reporter", help="ISO3 of the reporting country, or all."),
    partners: str = typer.Option("all", "--partners", help="all, or ISO3 codes separated by commas."),
    products: str = typer.Option(
        "all", "--products", help="all, or HS codes/prefixes separated by commas (e.g. 6911,6912,6913)."
    ),
    years: str = typer.Option(None, "--years", help="A year or a range, e.g. 2015-2022."),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (indicator, reporter, partner, product, year, value).",
    ),
) -> None:
    """WITS trade indicators: RCA, specialisation, intensity, complementarity, Grubel-Lloyd, HHI, Finger-Kreinin, shares."""
    from silkscope.commands._common import show_table, write_output
    from silkscope.errors import InputError
    from silkscope.trade.codes import hs6, to_iso3
    from silkscope.trade.indicators import trade_indicators

    if data is None:
        raise InputError(
            "give --data FILE in BACI layout; the workspace trade layer and demo flows are not available yet"
        )
    for word, what in ((partners, "--partners"), (products, "--products")):
        if word in ("bri", "cultural"):
            raise InputError(
                f"{what} {word} needs the reference list that is not built yet; pass codes explicitly",
                hint="e.g. --partners KAZ,PAK,RUS or --products 6911,6912,6913",
            )
    import pandas as pd

    raw, rows = _read_text(data)
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("t", "i", "j", "k", "v") if c not in raw.columns]
    if missing:
        raise InputError(f"not in BACI layout: missing column(s) {', '.join(missing)}", file=data)
    flows = pd.DataFrame(
        {
            "year": pd.to_numeric(raw["t"], errors="coerce"),
            "exporter": to_iso3(raw["i"], data.name),
            "importer": to_iso3(raw["j"], data.name),
            "product": hs6(raw["k"]),
            "value": pd.to_numeric(raw["v"].astype(str).str.strip(), errors="coerce"),
        }
    )
    bad = flows["value"].isna() | (flows["value"] < 0) | flows["year"].isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{int(bad.sum())} row(s) with a missing or negative value or year; first: t={raw['t'].iloc[row]!r}, v={raw['v'].iloc[row]!r}",
            file=data,
            row=rows[row],
        )
    flows["year"] = flows["year"].astype(int)
    if years:
        first, _, last = years.partition("-")
        flows = flows[flows["year"].between(int(first), int(last or first))]
    if products != "all":
        prefixes = tuple(p.strip() for p in products.split(",") if p.strip())
        flows = flows[flows["product"].str.startswith(prefixes)]
    if flows.empty:
        raise InputError("no flows left after the --years and --products filters", file=data)
    reporters = None if reporter.lower() == "all" else [to_iso3(pd.Series([reporter])).iloc[0]]
    chosen = None if partners == "all" else list(to_iso3(pd.Series(partners.split(","))))
    result = trade_indicators(flows, reporters, chosen)
    show_table(result.head(15), title="trade indicators")
    write_output(result, out, title="trade indicators")
