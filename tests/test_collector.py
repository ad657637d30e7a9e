"""The process's memory (:mod:`service.collector`): what settling the heap keeps."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

_FREED = """
import sys
import numpy as np
from service.collector import settle_heap

def resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

if sys.argv[1] == "settled":
    settle_heap()
blocks = [np.ones(1 << 17) for _ in range(100)]  # 100 blocks of 1 MiB, each touched
before = resident()
del blocks
print(before, resident())
"""


@pytest.mark.skipif(
    not Path("/proc/self/statm").exists() or platform.libc_ver()[0] != "glibc",
    reason="glibc's allocator on Linux",
)
def test_a_settled_heap_keeps_freed_memory_for_the_next_request() -> None:
    """Once settled, memory a request frees stays in the process for the next one (it is
    not returned to the kernel and faulted in again, page by page); unsettled, glibc
    unmaps each freed block of a MiB."""
    kept = {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # glibc's own
    for mode in ("settled", "default"):
        done = subprocess.run(
            [sys.executable, "-c", _FREED, mode], capture_output=True, text=True, check=True,
            env=env,
        )  # fmt: skip
        before, after = map(int, done.stdout.split())
        kept[mode] = (before - after) / (100 << 20)  # of the 100 MiB freed, given back
    assert kept["settled"] < 0.1, kept
    assert kept["default"] > 0.9, kept
