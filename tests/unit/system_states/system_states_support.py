"""Shared by the system-state case tests and the oracle recorder (tests/cases/system_states/*.yaml).

A case holds a starting tree (file name -> text, under the temp dir ``{W}``), extra minion ``opts``,
one state call and what each of four runs returned: ``test`` (test=True), ``run``, ``rerun``
(idempotence) and ``test_after``, plus the tree ``after``. Cases with ``netns: true`` run their four
phases in one private network namespace (``unshare -n``) so ``net.*`` kernel parameters can change
without touching the host; ``sysctl`` sets starting values there and ``after_sysctl`` holds the values
read after the phases. Cases with ``overlays`` (e.g. ``[/etc]``) run in a private mount namespace with an
overlay on each folder whose changes land in ``{W}/ov<N>``, so time zone and locale states can run for
real; ``setup`` lines (shell) run first, inside the namespaces.
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import subprocess
import sys
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "file_states"))
from file_states_support import subst  # noqa: F401  (placeholders, shared with the file-state cases)

PHASES = ("test", "run", "rerun", "test_after")
KEYS = ("result", "comment", "changes", "warnings")
SEP = "@@phase@@"


def build_tree(root: pathlib.Path, spec: dict[str, Any] | None) -> None:
    for rel, text in (spec or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(text))


def snapshot(root: pathlib.Path, skip: Any = ()) -> dict[str, str]:
    """Files under ``root`` (symlinks read through); top-level folders in ``skip`` left out."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.relative_to(root).parts[0] in skip:
            continue
        rel = path.relative_to(root)
        if path.is_symlink() and rel.parts[0].startswith("ov"):
            out[str(rel)] = f"-> {os.readlink(path)}"  # an overlay's changed /etc: show links as links
        elif path.is_file():
            data = path.read_bytes()
            try:
                out[str(rel)] = data.decode()
            except UnicodeDecodeError:
                out[str(rel)] = "<binary>"
    return out


def pick(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in KEYS if k in result}


def write_config(base: pathlib.Path, opts: dict[str, Any], case: dict[str, Any]) -> pathlib.Path:
    """A minion config dir plus file roots holding ``case.sls`` with the case's single state."""
    import yaml

    conf, srv = base / "conf", base / "srv"
    for d in (conf, srv, base / "pillar", base / "root"):
        d.mkdir(exist_ok=True)
    config = {"file_client": "local", "id": "oracle", "root_dir": str(base / "root"),
              "file_roots": {"base": [str(srv)]}, "pillar_roots": {"base": [str(base / "pillar")]}, **opts}
    (conf / "minion").write_text(yaml.safe_dump(config))
    args = dict(case["args"])
    args.setdefault("name", "case")
    sls = {"case": {case["state"]: [{k: v} for k, v in args.items()]}}
    (srv / "case.sls").write_text(yaml.safe_dump(sls, sort_keys=False))
    return conf


def setup_script(case: dict[str, Any], alt_args: str) -> list[str]:
    """Shell lines of the case's ``setup`` (``{ALT}`` becomes the update-alternatives directory options)."""
    return [str(line).replace("{ALT}", alt_args) for line in case.get("setup") or []]


def run_phases_cli(call: list[str], conf: pathlib.Path, case: dict[str, Any],
                   alt_args: str = "") -> dict[str, dict[str, Any]]:
    """The four phases through a ``salt-call``-style CLI, all in one shell (and namespace if asked)."""
    base = shlex.join([*call, "--local", "-c", str(conf), "--out=json", "state.apply", "case"])
    base_dir = conf.parent
    script = [f"mkdir -p {base_dir}/w/ov{i} {base_dir}/ovwork{i} && mount -t overlay overlay -o "
              f"lowerdir={d},upperdir={base_dir}/w/ov{i},workdir={base_dir}/ovwork{i} {d} || exit 1"
              for i, d in enumerate(case.get("overlays") or [])]
    script += [f"echo {shlex.quote(str(v))} > /proc/sys/{k.replace('.', '/')}"
               for k, v in (case.get("sysctl") or {}).items()]
    script += [f"{{ {line} ; }} >/dev/null 2>&1" for line in setup_script(case, alt_args)]
    for phase in PHASES:
        test = "True" if phase.startswith("test") else "False"
        script += [f"{base} test={test}", f"echo {SEP}"]
    script += [f"cat /proc/sys/{k.replace('.', '/')}" for k in (case.get("sysctl") or {})]
    cmd = ["sh", "-c", "\n".join(script)]
    if case.get("netns") or case.get("overlays"):
        flags = ("-n" if case.get("netns") else "") + ("m" if case.get("overlays") else "")
        cmd = ["unshare", flags if flags.startswith("-") else f"-{flags}", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    parts = done.stdout.split(SEP + "\n")
    if len(parts) != len(PHASES) + 1:
        raise AssertionError(f"phases did not all run: {done.stdout}\n{done.stderr}")
    got: dict[str, Any] = {}
    for phase, text in zip(PHASES, parts, strict=False):
        (result,) = json.loads(text)["local"].values()
        got[phase] = pick(result)
    got["_sysctl"] = dict(zip(case.get("sysctl") or {}, parts[-1].splitlines(), strict=False))
    return got


def saline_call() -> list[str]:
    return [os.path.join(os.path.dirname(sys.executable), "saline-call")]
