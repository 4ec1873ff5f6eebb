"""Regenerates the SDK's models (jupyterlab_mpijob/models.py) from the API
schemas with datamodel-code-generator, configured in pyproject.toml
([tool.datamodel-codegen]) and pinned in constraints.txt.

    python scripts/generate_models.py          # rewrite the models
    python scripts/generate_models.py --check  # exit 1 when they are stale
"""

import argparse
import difflib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "jupyterlab_mpijob" / "models.py"


def generate(output: Path) -> None:
    """Write the models the schemas give now to `output`."""
    subprocess.run(
        [sys.executable, "-m", "datamodel_code_generator", "--output", str(output)],
        cwd=ROOT,
        check=True,
    )


def stale_diff() -> str:
    """A unified diff from the committed models to fresh ones; empty when current."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "models.py"
        generate(fresh)
        want = fresh.read_text(encoding="utf-8").splitlines(keepends=True)
    have = MODELS.read_text(encoding="utf-8").splitlines(keepends=True) if MODELS.exists() else []
    return "".join(difflib.unified_diff(have, want, "models.py (committed)", "models.py (from the schemas)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    args = parser.parse_args()
    if not args.check:
        generate(MODELS)
        return 0
    diff = stale_diff()
    if diff:
        sys.stdout.write(diff)
        sys.stderr.write(
            "error: jupyterlab_mpijob/models.py is stale: run `python scripts/generate_models.py` and commit it\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
