"""Core grains collected from the running system."""

from __future__ import annotations

import os
import platform
import socket
from typing import Any


def core_grains(opts: dict[str, Any]) -> dict[str, Any]:
    uname = platform.uname()
    return {
        "id": opts.get("id") or socket.gethostname(),
        "host": socket.gethostname().split(".")[0],
        "nodename": uname.node,
        "kernel": uname.system,
        "kernelrelease": uname.release,
        "cpuarch": uname.machine,
        "num_cpus": os.cpu_count() or 1,
    }
