"""jupyterlab-mpijob: launch notebook code as Kubeflow MPIJobs from JupyterLab."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_mpijob' outside a proper installation.")
    __version__ = "dev"


def _jupyter_labextension_paths():
    """Where JupyterLab finds the prebuilt extension."""
    return [{"src": "labextension", "dest": "jupyterlab-mpijob"}]
