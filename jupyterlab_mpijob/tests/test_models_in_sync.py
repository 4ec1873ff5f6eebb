"""The committed models (jupyterlab_mpijob/models.py) are what the pinned
generator makes of the schemas today."""

import importlib.util
import json
import shutil
import subprocess
import sys

from jupyterlab_mpijob.tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("generate_models", ROOT / "scripts" / "generate_models.py")
generate_models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate_models)


def test_models_match_the_schemas():
    diff = generate_models.stale_diff()
    assert not diff, "models.py is stale: run `python scripts/generate_models.py`\n" + diff


def test_a_schema_change_shows_in_the_generated_models(tmp_path):
    # The check above can fail: a new launch spec field changes the output.
    schemas = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", schemas, ignore=shutil.ignore_patterns("settings"))
    launch = json.loads((schemas / "launch-spec.json").read_text())
    launch["properties"]["spareField"] = {"type": "integer", "description": "A new field."}
    (schemas / "launch-spec.json").write_text(json.dumps(launch))
    out = tmp_path / "models.py"
    subprocess.run(
        [sys.executable, "-m", "datamodel_code_generator", "--input", str(schemas / "openapi.yaml"), "--output", str(out)],
        cwd=ROOT, check=True,
    )
    assert "spare_field: Annotated[int | None, Field(alias=\"spareField\")] = None" in out.read_text()
    assert "spare_field" not in (ROOT / "jupyterlab_mpijob" / "models.py").read_text()
