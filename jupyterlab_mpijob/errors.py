"""Typed errors: the service's `application/problem+json` answers, and jobs
that end in a phase other than the one waited for.

Every error is an `MPIJobError` whose `reason` is the Kubernetes status
reason the service put in the problem's `title` (`NotFound`,
`AlreadyExists`, `Invalid`, ...) and whose message is the service's
`detail`, worded like kubectl.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .models import FieldProblem

if TYPE_CHECKING:
    from .jobs import Job

__all__ = [
    "MPIJobError",
    "NotFound",
    "Conflict",
    "Invalid",
    "Forbidden",
    "Unauthorized",
    "ServiceUnavailable",
    "JobFailed",
    "WaitTimeout",
    "error_from_problem",
]


class MPIJobError(Exception):
    """An error of the MPI job service or of this SDK."""

    #: The Kubernetes status reason, e.g. `NotFound`, `AlreadyExists`, `Invalid`.
    reason: str
    #: The HTTP status, when the service answered.
    status: int | None
    #: The service's explanation, worded like kubectl.
    detail: str
    #: The fields or notebook cells at fault (`workers`, `env[0].name`, `cell 3, line 2`).
    errors: list[FieldProblem]
    #: The request path the problem is about.
    instance: str | None

    def __init__(
        self,
        detail: str,
        *,
        reason: str = "InternalError",
        status: int | None = None,
        errors: Sequence[FieldProblem] = (),
        instance: str | None = None,
    ) -> None:
        self.reason = reason
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.instance = instance
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [self.detail]
        for problem in self.errors:
            text = f"{problem.path}: {problem.message}" if problem.path else problem.message
            if text not in self.detail:
                lines.append(f"  {text}")
        return "\n".join(lines)


class NotFound(MPIJobError):
    """No such job (or benchmark), e.g. `mpijobs.kubeflow.org "pi" not found`."""


class Conflict(MPIJobError):
    """The name is taken (`AlreadyExists`), or another benchmark runs."""


class Invalid(MPIJobError, ValueError):
    """The input was refused; `errors` names each field or notebook cell at fault."""


class Forbidden(MPIJobError, PermissionError):
    """The backend refused the verb (Kubernetes RBAC); the detail names what is missing."""


class Unauthorized(MPIJobError, PermissionError):
    """The service wants a (different) bearer token."""


class ServiceUnavailable(MPIJobError, ConnectionError):
    """The service cannot be reached, or its backend cannot run jobs now."""


class WaitTimeout(MPIJobError, TimeoutError):
    """`wait` ran out of time before the job reached the phase."""


_CULPRIT = re.compile(r"\brank (\d+)\b")
_CELL = re.compile(r"\bcell (\d+), line (\d+)\b")


class JobFailed(MPIJobError):
    """The job ended in another phase than the one waited for (usually Failed).

    The message is the job's status message, which names the rank that failed
    and the notebook cell and line of its traceback, e.g. `rank 1 failed (exit
    code 1) in cell 3, line 2: ZeroDivisionError: division by zero`.
    """

    #: The job as it ended.
    job: Job
    #: The rank the message blames, when it names one.
    rank: int | None
    #: The notebook cell (counting every cell from 1) of the traceback, when known.
    cell: int | None
    #: The line in that cell, when known.
    line: int | None

    def __init__(self, job: Job, wanted: str) -> None:
        self.job = job
        message = job.status.message or ""
        culprit = _CULPRIT.search(message)
        where = _CELL.search(message)
        self.rank = int(culprit.group(1)) if culprit else None
        self.cell = int(where.group(1)) if where else None
        self.line = int(where.group(2)) if where else None
        phase = job.status.phase
        head = f"mpijobs/{job.name} ended {phase}, not {wanted}"
        super().__init__(
            f"{head}: {message}" if message else head,
            reason=job.status.reason or phase,
        )


_BY_TITLE: dict[str, type[MPIJobError]] = {
    "NotFound": NotFound,
    "AlreadyExists": Conflict,
    "Conflict": Conflict,
    "Invalid": Invalid,
    "BadRequest": Invalid,
    "RequestEntityTooLarge": Invalid,
    "UnsupportedMediaType": Invalid,
    "Forbidden": Forbidden,
    "Unauthorized": Unauthorized,
    "ServiceUnavailable": ServiceUnavailable,
}

_BY_STATUS: dict[int, type[MPIJobError]] = {
    400: Invalid,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: Invalid,
    415: Invalid,
    422: Invalid,
    503: ServiceUnavailable,
}


def error_from_problem(status: int, body: bytes | str | dict[str, Any], where: str) -> MPIJobError:
    """The typed error for a problem+json answer (or whatever a proxy sent instead).

    Args:
        status: the HTTP status.
        body: the answer's body, raw or parsed.
        where: the service, for messages.
    """
    document: Any = body
    if not isinstance(body, dict):
        try:
            document = json.loads(body)
        except ValueError:
            document = None
    if not isinstance(document, dict):
        cls = _BY_STATUS.get(status, MPIJobError)
        return cls(f"the MPI job service at {where} answered {status}", status=status)
    title = document.get("title")
    by_title = _BY_TITLE.get(title) if isinstance(title, str) else None
    cls = by_title or _BY_STATUS.get(status, MPIJobError)
    detail = document.get("detail") or document.get("message") or f"the MPI job service at {where} answered {status}"
    errors = [
        FieldProblem(path=str(p.get("path", "")), message=str(p.get("message", "")))
        for p in document.get("errors") or []
        if isinstance(p, dict)
    ]
    return cls(
        str(detail),
        reason=title if isinstance(title, str) else cls.__name__,
        status=status,
        errors=errors,
        instance=document.get("instance") if isinstance(document.get("instance"), str) else None,
    )
