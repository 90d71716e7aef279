"""The examples of docs/modules/service.md and docs/states-service.md run as shown.

``myapp`` in the pages is replaced by the test's own init script (a real daemon).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from saline.modules.service_systemd import booted

DOCS = Path(__file__).parents[3] / "docs"
MODULE_DOC = (DOCS / "modules" / "service.md").read_text()
STATES_DOC = (DOCS / "states-service.md").read_text()


def blocks(text: str, lang: str) -> list[str]:
    return [body for kind, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M) if kind == lang]


def sessions(block: str) -> list[tuple[list[str], str]]:
    steps = []
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, output = chunk.partition("\n")
        steps.append((shlex.split(command), output))
    return steps


def test_module_console_examples(saline_call: Any, init_service: Any) -> None:
    consoles = [b for b in blocks(MODULE_DOC, "") if b.startswith("$ ")]
    assert len(consoles) == 2
    for block in consoles:
        for argv, expected in sessions(block.replace("myapp", init_service.name)):
            assert argv[:2] == ["saline-call", "--local"]
            rc, out, err = saline_call(*argv[2:])
            assert rc == 0, err
            if argv[2] == "sys.missing":
                if booted() is not True:
                    shape = re.escape(expected).replace(re.escape("'process_api'"), "'[^']*'")
                    assert re.fullmatch(shape, out), out
                continue
            assert out == expected, argv


def apply(saline_call: Any, sls: str) -> list[dict[str, Any]]:
    rc, out, err = saline_call("state.apply", sls, "--out=json")
    results = json.loads(out)["local"]
    assert isinstance(results, dict), (out, err)
    assert rc == 0, err
    return sorted(results.values(), key=lambda r: r["__run_num__"])


def test_state_examples(saline_call: Any, init_service: Any, tmp_path: Path) -> None:
    examples = blocks(STATES_DOC, "yaml")
    assert len(examples) == 5
    name = init_service.name
    conf = tmp_path / "app.conf"
    for i, example in enumerate(examples):
        text = example.replace("/etc/myapp.conf", str(conf)).replace("myapp", name)
        saline_call.write_state(f"ex{i}.sls", text)
        rc, out, err = saline_call("state.show_sls", f"ex{i}", "--out=json")
        assert rc == 0, err
        assert all(any(k.startswith("service") or k.startswith("file") for k in body)
                   for body in json.loads(out)["local"].values())

    # service.running with enable and init_delay
    (first,) = apply(saline_call, "ex0")
    assert (first["result"], first["changes"]) == (True, {name: True})
    assert first["comment"] == f"Service {name} has been enabled, and is running\nDelayed return for 0.2 seconds"
    assert init_service.running() and init_service.links()["2"] == "S"
    (again,) = apply(saline_call, "ex0")
    assert (again["changes"], again["comment"]) == ({}, f"The service {name} is already running")

    # the classic watch, three runs as the page tells them
    assert saline_call("service.stop", name).rc == 0
    saline_call.write_state(f"{name}/{name}.conf", "workers: 1\n")
    file_ret, svc_ret = apply(saline_call, "ex4")
    assert file_ret["changes"] and file_ret["result"] is True
    assert (svc_ret["changes"], svc_ret["comment"]) == (
        {name: True}, f"Service {name} is already enabled, and is running")  # enabled by ex0
    started = init_service.pid()
    saline_call.write_state(f"{name}/{name}.conf", "workers: 2\n")
    file_ret, svc_ret = apply(saline_call, "ex4")
    assert (svc_ret["changes"], svc_ret["comment"]) == ({name: True}, "Service restarted")
    assert init_service.pid() not in (None, started)
    file_ret, svc_ret = apply(saline_call, "ex4")
    assert file_ret["changes"] == {} and svc_ret["changes"] == {}
    assert conf.read_text() == "workers: 2\n"
