"""Work started at the same instant in threads, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_together(works: Sequence[Callable[[], object]]) -> list[BaseException | None]:
    """Run each of ``works`` in a thread of its own, all released at once by a barrier; what
    each raised (None when it returned), in order. Fails when a thread is still running after
    two minutes."""
    barrier = threading.Barrier(len(works))
    outcomes: list[BaseException | None] = [None] * len(works)

    def run(index: int) -> None:
        barrier.wait()
        try:
            works[index]()
        except BaseException as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes
