"""``silkscope serve``: the dashboard (ranking, profiles, comparison, weight sliders) in a browser."""

from __future__ import annotations

import socket
from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors
from silkscope.errors import SilkscopeError

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
    check_port_free(host, port)  # before anything is printed or loaded
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


def check_port_free(host: str, port: int) -> None:
    """Raise a clear error when ``host:port`` cannot be bound (another server holds it, or the
    address is not this machine's), so the URL is never printed for a server that cannot start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        probe.bind((host, port))
    except OSError as exc:
        busy = exc.errno in (98, 48, 10048)  # EADDRINUSE on Linux, macOS, Windows
        reason = "the port is in use by another program" if busy else str(exc.strerror or exc)
        fix = f"choose another port, e.g. --port {port + 1}" if busy else "check --host"
        raise SilkscopeError(f"cannot listen on {host}:{port}: {reason}\nFix: {fix}") from None
    finally:
        probe.close()
