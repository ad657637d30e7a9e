"""The cyclic garbage collector, paused while a step makes many acyclic objects.

Loading a pack, importing a cluster dump and simulating a cluster each make hundreds of
thousands of objects (lists, tuples, numbers), none in a cycle; the collector would walk
them again and again for nothing (three quarters of the time of parsing a large YAML file;
a fifth of a 150,000-pod simulation).
"""

from __future__ import annotations

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
