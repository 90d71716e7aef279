"""Tiny offline Python packages for pip tests: wheels written by hand and a virtualenv to install into.

``build_wheels(dir)`` writes the wheels every pip test and case uses::

    saline-demo 1.0, 2.0, 3.0b1   (module saline_demo, VERSION = "...")
    saline-extra 1.0              (depends on saline-demo)

A wheel is a zip with the package, ``METADATA``, ``WHEEL`` and a ``RECORD`` of sha256 hashes, which is
all pip needs to install one; no build backend or network is involved.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

WHEELS: list[tuple[str, str, list[str]]] = [
    ("saline-demo", "1.0", []),
    ("saline-demo", "2.0", []),
    ("saline-demo", "3.0b1", []),
    ("saline-extra", "1.0", ["saline-demo"]),
]


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(dest: Path, name: str, version: str, requires: list[str] | None = None) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into ``dest`` and return its path."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: saline pip test package\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires or [])
    files = {
        f"{module}/__init__.py": f'VERSION = "{version}"\n',
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: saline-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{_digest(text.encode())},{len(text.encode())}\n" for path, text in files.items())
    record += f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, text in files.items():
            zf.writestr(arcname, text)
    return path


def build_wheels(dest: Path) -> Path:
    for name, version, requires in WHEELS:
        write_wheel(dest, name, version, requires)
    return dest


def make_venv(dest: Path) -> Path:
    """A virtualenv with pip (from the interpreter's bundled ensurepip wheel, so offline)."""
    subprocess.run([sys.executable, "-m", "venv", str(dest)], check=True, capture_output=True, timeout=120)
    return dest


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"
