"""The process's memory: the cyclic garbage collector, paused while a step makes many
acyclic objects (:func:`collector_paused`), and tuned with the allocator for serving once
the graph is loaded (:func:`settle_heap`).

Loading a pack, importing a cluster dump and simulating a cluster each make hundreds of
thousands of objects (lists, tuples, numbers), none in a cycle; the collector would walk
them again and again for nothing (three quarters of the time of parsing a large YAML file;
a fifth of a 150,000-pod simulation).
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, keep: bool = False) -> Iterator[None]:
    """No cyclic collection inside; restored after (unless it was off already).

    ``keep``: what was made lives on (a loaded graph): it is moved to the oldest generation
    without being examined (freezing then unfreezing), or the next young collections would
    each walk all of it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


GC_THRESHOLD = 50_000  # young objects allocated before a collection (Python's default: 700)
KEEP_FREED = 1 << 30  # bytes of freed memory glibc keeps for the next request (default 128 KiB)
MMAP_THRESHOLD = 32 << 20  # blocks from this size on are mapped apart (glibc's largest)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>


def settle_heap() -> None:
    """Tune the garbage collector and the allocator for serving, once the graph is loaded.

    The graph lives as long as the process: the cyclic collector need not scan it on every
    collection (``gc.freeze``), and it collects less often while a request builds many
    objects (a 150,000-pod simulation spent a third of its time collecting).

    A simulation of 5,000 nodes frees hundreds of MB when it ends; glibc gave most of it back
    to the kernel, so the next simulation faulted it in again, page by page: about 20,000
    page faults and 40–70 ms of system time in each 1.2 s NODE_DOWN, where the same
    simulation at 500 nodes faults none in. With freed memory kept (up to
    :data:`KEEP_FREED`) and blocks under :data:`MMAP_THRESHOLD` taken from the heap
    (glibc otherwise maps, and unmaps on free, every block over a threshold that it raises
    only as far as the largest block freed so far), 9,000–14,000 faults are left, mostly
    Python's own object arenas. The process keeps its peak size instead of shrinking after a
    large request. Other C libraries: nothing to tune (``mallopt`` is glibc's).
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_TRIM_THRESHOLD, KEEP_FREED)
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
