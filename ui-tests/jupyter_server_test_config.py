"""Jupyter server configuration for the UI tests (Galata)."""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is injected by Jupyter

c.ServerApp.allow_root = True  # noqa: F821 - CI runs as root
c.LabApp.news_url = None  # noqa: F821
