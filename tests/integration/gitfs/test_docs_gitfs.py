"""The walkthrough of docs/gitfs.md, run in order against a real master and minion ``web1``.

Blocks are marked ``<!-- walkthrough file PATH -->`` (written under $DEMO), ``<!-- walkthrough config -->``
(master options; the master and the minion start after it) and ``<!-- walkthrough console -->``: each
``$ `` line runs (``saline*`` commands through the cluster's master config, the rest with bash in $DEMO)
and must print the lines under it; a ``...`` line stands for any output.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import yaml

from tests.integration.gitfs.helpers import configure
from tests.support.gitrepos import GIT_ENV

DOC = Path(__file__).resolve().parents[3] / "docs" / "gitfs.md"
BLOCK = re.compile(r"<!-- walkthrough (file|config|console)(?: ([^\n]*?))? -->\n```\w*\n(.*?)```", re.S)


def _steps(text):
    return [(kind, (arg or "").strip(), body) for kind, arg, body in BLOCK.findall(text)]


def _commands(body):
    out, current = [], None
    for line in body.splitlines():
        if line.startswith("$ "):
            current = [line[2:], []]
            out.append(current)
        else:
            current[1].append(line)
    return out


def _matches(expected, got):
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in expected)
    return re.fullmatch(pattern, got) is not None


def test_page_has_a_walkthrough():
    kinds = [k for k, _, _ in _steps(DOC.read_text())]
    assert kinds.count("config") == 1 and kinds.count("console") >= 5 and kinds.count("file") >= 5


def test_walkthrough(cluster, tmp_path):
    demo = str(tmp_path / "demo")
    os.makedirs(demo)
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull, "DEMO": demo}
    ran = 0
    for kind, arg, body in _steps(DOC.read_text()):
        body = body.replace("$DEMO", demo)
        if kind == "file":
            path = Path(demo) / arg
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        elif kind == "config":
            configure(cluster, **yaml.safe_load(body))
            cluster.start_master()
            cluster.add_minion("web1", file_client="remote")
            cluster.wait_pending(["web1"])
            assert cluster.key("-A", "-y")[0] == 0
            cluster.wait_authenticated(["web1"])
        else:
            for command, expected in _commands(body):
                argv = shlex.split(command)
                if argv[0].startswith("saline"):
                    rc, out, err = cluster.run(argv[0], *argv[1:], timeout=60)
                else:
                    res = subprocess.run(["bash", "-c", command], cwd=demo, env=env, capture_output=True,
                                         text=True, timeout=60)
                    rc, out, err = res.returncode, res.stdout, res.stderr
                assert rc == 0, (command, out, err)
                assert _matches(expected, out), (command, out)
                ran += 1
    assert ran >= 20
