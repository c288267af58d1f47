"""The leases a worker holds: which claimed jobs it may still send, and which were taken over."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.clock import Clock


class Leases:
    """The jobs this worker holds (claimed, not yet recorded), each with the monotonic time until
    which its last claim or renewal makes the lease certain."""

    def __init__(self, seconds: float, clock: Clock) -> None:
        self.seconds = seconds
        self.clock = clock
        self.until: dict[str, float] = {}
        self.recording: set[str] = set()  # results being written: a renewal may miss them

    def claimed(self, ids: Iterable[str], at: float) -> None:
        for job_id in ids:
            self.until[job_id] = at + self.seconds

    def sendable(self, job_id: str) -> bool:
        """Held, with at least half a lease left: a send started now ends before anyone else may
        take the job over, even if renewals stall from now on."""
        until = self.until.get(job_id)
        return until is not None and self.clock.monotonic() <= until - self.seconds / 2

    def renewed(self, asked: Iterable[str], still: set[str], at: float, busy: Iterable[str] = ()) -> int:
        """Apply a renewal that started at `at`: `still` were extended, `busy` are held but were
        not extended (locked by another transaction); returns how many jobs were found taken over."""
        lost = 0
        busy = set(busy)
        for job_id in asked:
            if job_id not in self.until or job_id in self.recording:
                continue  # recorded (or being recorded) since the renewal started
            if job_id in still:
                self.until[job_id] = at + self.seconds
            elif job_id in busy:
                continue  # not extended: sendable only on what its last claim or renewal left
            else:
                del self.until[job_id]
                lost += 1
        return lost

    def finished(self, ids: Iterable[str]) -> None:
        for job_id in ids:
            self.until.pop(job_id, None)
            self.recording.discard(job_id)
