"""The console examples of docs/modules/docker.md and docs/states-docker.md run against the real engine
and registry and print what the pages show.

Each fenced block without a language whose lines start with ``$ `` runs in one bash process, with
``saline-call`` being the real one. YAML blocks starting with ``# file: NAME.sls`` are written to the file
root first (``$SALINE_DOC_FILE_ROOT``). Names starting with ``saline-doc`` and the subnet ``10.231.40.`` get
a per-run suffix so parallel runs cannot collide; IDs, times, durations and pids are compared as
placeholders. ``saline-doc/busybox:1`` exists (a busybox image with a layer of its own) when a block starts.
"""

from __future__ import annotations

import random
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support import dockerenv

DOCS = Path(__file__).parents[3] / "docs"
PAGE = DOCS / "modules" / "docker.md"
STATES_PAGE = DOCS / "states-docker.md"
MARK = "@@saline-doc-step@@"


def console_blocks(markdown: str) -> list[str]:
    blocks = []
    for indent, lang, body in re.findall(r"^( *)```(\w*)\n(.*?)^\1```", markdown, re.S | re.M):
        body = "".join(line[len(indent):] for line in body.splitlines(keepends=True))
        if not lang and body.startswith("$ "):
            blocks.append(body)
    return blocks


def sls_files(markdown: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^```yaml\n# file: (\S+)\n(.*?)^```", markdown, re.S | re.M)}


# The states page tells one story (create, change, clean up): its blocks run as one sequence.
BLOCKS = [(PAGE, b) for b in console_blocks(PAGE.read_text())] + [
    (STATES_PAGE, "".join(console_blocks(STATES_PAGE.read_text())))]


def normalize(text: str) -> str:
    text = re.sub(r"\b[0-9a-f]{64}\b", "<id>", text)
    text = re.sub(r"\b[0-9a-f]{12}\b", "<short-id>", text)
    text = re.sub(r'"Time_Elapsed": [0-9.e-]+', '"Time_Elapsed": <seconds>', text)
    text = re.sub(r'"pid": \d+', '"pid": <pid>', text)
    text = re.sub(r"Started: \d\d:\d\d:\d\d\.\d+", "Started: <time>", text)
    text = re.sub(r"(Duration|Total run time): +[\d.]+ ms", r"\1: <ms>", text)
    text = re.sub(r" +$", "", text, flags=re.M)
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", text)


def test_the_pages_have_examples() -> None:
    assert len([b for p, b in BLOCKS if p == PAGE]) >= 6
    assert len(console_blocks(STATES_PAGE.read_text())) >= 2
    assert set(sls_files(STATES_PAGE.read_text())) == {"webapp.sls", "webapp-clean.sls"}


def test_every_function_is_documented() -> None:
    from saline.loader import load_module

    module = load_module("docker", lambda: {})
    text = PAGE.read_text()
    assert [name for name in module.functions if f"docker.{name}`" not in text] == []
    assert [name for name, fn in module.functions.items() if "CLI Example: ``saline-call" not in fn.doc] == []


@pytest.mark.parametrize(("page", "block"), BLOCKS, ids=[f"{p.stem}-block{i}" for i, (p, _) in enumerate(BLOCKS)])
def test_console_example(page: Path, block: str, busybox: str, saline_call: Any, tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:6]
    prefix = f"saline-doc{suffix}"
    subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}."
    cli = dockerenv.client()
    tracker = dockerenv.Tracker(images=[f"{prefix}/busybox:1"], registry_refs=[f"{prefix}/busybox:1"])
    dockerenv.build_busybox(cli, f"{prefix}/busybox", "1", marker=prefix)
    try:
        steps = [(cmd, expected) for cmd, _, expected in
                 (chunk.partition("\n") for chunk in re.split(r"^\$ ", block, flags=re.M)[1:])]
        call = f"{shlex.quote(sys.executable)} -m saline.minion.call -c {shlex.quote(str(saline_call.config_dir))}"
        work = tmp_path / "work"  # not tmp_path itself: its saline/ config dir would shadow the package
        work.mkdir()
        for name, text in sls_files(page.read_text()).items():
            saline_call.write_state(name, text.replace("saline-doc", prefix).replace("10.231.40.", subnet))
        script = [f"saline-call() {{ {call} \"$@\"; }}", f"cd {shlex.quote(str(work))}",
                  f"export SALINE_DOC_FILE_ROOT={shlex.quote(str(saline_call.file_root))}"]
        for command, _ in steps:
            script.append(command.replace("saline-doc", prefix).replace("10.231.40.", subnet))
            script.append(f"__rc=$?; printf '%s\\n' '{MARK}'; (exit $__rc)")
        proc = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        outputs = proc.stdout.split(MARK + "\n")
        assert len(outputs) == len(steps) + 1, proc.stdout + proc.stderr
        for (command, expected), actual in zip(steps, outputs, strict=False):
            actual = actual.replace(prefix, "saline-doc").replace(subnet, "10.231.40.")
            assert normalize(actual) == normalize(expected), f"$ {command}\n{proc.stderr[-2000:]}"
    finally:
        for c in cli.containers(all=True):
            if any(n.lstrip("/").startswith(prefix) for n in c.get("Names") or []):
                tracker.containers.append(c["Id"])
        tracker.images.append(f"{dockerenv.REGISTRY}/{prefix}/busybox:1")
        tracker.networks.extend(n["Name"] for n in cli.networks() if n["Name"].startswith(prefix))
        tracker.volumes.extend(v["Name"] for v in cli.volumes().get("Volumes") or [] if v["Name"].startswith(prefix))
        Path(f"/tmp/{prefix}-img.tar.gz").unlink(missing_ok=True)
        assert not tracker.cleanup()
