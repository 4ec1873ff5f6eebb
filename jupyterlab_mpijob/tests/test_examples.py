"""The example notebooks are stored exactly as JupyterLab saves them."""

from pathlib import Path

import nbformat
import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.ipynb"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid_nbformat_4_5_as_jupyter_writes_it(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    # Every cell has an id: without one JupyterLab adds ids and marks it modified.
    assert all("id" in cell for cell in nb.cells)
    nbformat.validate(nb)
    assert nbformat.writes(nb) + "\n" == text, "rewrite it with nbformat.write (as Jupyter saves it)"


def test_there_are_examples():
    assert EXAMPLES
