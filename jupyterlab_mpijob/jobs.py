"""Jobs as the SDK returns them, and the events of a job's stream."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, Union

from .errors import error_from_problem
from .models import JobRecord, LogLine

__all__ = ["Job", "Phase", "PHASES", "StatusEvent", "LogEvent", "EndEvent", "StreamEvent"]

#: A job's phase.
Phase = Literal["Pending", "Running", "Succeeded", "Failed", "Suspended", "Deleting"]

#: Every phase, in the order a job usually goes through them.
PHASES: tuple[Phase, ...] = ("Pending", "Running", "Succeeded", "Failed", "Suspended", "Deleting")

#: Phases a job does not leave.
TERMINAL: frozenset[str] = frozenset({"Succeeded", "Failed"})


class Job(JobRecord):
    """One job, the same for every backend: the service's `JobRecord` with shortcuts."""

    @property
    def phase(self) -> Phase:
        """`Pending`, `Running`, `Succeeded`, `Failed`, `Suspended` or `Deleting`."""
        return self.status.phase

    @property
    def message(self) -> str | None:
        """Why the job is in its phase, where the backend says (the failure's rank and cell)."""
        return self.status.message

    @property
    def done(self) -> bool:
        """Whether the job ended (Succeeded or Failed)."""
        return self.phase in TERMINAL

    @property
    def duration(self) -> float | None:
        """Seconds from its start to its end (or None while it has not both)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class StatusEvent:
    """The job changed: `type` is ADDED (the state when the stream began), MODIFIED or DELETED."""

    type: Literal["ADDED", "MODIFIED", "DELETED"]
    job: Job


@dataclass(frozen=True)
class LogEvent:
    """One output line; `id` is its ordinal in the job's whole output, from 1."""

    id: int
    line: LogLine


@dataclass(frozen=True)
class EndEvent:
    """The job ended (or was deleted) and every line was sent: its final record."""

    job: Job


#: What `stream()` yields.
StreamEvent = Union[StatusEvent, LogEvent, EndEvent]


def decode_stream_event(event: str, data: str, id: str | None, where: str) -> StreamEvent | None:
    """Turn one SSE event of `/api/jobs/{ns}/{name}/stream` into a typed event.

    Raises:
        MPIJobError: for an `error` event (the service's problem, typed).
    """
    if event == "status":
        change = json.loads(data)
        return StatusEvent(change["type"], Job.model_validate(change["job"]))
    if event == "log":
        return LogEvent(int(id or 0), LogLine.model_validate_json(data))
    if event == "end":
        return EndEvent(Job.model_validate_json(data))
    if event == "error":
        document = json.loads(data)
        raise error_from_problem(int(document.get("status", 500)), document, where)
    return None
