"""``silkscope trade``: Cultural trade: indicators, complexity."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors
from silkscope.errors import InputError

app = typer.Typer(help="Cultural trade: indicators, complexity.", no_args_is_help=True)


WORKSPACE_HELP = "Study folder whose imported flows to use (default: the current folder, if it is one)."


@app.command("complexity")
@reports_errors
def complexity_command(
    data: Path = typer.Option(
        None, "--data", help="Exports: country, product, value[, year] (CSV/Excel/Parquet)."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    hs: str = typer.Option(None, "--hs", help="HS revision of the workspace flows to use."),
    year: int = typer.Option(None, "--year", help="Only this year."),
    method: str = typer.Option("eigenvalues", "--method", help="eigenvalues|reflections"),
    standardise: str = typer.Option("atlas", "--standardise", help="atlas|r (R economiccomplexity)"),
    threshold: float = typer.Option(1.0, "--threshold", help="RCA at or above which M_cp = 1."),
    knn: int = typer.Option(None, "--knn", help="Density over each product's K nearest products."),
    out: Path = typer.Option(..., "--out", help="Folder for country.csv, product.csv, country_product.csv."),
) -> None:
    """ECI, PCI, diversity, ubiquity, density, COI and COG for every year."""
    from silkscope.trade.complexity import complexity

    if data is not None:
        frame, _ = _read_text(data)
    else:
        con, table, _ = _flows(workspace, hs, "duckdb")
        exports = table.group_by(["year", "exporter", "product"]).aggregate(value=table.value.sum())
        frame = con.to_pandas(exports.rename(country="exporter"))
    result = complexity(
        frame, method=method, standardise=standardise, threshold=threshold, year=year, knn=knn
    )
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


def _flows(workspace: Path | None, hs: str | None, engine: str):
    """(backend, flows table, label) from the workspace, or the built-in demo flows when no
    workspace is given and the current folder is not one."""
    from silkscope.trade.queries import connect, frame_flows, workspace_flows
    from silkscope.workspace import CONFIG_NAME, Workspace

    con = connect(engine)
    if workspace is None and not (Path.cwd() / CONFIG_NAME).exists():
        from silkscope.trade.demo import DEMO_LABEL, demo_flows

        label = f"{DEMO_LABEL['en']} / {DEMO_LABEL['zh']}"
        console.print(f"[bold yellow]no --data and no workspace: using the built-in {label}[/]")
        return con, frame_flows(demo_flows()), label
    ws = Workspace.open(workspace or Path.cwd())
    return con, workspace_flows(con, ws, hs), None


def _baci_frame(raw, rows, data: Path):
    """Flows from a table in BACI layout read as text; bad years or values named by row."""
    import pandas as pd

    from silkscope.trade.codes import hs6, to_iso3

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
    return flows.astype({"year": int})


def _codes(word: str, reference) -> list[str] | None:
    """``all`` -> None; a CSV file -> its first column (or ``iso3``/``hs6``); else a comma list."""
    if word.lower() == "all":
        return None
    path = Path(word)
    if path.suffix.lower() in (".csv", ".xlsx", ".parquet") and path.is_file():
        from silkscope.io.tables import read_raw

        frame = read_raw(path).frame
        column = next((c for c in ("iso3", "hs6", "code") if c in frame.columns), frame.columns[0])
        return [str(v).strip() for v in frame[column] if str(v).strip()]
    if word.lower() == reference[0]:
        return reference[1]()
    return [p.strip() for p in word.split(",") if p.strip()]


@app.command("indicators")
@reports_errors
def indicators_command(
    data: Path = typer.Option(
        None, "--data", help="Flows in BACI layout: t, i, j, k, v[, q]; countries ISO numeric or ISO3."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    reporter: str = typer.Option(..., "--reporter", help="ISO3 of the reporting country, or all."),
    partners: str = typer.Option(
        "all",
        "--partners",
        help="all, bri (Belt and Road signatories), ISO3 codes separated by commas, or a CSV with iso3.",
    ),
    products: str = typer.Option(
        "all",
        "--products",
        help="all, cultural (sourced classification), HS codes/prefixes separated by commas (e.g. 6911,6912,6913), or a CSV with hs6.",
    ),
    scheme: str = typer.Option(
        "unesco_fcs_2009", "--scheme", help="Classification behind --products cultural."
    ),
    classification: Path = typer.Option(
        None,
        "--classification",
        help="Own cultural-goods classification file (format of reference/cultural_goods.csv).",
    ),
    years: str = typer.Option(None, "--years", help="A year or a range, e.g. 2015-2022."),
    hs: str = typer.Option(None, "--hs", help="HS revision of the workspace flows to use."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb|spark: where the queries run."),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (indicator, reporter, partner, product, year, value).",
    ),
) -> None:
    """WITS trade indicators: RCA, specialisation, intensity, complementarity, Grubel-Lloyd, HHI, Finger-Kreinin, shares."""
    import ibis
    import pandas as pd

    from silkscope.commands._common import show_table, write_output
    from silkscope.reference import bri_partners
    from silkscope.reference.cultural_goods import cultural_products
    from silkscope.trade.codes import to_iso3
    from silkscope.trade.indicators import trade_indicators
    from silkscope.trade.queries import connect, frame_flows

    label = None
    if data is not None:
        con, table = connect(engine), frame_flows(_baci_frame(*_read_text(data), data))
    else:
        con, table, label = _flows(workspace, hs, engine)
    if years:
        first, _, last = years.partition("-")
        table = table.filter(table.year.between(int(first), int(last or first)))
    chosen_products = _codes(products, ("cultural", lambda: cultural_products(scheme, path=classification)))
    if chosen_products is not None:
        table = table.filter(ibis.or_(*[table["product"].startswith(p) for p in chosen_products]))
    reporters = None if reporter.lower() == "all" else [to_iso3(pd.Series([reporter])).iloc[0]]
    chosen = _codes(partners, ("bri", lambda: list(bri_partners()["iso3"])))
    chosen = None if chosen is None else list(to_iso3(pd.Series(chosen)))
    result = trade_indicators(table, reporters, chosen, con=con)
    if result.empty:
        raise InputError(
            "no indicator could be computed for this selection (no flows left after the filters)"
        )
    if label:
        result["note"] = label
    show_table(result.head(15), title="trade indicators" + (f" ({label})" if label else ""))
    write_output(result, out, title="trade indicators")
