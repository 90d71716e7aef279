"""Shared pytest fixtures (generic: any test area may use them).

``saline_call`` runs the real ``saline-call`` as a subprocess (``sys.executable -m saline.minion.call``)
against a throw-away configuration, so end-to-end tests exercise exactly what a user runs::

    def test_ping(saline_call):
        rc, out, err = saline_call("test.ping")                   # --local -c <tmp config dir> test.ping
        assert (rc, out) == (0, "local:\\n    True\\n")

    def test_state(saline_call):
        saline_call.write_state("web.sls", "nginx:\\n  pkg.installed: []\\n")   # under file_root
        saline_call.write_pillar("top.sls", "base:\\n  '*':\\n    - data\\n")   # under pillar_root
        rc, out, err = saline_call("state.show_sls", "web", "--out=json", config={"test": True})

Signature (stable, other helpers rely on it)::

    saline_call(*argv, config=None, env=None, local=True, input=None, timeout=60) -> CallResult

- ``argv``: arguments after the fixed prefix ``-c <config_dir>`` (and ``--local`` when ``local``).
- ``config``: extra minion options merged over the defaults below for this call (written to
  ``<config_dir>/minion`` as YAML before the run).
- ``env``: extra environment variables (the child gets a copy of os.environ without
  SALINE_CONFIG_DIR/NO_COLOR, plus these).
- ``input``: text fed to stdin; ``timeout``: seconds before the test fails.
- Returns ``CallResult(rc, stdout, stderr)``, a named tuple: ``rc, out, err = saline_call(...)``.

Attributes of the fixture object: ``config_dir``, ``root_dir`` (Salt's ``root_dir``: every path option
lives under it), ``file_root`` (``<root_dir>/srv/salt``, the ``base`` file root), ``pillar_root``
(``<root_dir>/srv/pillar``), ``options`` (the default minion options dict: ``id: saline-test``,
``file_client: local``, ``root_dir``, ``file_roots``, ``pillar_roots``), ``command`` (the argv prefix
that starts saline-call). Helpers: ``write_state(relpath, text)``, ``write_pillar(relpath, text)``,
``write_config(text_or_dict, name="minion")`` (raw file in the config dir, e.g. ``minion.d/x.conf``;
a raw ``minion`` written this way is used as-is until the next call that passes ``config=``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest


class CallResult(NamedTuple):
    rc: int
    stdout: str
    stderr: str


class SalineCall:
    """Runs saline-call in a subprocess with a private config dir and root_dir (see module docstring)."""

    command: tuple[str, ...] = (sys.executable, "-m", "saline.minion.call")

    def __init__(self, base: Path) -> None:
        self.config_dir = base / "etc"
        self.root_dir = base / "root"
        self.file_root = self.root_dir / "srv" / "salt"
        self.pillar_root = self.root_dir / "srv" / "pillar"
        for path in (self.config_dir, self.file_root, self.pillar_root):
            path.mkdir(parents=True, exist_ok=True)
        self.options: dict[str, Any] = {
            "id": "saline-test",
            "file_client": "local",
            "root_dir": str(self.root_dir),
            "file_roots": {"base": [str(self.file_root)]},
            "pillar_roots": {"base": [str(self.pillar_root)]},
        }
        self._raw_config = False
        self._write_minion(self.options)

    def _write_minion(self, options: dict[str, Any]) -> None:
        import yaml

        (self.config_dir / "minion").write_text(yaml.safe_dump(options, default_flow_style=False))

    def write_config(self, content: str | dict[str, Any], name: str = "minion") -> Path:
        import yaml

        path = self.config_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
        if name == "minion":
            self._raw_config = True
        return path

    def write_state(self, relpath: str, text: str) -> Path:
        return _write(self.file_root / relpath, text)

    def write_pillar(self, relpath: str, text: str) -> Path:
        return _write(self.pillar_root / relpath, text)

    def __call__(
        self,
        *argv: str,
        config: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        local: bool = True,
        input: str | None = None,
        timeout: float = 60,
    ) -> CallResult:
        if config is not None or not self._raw_config:
            self._write_minion({**self.options, **(config or {})})
            self._raw_config = False
        child_env = {k: v for k, v in os.environ.items() if k not in ("SALINE_CONFIG_DIR", "NO_COLOR")}
        child_env.update(env or {})
        cmd = [*self.command, "-c", str(self.config_dir), *(["--local"] if local else []), *argv]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=child_env, input=input, timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return CallResult(proc.returncode, proc.stdout, proc.stderr)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def saline_call(tmp_path: Path) -> SalineCall:
    """A ``SalineCall`` bound to a fresh temp config dir and root_dir (see the module docstring)."""
    return SalineCall(tmp_path / "saline")
