"""jupyter-server-proxy entry: JupyterLab reaches the job service at
``<base_url>/mpijob/``, behind Jupyter's own authentication.

The service listens on a unix socket that only this user can open, so nothing
else on the machine can reach it without going through Jupyter.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from .cli import BUNDLE, find_node


def setup_mpijob() -> dict[str, Any]:
    """Describe how jupyter-server-proxy starts the MPI job service."""
    node = find_node() or "node"
    return {
        # --parent-pid: the service stops when Jupyter goes, even if Jupyter is killed.
        "command": [node, str(BUNDLE), "serve", "--socket", "{unix_socket}", "--parent-pid", str(os.getpid())],
        "unix_socket": True,
        "timeout": 30,
        "absolute_url": False,
        "launcher_entry": {"enabled": False},
        "new_browser_tab": False,
    }


if __name__ == "__main__":  # pragma: no cover - manual check
    print(setup_mpijob(), file=sys.stderr)
