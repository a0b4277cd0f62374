"""``silkscope cluster``: Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist)."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors, show_table, write_output

app = typer.Typer(
    help="Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist).", no_args_is_help=True
)


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _read(data: Path):
    from silkscope.io.tables import read_table

    raw = read_table(data).frame
    return raw.apply(_numeric)


def _numeric(col):
    """Numbers where the column holds numbers (thousands separators allowed), text otherwise."""
    import pandas as pd

    from silkscope.io.tables import parse_number

    try:
        return pd.Series([parse_number(v) for v in col], index=col.index, dtype=float)
    except ValueError:
        return col


@app.command("efficiency")
@reports_errors
def efficiency(
    data: Path = typer.Option(..., "--data", help="Table with unit_id[, year] and the input/output columns."),
    inputs: str = typer.Option(..., "--inputs", help="Comma-separated input columns."),
    outputs: str = typer.Option(..., "--outputs", help="Comma-separated output columns."),
    model: str = typer.Option("ccr", "--model", help="ccr|bcc"),
    orientation: str = typer.Option("input", "--orientation", help="input|output"),
    super_: bool = typer.Option(False, "--super", help="Also compute super-efficiency (Andersen-Petersen)."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """DEA efficiency per unit (and year): efficiency, scale_efficiency, slacks and targets."""
    import pandas as pd

    from silkscope.cluster.efficiency import dea

    frame = _read(data)
    if "unit_id" not in frame.columns:
        from silkscope.errors import InputError

        raise InputError(f"no unit_id column; columns are {', '.join(map(str, frame.columns))}", file=data)
    frame["unit_id"] = frame["unit_id"].astype(str).str.replace(r"\.0$", "", regex=True)
    years = sorted(frame["year"].unique()) if "year" in frame.columns else [None]
    parts = []
    for year in years:
        block = frame if year is None else frame[frame["year"] == year]
        result = dea(
            block,
            _names(inputs),
            _names(outputs),
            model=model,
            orientation=orientation,
            super_efficiency=super_,
        )
        table = result.to_frame()
        table.insert(1, "year", pd.NA if year is None else int(year))
        parts.append(table)
        console.print(result.summary() + ("" if year is None else f" ({int(year)})"))
    write_output(pd.concat(parts, ignore_index=True), out, title="efficiency")


@app.command("malmquist")
@reports_errors
def malmquist_command(
    data: Path = typer.Option(..., "--data", help="Panel with unit_id, year and the input/output columns."),
    inputs: str = typer.Option(..., "--inputs", help="Comma-separated input columns."),
    outputs: str = typer.Option(..., "--outputs", help="Comma-separated output columns."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """Malmquist productivity index between adjacent years: unit_id, period, malmquist, effch, techch."""
    from silkscope.cluster.efficiency import malmquist

    frame = _read(data)
    frame["unit_id"] = frame["unit_id"].astype(str).str.replace(r"\.0$", "", regex=True)
    result = malmquist(frame, _names(inputs), _names(outputs))
    show_table(result.head(15), title="Malmquist index")
    write_output(result, out, title="malmquist")
