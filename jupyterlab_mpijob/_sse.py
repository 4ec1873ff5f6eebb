"""Server-Sent Events read the way browsers do (WHATWG event stream format),
one line at a time, as httpx's `iter_lines` hands them over."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerEvent:
    """One dispatched event."""

    event: str
    data: str
    #: The `id:` this event carried, or None.
    id: str | None


class EventDecoder:
    """Feed lines, get events at each blank line; comments (`: ping`) are skipped."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, line: str) -> ServerEvent | None:
        """Consume one line (without its end); return the event it completes."""
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> ServerEvent | None:
        event = ServerEvent(self._event or "message", "\n".join(self._data), self._id)
        had_data = bool(self._data)
        self._event, self._data, self._id = "", [], None
        return event if had_data else None
