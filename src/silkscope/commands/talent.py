"""``silkscope talent``: talent supply and demand, projected (issue 18)."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import (
    checked_output,
    console,
    err_console,
    progress_bar,
    reports_errors,
    show_table,
    write_output,
)

app = typer.Typer(help="Talent supply and demand: projections and the gap.", no_args_is_help=True)


def _t(key: str, **fields) -> str:
    from silkscope.i18n import translator

    return translator()(key, **fields)


def backtest_path(out: Path, part: str = "backtest") -> Path:
    """Where a side table goes: beside ``out``, named ``<stem>_<part><suffix>`` (the backtest,
    and with ``--driver`` the elasticities, ``part="driver"``)."""
    return out.with_name(f"{out.stem}_{part}{out.suffix}")


@app.command("gap")
@reports_errors
def gap_command(
    supply: Path = typer.Option(
        None, "--supply", help="Supply: region, field, year, value (graduates, trainees)."
    ),
    demand: Path = typer.Option(None, "--demand", help="Demand: region, sector, year, value (employment)."),
    driver: Path = typer.Option(
        None,
        "--driver",
        help="Instead of --demand: value added (region, sector, year, value) driving demand.",
    ),
    employment: Path = typer.Option(
        None,
        "--employment",
        help="With --driver: employment (region, sector, year, value), one or more years.",
    ),
    elasticity: str = typer.Option(
        "auto", "--elasticity", help="With --driver: employment elasticity of value added, a number or auto."
    ),
    driver_as: str = typer.Option(
        "level", "--driver-as", help="With --driver: demand as employment (level) or new jobs a year (new)."
    ),
    mapping: Path = typer.Option(
        None, "--mapping", help="YAML fields -> {sector: share}; default: same names."
    ),
    method: str = typer.Option("both", "--method", help="gm11|ets|both"),
    horizon: int = typer.Option(5, "--horizon", help="Years projected after the last observed year."),
    demo: bool = typer.Option(False, "--demo", help="Use seeded demonstration data (no files needed)."),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        help="Study folder: read supply, demand and the mapping from it (import table --kind talent-*).",
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output .csv, .xlsx or .parquet (backtest beside it).", callback=checked_output()
    ),
) -> None:
    """Gap = demand − supply per region × field × year, observed and projected (GM(1,1), ETS)."""
    from silkscope.errors import InputError
    from silkscope.io.writers import check_output_path, write_table
    from silkscope.talent.gap import methods_for, read_mapping, talent_gap

    check_output_path(out)
    check_output_path(backtest_path(out))
    if driver is not None:
        check_output_path(backtest_path(out, "driver"))
    methods_for(method)
    if workspace is not None and (supply is not None or demand is not None or demo):
        raise InputError("give either --workspace STUDY or --supply/--demand files (or --demo), not both")
    if driver is not None or employment is not None:
        if demand is not None or workspace is not None or demo:
            raise InputError(
                "give --driver with --employment instead of --demand (not with --workspace or --demo)"
            )
        if driver is None or employment is None:
            raise InputError("--driver FILE and --employment FILE go together (value added and employment)")
    use_demo = demo or (supply is None and demand is None and driver is None and workspace is None)
    if not use_demo and workspace is None and (supply is None or (demand is None and driver is None)):
        raise InputError(
            "give --supply FILE and --demand FILE, or --supply with --driver and --employment (or --demo)"
        )
    mapping_table = read_mapping(mapping)
    if workspace is not None:
        from silkscope.io.module_tables import missing_kinds, talent_inputs
        from silkscope.workspace import Workspace

        ws = Workspace.open(workspace)
        held = talent_inputs(ws)
        if held is None:
            lacking = missing_kinds(ws, ("talent-supply", "talent-demand"))
            raise InputError(
                f"study {ws.root} holds no {' and no '.join(lacking)} table",
                hint=" ; ".join(
                    f"silkscope import table FILE --kind {k} --workspace {workspace}" for k in lacking
                ),
            )
        supply_frame, demand_frame, study_mapping = held
        mapping_table = mapping_table if mapping is not None else study_mapping
        names = ("talent_supply", "talent_demand")
    elif use_demo:
        from silkscope.talent.gap import demo_inputs

        err_console.print(f"[yellow]{_t('talent.demo_notice')}[/]")
        supply_frame, demand_frame = demo_inputs()
        names = ("demo supply", "demo demand")
    else:
        from silkscope.io.tables import read_table

        supply_frame = read_table(supply)
        if driver is not None:
            from silkscope.talent.driver import driven_demand, parse_elasticity

            driven = driven_demand(
                read_table(driver),
                read_table(employment),
                parse_elasticity(elasticity),
                driver.name,
                employment.name,
                kind=driver_as,
            )
            demand_frame, names = driven.demand, (supply.name, f"demand from {driver.name}")
            show_table(driven.elasticities, title=_t("talent.driver_title"), max_rows=40)
            path = write_table(driven.elasticities, backtest_path(out, "driver"))
            console.print(_t("talent.driver_written", rows=len(driven.elasticities), path=str(path)))
            for key in driven.elasticities.attrs.get("lacking", []):
                err_console.print(f"[yellow]{_t('talent.note')}:[/] {_t('talent.driver_lacking', key=key)}")
        else:
            demand_frame, names = read_table(demand), (supply.name, demand.name)
    with progress_bar() as bar:
        task = bar.add_task(_t("talent.progress"), total=None)
        result = talent_gap(
            supply_frame,
            demand_frame,
            mapping_table,
            method=method,
            horizon=horizon,
            supply_name=names[0],
            demand_name=names[1],
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    result.demo = use_demo
    for note in result.notes:
        err_console.print(f"[yellow]{_t('talent.note')}:[/] {note}")
    shown = ["region", "field", "series", "method", "n_obs", "mape", "C", "P", "grade", "best"]
    show_table(result.backtest[shown], title=_t("talent.backtest_title"), max_rows=40)
    console.print(_t("talent.backtest_help"))
    write_output(result.table, out, title=_t("talent.gap_title"))
    path = write_table(result.backtest, backtest_path(out))
    console.print(_t("talent.backtest_written", rows=len(result.backtest), path=str(path)))
    if use_demo:
        console.print(f"[yellow]{_t('talent.demo_notice')}[/]")
