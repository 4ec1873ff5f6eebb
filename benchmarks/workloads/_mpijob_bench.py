"""The one machine-readable line a benchmark workload prints.

Rank 0 prints ``MPIJOB_BENCH {json}`` once: ``seconds`` (the time the
workload measured itself, between barriers) and whatever else it measured;
or ``{"skipped": reason}`` when it cannot run here (the runner records the
run as skipped, not failed).
"""

import json
import sys

PREFIX = "MPIJOB_BENCH "


def emit(record, rank=0):
    """Print the record as the benchmark line (rank 0 only)."""
    if rank == 0:
        print(PREFIX + json.dumps(record, separators=(",", ":")), flush=True)


def skip(reason, rank=0):
    """Report that the workload cannot run here, and exit 0."""
    emit({"skipped": reason}, rank)
    sys.exit(0)
