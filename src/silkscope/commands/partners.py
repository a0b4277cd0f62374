"""``silkscope partners``: Partner markets: gravity, distance, export potential, tiers."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors, show_table, write_output

app = typer.Typer(help="Partner markets: gravity, distance, export potential, tiers.", no_args_is_help=True)


def _read_data(path: Path):
    """A table with typed columns: Parquet through pandas (dtypes kept), CSV/Excel through read_table."""
    from silkscope.errors import InputError

    if path.suffix.lower() == ".parquet":
        import pandas as pd

        if not path.is_file():
            raise InputError(f"file not found: {path}")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(f"cannot read the Parquet file: {exc}", file=path) from exc
    from silkscope.io.tables import read_table

    return read_table(path).frame


def _variance_option(text: str):
    """'sample' | 'population' | 'fixed:V1,V2,...' -> the kogut_singh variance argument."""
    from silkscope.errors import MethodError

    value = text.strip().lower()
    if value in ("sample", "population"):
        return value
    if value.startswith("fixed:"):
        parts = [p.strip() for p in value.split(":", 1)[1].split(",") if p.strip()]
        try:
            return ("fixed", [float(p) for p in parts])
        except ValueError:
            raise MethodError(
                f"--variance {text}: the fixed variances must be numbers, e.g. fixed:400,500"
            ) from None
    raise MethodError(f"--variance must be sample, population or fixed:V1,V2,...; got '{text}'")


@app.command("gravity")
@reports_errors
def gravity_command(
    data: Path = typer.Option(..., "--data", help="Table (.csv, .xlsx or .parquet), one row per flow."),
    spec: str = typer.Option(
        ...,
        "--spec",
        help='pyfixest formula, e.g. "trade ~ log(dist) + contig | exporter^year + importer^year".',
    ),
    vcov: str = typer.Option(
        None,
        "--vcov",
        help="iid|hetero|hc0|cluster:VAR|cluster:VAR1+VAR2 (default: cluster by the first fixed effect).",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """PPML gravity model (pyfixest fepois): term, estimate, std_error, statistic, p_value, nobs."""
    from silkscope.partners.gravity import gravity

    frame = _read_data(data)
    result = gravity(frame, spec, vcov)
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    write_output(result.tidy(), out, title="gravity")


@app.command("distance")
@reports_errors
def distance_command(
    hofstede: Path = typer.Option(
        ..., "--hofstede", help="Hofstede's six-dimension CSV (ctr;country;pdi;idv;mas;uai;ltowvs;ivr)."
    ),
    home: str = typer.Option(..., "--home", help="ISO3 code of the home country, e.g. CHN."),
    dimensions: str = typer.Option(
        "", "--dimensions", help="Comma-separated dimensions (default: all six: pdi,idv,mas,uai,ltowvs,ivr)."
    ),
    variance: str = typer.Option(
        "sample", "--variance", help="sample (n-1) | population (n) | fixed:V1,V2,... (one per dimension)."
    ),
    missing: str = typer.Option(
        "exclude",
        "--missing",
        help="exclude: only countries with every dimension; available: average over the dimensions present.",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """Kogut-Singh cultural distance from --home to every country of the Hofstede file."""
    from silkscope.io.hofstede import read_hofstede
    from silkscope.partners.distance import kogut_singh

    table = read_hofstede(hofstede)
    console.print(table.summary(), highlight=False, markup=False, soft_wrap=True)
    dims = [d.strip().lower() for d in dimensions.split(",") if d.strip()] or None
    scores = table.scores
    result = kogut_singh(scores, home, dims, _variance_option(variance), missing)
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    show_table(result.table.head(15), title=f"Kogut-Singh distance from {result.home} (closest first)")
    write_output(result.to_frame(), out, title="distance")
