"""The dashboard: a FastAPI JSON API over one index build and a plain-JS page that uses it.

``create_app(workspace)`` serves a workspace read-only, or the built-in demonstration data (labelled
as such on every page) when there is none. Plotly's JavaScript is served by the app itself, so the
dashboard works offline; see :mod:`silkscope.web.app` for the endpoints.
"""

from silkscope.web.app import create_app

__all__ = ["create_app"]
