"""Start the ``askbot`` command: settle numpy's BLAS threads before numpy loads, then run the harness."""

from __future__ import annotations

import os

# OpenBLAS reads its thread count once, when numpy loads it. Started with one thread it keeps no thread pool;
# limited afterwards (``bot.semantic.single_blas_thread``) the pool stays, and in the 1,200-question Discord
# burst the bot took 16-18 s of CPU against 10-11 s (README, "Issue 11, round 12").
BLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"


def prepare_process() -> None:
    """Have numpy's BLAS start with one thread, unless the environment already sets a count."""
    os.environ.setdefault(BLAS_THREADS_VARIABLE, "1")


def main() -> int:
    """Run the harness (``askbot``) in a process prepared for answering."""
    prepare_process()
    from bot.cli import main as run  # noqa: PLC0415  (numpy loads here, after the variable is set)

    return run()
