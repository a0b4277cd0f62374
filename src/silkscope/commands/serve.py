"""``silkscope serve``: the dashboard (ranking, profiles, comparison, weight sliders) in a browser."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@reports_errors
def serve(
    workspace: Path = typer.Option(
        None, "--workspace", help="Study folder to serve read-only; default: the built-in demo."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (default: this machine only)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    allowed_host: list[str] = typer.Option(
        None, "--allowed-host", help="Host name the dashboard answers to besides localhost (repeatable)."
    ),
) -> None:
    """Serve the dashboard and its JSON API (OpenAPI at /openapi.json); works offline."""
    import uvicorn

    from silkscope.web.app import create_app

    extra = tuple(allowed_host or ()) + (() if host in LOOPBACK or host in ("0.0.0.0", "::") else (host,))
    app = create_app(workspace, allowed_hosts=extra)
    if workspace is None:
        console.print("[yellow]serving the DEMONSTRATION data (synthetic); labelled as such on every page[/]")
    if host not in LOOPBACK:
        console.print(
            f"[bold yellow]binding {host}: the dashboard is reachable from other machines "
            "(it has no login; the data is served read-only)[/]"
        )
    shown = f"[{host}]" if ":" in host else host
    console.print(f"dashboard at http://{shown}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
