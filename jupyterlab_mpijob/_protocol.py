"""What the sync and async clients share: request bodies, and following the
change feed until a job reaches a phase. No I/O but reading the files the
caller names."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union
from urllib.parse import quote

import yaml
from pydantic import BaseModel

from ._sse import ServerEvent
from .errors import Invalid, JobFailed, NotFound
from .jobs import PHASES, TERMINAL, Job, Phase
from .models import FieldProblem, LaunchSpec

#: A notebook: a path to an .ipynb file, or nbformat JSON (a dict) itself.
NotebookInput = Union[str, "os.PathLike[str]", Mapping[str, Any]]

#: Which cells run: `all`, `tagged`, `upto:K`, or cell numbers counted from 1 (Markdown too).
CellsInput = Union[str, Sequence[int]]

SSE = "text/event-stream"
NDJSON = "application/x-ndjson"


def job_path(namespace: str, name: str) -> str:
    """`/api/jobs/{namespace}/{name}`, each segment escaped (the service refuses bad names)."""
    return f"/api/jobs/{quote(namespace, safe='')}/{quote(name, safe='')}"


def phase_of(condition: str) -> Phase:
    """The phase `condition` names, any case, as `mpijob wait --for=condition=X` takes it."""
    for phase in PHASES:
        if phase.lower() == condition.lower():
            return phase
    raise Invalid(
        f'unrecognized condition "{condition}"',
        reason="Invalid",
        errors=[FieldProblem(path="condition", message=f"must be one of {', '.join(PHASES)}")],
    )


def job_name_from_notebook(path: str) -> str:
    """`analysis/Train MNIST.ipynb` -> `train-mnist`, as the CLI names jobs (core/naming.ts)."""
    base = re.split(r"[\\/]", path)[-1]
    slug = re.sub(r"\.ipynb$", "", base, flags=re.IGNORECASE).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", slug)
    slug = re.sub(r"^[^a-z]+", "", slug)[:40].rstrip("-")
    return slug or "notebook"


def _camel(key: str) -> str:
    field = LaunchSpec.model_fields.get(key)
    return field.alias if field is not None and field.alias else key


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return value


def _cells(cells: CellsInput) -> dict[str, Any]:
    if isinstance(cells, str):
        upto = re.fullmatch(r"up-?to:(\d+)", cells.strip().lower())
        if upto:
            return {"cells": "up-to", "upToCell": int(upto.group(1))}
        # Anything else goes as it is: the service names what it accepts.
        return {"cells": cells}
    return {"cells": "selected", "cellNumbers": list(cells)}


def launch_spec(
    spec: LaunchSpec | Mapping[str, Any] | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    """A launch spec as the API takes it: `spec` (if any) with `fields` on top.

    Field names may be snake_case (`gpus_per_worker`) or as in the schema
    (`gpusPerWorker`). Nothing is validated here: the service does, naming
    each field at fault.
    """
    body: dict[str, Any] = dict(_plain(spec) or {}) if spec is not None else {}
    body = {_camel(k): _plain(v) for k, v in body.items()}
    for key, value in fields.items():
        if value is not None:
            body[_camel(key)] = _plain(value)
    return body


def submit_body(
    *,
    notebook: NotebookInput | None,
    spec: LaunchSpec | Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    cells: CellsInput | None,
    namespace: str | None,
    local: bool,
) -> dict[str, Any]:
    """The body of `POST /api/jobs` (and of a benchmark or preflight) for a launch spec.

    A notebook path is read here and named in `source.notebook`; on the local
    backend the ranks start beside it (as the CLI does), so files next to the
    notebook are found.
    """
    body = launch_spec(spec, fields)
    if namespace is not None:
        body.setdefault("namespace", namespace)
    source = dict(body.get("source") or {})
    if cells is not None:
        source.update(_cells(cells))
    document: Any = None
    if isinstance(notebook, Mapping):
        document = dict(notebook)
    elif notebook is not None:
        path = Path(os.fspath(notebook))
        try:
            # As text: the service parses it and names the line of a JSON error.
            document = path.read_text(encoding="utf-8")
        except OSError as error:
            raise Invalid(
                f"cannot read the notebook {str(path)!r}: {error.strerror or error}",
                errors=[FieldProblem(path="notebook", message="must be a readable .ipynb file")],
            ) from error
        source.setdefault("notebook", os.fspath(notebook))
        body.setdefault("name", job_name_from_notebook(path.name))
        if local:
            body.setdefault("workingDir", str(path.resolve().parent))
    if source:
        body["source"] = source
    return {"spec": body} if document is None else {"spec": body, "notebook": document}


def read_manifest(manifest: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """An MPIJob manifest from a YAML or JSON file (one document), or the mapping itself."""
    if isinstance(manifest, Mapping):
        return dict(manifest)
    path = Path(os.fspath(manifest))
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except OSError as error:
        raise Invalid(
            f"cannot read the manifest {str(path)!r}: {error.strerror or error}",
            errors=[FieldProblem(path="manifest", message="must be a readable YAML or JSON file")],
        ) from error
    except yaml.YAMLError as error:
        raise Invalid(
            f"the manifest {str(path)!r} is not YAML: {error}",
            errors=[FieldProblem(path="manifest", message="must be one MPIJob in YAML or JSON")],
        ) from error
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise Invalid(
            f"the manifest {str(path)!r} holds {len(documents)} documents",
            errors=[FieldProblem(path="manifest", message="must hold exactly one MPIJob")],
        )
    return documents[0]


#: What `Waiter.feed` returns when the listing ended without the job.
MISSING = object()


class Waiter:
    """Follows `GET /api/events?namespace=NS` until one job reaches a phase.

    Without `Last-Event-ID` the service first lists every job (as ADDED,
    without ids), then `synced`, then each change with its id: the job's
    state is known from the first connection on, with no gap between
    reading and watching. A reconnection resumes after `last_id`; a `resync`
    lists everything again.
    """

    def __init__(self, namespace: str, name: str, phase: Phase) -> None:
        self.namespace = namespace
        self.name = name
        self.phase = phase
        self.last_id: str | None = None
        self._listing = True
        self._seen = False

    def headers(self) -> dict[str, str]:
        """Headers of the next connection."""
        headers = {"Accept": SSE}
        if self.last_id is not None:
            headers["Last-Event-ID"] = self.last_id
        return headers

    def reconnecting(self) -> None:
        """Called before reconnecting: the replay after `last_id` lists nothing."""
        self._listing = self.last_id is None

    def feed(self, event: ServerEvent) -> Job | object | None:
        """Consume one event: the job once it is in the phase, `MISSING`, or None.

        Raises:
            JobFailed: it ended in another phase.
            NotFound: it was deleted while waiting.
        """
        if event.event == "resync":
            self._listing, self._seen = True, False
            return None
        if event.event == "synced":
            if event.id is not None:
                self.last_id = event.id
            listed, self._listing = self._listing, False
            return MISSING if listed and not self._seen else None
        if event.event != "status":
            return None
        if event.id is not None:
            self.last_id = event.id
        change = json.loads(event.data)
        record = change["job"]
        if record.get("name") != self.name or record.get("namespace") != self.namespace:
            return None
        self._seen = True
        if change.get("type") == "DELETED":
            raise NotFound(
                f'mpijobs.kubeflow.org "{self.name}" was deleted while waiting for {self.phase}',
                reason="NotFound",
            )
        return self.check(Job.model_validate(record))

    def check(self, job: Job) -> Job | None:
        """The job if it is in the phase; None while it may still get there.

        Raises:
            JobFailed: it ended in another phase.
        """
        if job.phase == self.phase:
            return job
        if job.phase in TERMINAL:
            raise JobFailed(job, self.phase)
        return None
