"""``silkscope trade``: Cultural trade: indicators, complexity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    frame = pd.read_parquet(data) if data.suffix == ".parquet" else _read_text(data)
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


def _read_text(path: Path) -> pd.DataFrame:
    """Trade tables keep codes as text (HS codes and SITC codes have leading zeros)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str)
    import io

    from silkscope.io.tables import decode, sniff_delimiter

    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        import gzip

        raw = gzip.decompress(raw)
    text = decode(raw, path)
    return pd.read_csv(
        io.StringIO(text), sep=sniff_delimiter(text), dtype=str, keep_default_na=False
    ).replace("", None)
