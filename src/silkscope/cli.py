"""The ``silkscope`` command: one sub-command group per module, each defined in ``commands/``.

Command modules import heavy libraries inside the command functions so that ``--help`` is fast.
"""

from __future__ import annotations

import typer

from silkscope.commands import (
    cluster,
    data,
    imports,
    index,
    partners,
    regions,
    report,
    serve,
    talent,
    trade,
    workspace,
)
from silkscope.commands._help import hide_flag_types

hide_flag_types()

app = typer.Typer(
    name="silkscope",
    help="Silkscope: cultural and creative industries along the Belt and Road.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        from silkscope import __version__

        typer.echo(f"silkscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Silkscope: cultural and creative industries along the Belt and Road."""


app.command("init")(workspace.init)
app.add_typer(imports.app, name="import")
app.add_typer(index.app, name="index")
app.add_typer(trade.app, name="trade")
app.add_typer(partners.app, name="partners")
app.add_typer(cluster.app, name="cluster")
app.add_typer(regions.app, name="regions")
app.add_typer(data.app, name="data")
app.add_typer(talent.app, name="talent")
app.command("report")(report.report)
app.command("serve")(serve.serve)


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
