"""Data-driven pip scenarios: one YAML case file = a list of steps against a virtualenv and local wheels.

The same steps run against Saline (``test_pip_cases.py``, in-process, one virtualenv for all pip tests,
emptied of the test packages before each case) and against real Salt 3007.8 (``record_oracle.py``, a
fresh virtualenv per case), which writes each step's ``expect``. The wheels are those of
:mod:`tests.integration.pip.wheels` (saline-demo 1.0, 2.0, 3.0b1; saline-extra 1.0 needing saline-demo).

Step kinds (a step is a mapping)::

    state: {fun: pip.installed, args: {...}, test: false}   + expect: {result, changes, comment}
    call: {fun: pip.list, args: [...], kwargs: {...}}      + expect: {ret: ...} or {error: "..."}
    pip: [install, "saline-demo==1.0"]       # run the virtualenv's pip directly (setting the scene)
    write: {path: "{base}/req.txt", text: "saline-demo==2.0\\n"}

``keep: true`` on a step tells the recorder not to overwrite a hand-written ``expect``; ``salt_differs``
then says why Saline differs from Salt there.

Strings are formatted with ``{venv}``, ``{wheels}`` and ``{base}``; results are normalised back to
them, process ids become ``{pid}`` and the virtualenv's own pip and setuptools versions ``{pip}`` and
``{setuptools}``. pip runs with no configuration file and no index: ``PIP_NO_INDEX``
and ``PIP_FIND_LINKS={wheels}`` in the environment (see :func:`pip_env`), so nothing touches the network
even where Salt gives pip no index options (``pip.uptodate``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from tests.integration.pip.wheels import build_wheels, make_venv, venv_python

TEST_PACKAGES = ("saline-demo", "saline-extra", "saline-edit")


def pip_env(wheels: Path) -> dict[str, str]:
    return {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


class World:
    """Wheels and a virtualenv under ``base`` (built unless given)."""

    def __init__(self, base: Path, wheels: Path | None = None, venv: Path | None = None) -> None:
        self.base = base
        self.wheels = wheels or build_wheels(base / "wheels")
        self.venv = venv or make_venv(base / "venv")

    def env(self) -> dict[str, str]:
        return {**os.environ, **pip_env(self.wheels)}

    def pip(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv_python(self.venv)), "-m", "pip", *argv], env=self.env(),
                              capture_output=True, text=True, timeout=120, check=True)

    def reset(self) -> None:
        """Remove the test packages (a shared virtualenv starts each case clean)."""
        self.pip("uninstall", "-y", "-q", *TEST_PACKAGES)

    def fmt(self, value: Any) -> Any:
        if isinstance(value, str):
            return (value.replace("{venv}", str(self.venv)).replace("{wheels}", str(self.wheels))
                    .replace("{base}", str(self.base)))
        if isinstance(value, list):
            return [self.fmt(v) for v in value]
        if isinstance(value, dict):
            return {self.fmt(k): self.fmt(v) for k, v in value.items()}
        return value

    def bundled(self) -> dict[str, str]:
        """Versions of the packages ``venv`` puts in a new virtualenv (they depend on the Python that
        made it: pyenv's and Debian's differ), so cases say ``{pip}``/``{setuptools}`` instead."""
        if not hasattr(self, "_bundled"):
            code = ("import importlib.metadata as m\nfor n in ('pip', 'setuptools'):\n"
                    "    try: print(n, m.version(n))\n    except m.PackageNotFoundError: pass\n")
            out = subprocess.run([str(venv_python(self.venv)), "-c", code], capture_output=True, text=True,
                                 timeout=60, check=True).stdout
            self._bundled = dict(line.split() for line in out.splitlines())
        return self._bundled

    def normalize(self, value: Any) -> Any:
        if isinstance(value, str):
            for name, version in self.bundled().items():
                if value == version and name == "pip":
                    return "{pip}"
                value = value.replace(f"{name}=={version}", f"{name}=={{{name}}}")
            return (value.replace(str(self.venv), "{venv}").replace(str(self.wheels), "{wheels}")
                    .replace(str(self.base), "{base}"))
        if isinstance(value, list):
            return [self.normalize(v) for v in value]
        if isinstance(value, dict):
            return {self.normalize(k): "{pid}" if k == "pid" and isinstance(v, int) else self.normalize(v)
                    for k, v in value.items()}
        return value

    def do(self, step: dict[str, Any]) -> bool:
        """Run a scene-setting step; False for ``state``/``call`` steps (the runner's job)."""
        if "pip" in step:
            self.pip(*self.fmt(step["pip"]))
        elif "write" in step:
            spec = self.fmt(step["write"])
            path = Path(spec["path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(spec["text"])
        else:
            return False
        return True

