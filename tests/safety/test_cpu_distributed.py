"""The end of a distributed run: the wait for the process group's worker threads
(``mmseg_inceptionnext.safety.distributed``; the runs themselves: test_distributed.py)."""
import threading
import time

import torch

from mmseg_inceptionnext.safety.distributed import end_distributed, wait_for_idle_threads


def test_threads_blocked_on_a_lock_are_idle_at_once():
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        start = time.monotonic()
        assert wait_for_idle_threads(timeout=5.0)
        assert time.monotonic() - start < 1.0
    finally:
        release.set()
        worker.join()


def _compute(until):
    """Matrix products (the GIL released while they run, as in a native worker thread) until
    ``until()`` is true."""
    a = torch.randn(384, 384)
    while not until():
        a @ a


def test_a_thread_that_still_works_is_waited_for_until_it_ends_or_the_timeout():
    stop = time.monotonic() + 0.3
    worker = threading.Thread(target=_compute, args=(lambda: time.monotonic() > stop, ))
    worker.start()
    start = time.monotonic()
    assert wait_for_idle_threads(timeout=5.0)  # idle once the work is done
    assert time.monotonic() - start >= 0.25
    worker.join()
    endless = threading.Event()
    busy = threading.Thread(target=_compute, args=(endless.is_set, ))
    busy.start()
    try:
        start = time.monotonic()
        assert not wait_for_idle_threads(timeout=0.2)
        assert 0.2 <= time.monotonic() - start < 2.0
    finally:
        endless.set()
        busy.join()


def test_without_a_process_group_nothing_happens(monkeypatch):
    from mmseg_inceptionnext.safety import distributed
    waits = []
    monkeypatch.setattr(distributed, 'wait_for_idle_threads', waits.append)
    end_distributed()
    assert waits == []
