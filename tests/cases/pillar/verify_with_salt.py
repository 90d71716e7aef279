"""Check the pillar cases (this folder) and the top cases (tests/unit/top/cases) against real Salt.

An authoring tool, not a test: run it with the oracle's interpreter (see shared/oracle/README.md)::

    ~/.cache/saline-oracle/salt-venv/bin/python tests/cases/pillar/verify_with_salt.py [CASE.yaml ...]

Each case is run with ``salt-call --local`` in a throw-away configuration: the case's ``grains``
are exactly the minion's grains, ``file_roots``/``pillar_roots`` are written to temp dirs, and
``config`` is added to the minion options. Every call must return the case's ``expected`` value
(``salt_expected`` when the case records a deliberate difference); a call with ``error`` must fail.
``oracle_env`` sets environment variables for Salt (e.g. PYTHONHASHSEED where Salt's order is random).
"""

import getpass
import glob
import json
import os
import subprocess
import sys
import tempfile

import yaml

VENV = os.environ.get("SALT_VENV") or os.path.expanduser("~/.cache/saline-oracle/salt-venv")
HERE = os.path.dirname(os.path.abspath(__file__))
TOP_CASES = os.path.join(HERE, "..", "..", "unit", "top", "cases")


def write_tree(workdir, name, spec):
    roots = {}
    for env, files in (spec or {}).items():
        base = os.path.join(workdir, name, env)
        os.makedirs(base)
        for rel, text in files.items():
            path = os.path.join(base, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        roots[env] = [base]
    return roots or {"base": [os.path.join(workdir, name, "base")]}


def configure(case, workdir):
    import salt.config
    import salt.payload

    conf = os.path.join(workdir, "conf")
    os.makedirs(conf)
    grains = dict(case.get("grains") or {})
    grains.setdefault("id", "web1")
    options = {
        "id": grains["id"], "root_dir": workdir, "user": getpass.getuser(), "file_client": "local",
        "file_roots": write_tree(workdir, "file_roots", case.get("file_roots")),
        "pillar_roots": write_tree(workdir, "pillar_roots", case.get("pillar_roots")),
        "grains": grains, "grains_cache": True, "grains_cache_expiration": 10**9,
        "enable_fqdns_grains": False, "log_level": "error", "mine_enabled": False,
    }
    options.update(case.get("config") or {})
    with open(os.path.join(conf, "minion"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(options, fh)
    opts = salt.config.minion_config(os.path.join(conf, "minion"))
    os.makedirs(opts["cachedir"], exist_ok=True)
    with open(os.path.join(opts["cachedir"], "grains.cache.p"), "wb") as fh:
        salt.payload.dump(grains, fh)  # the minion sees exactly these grains
    return conf


def salt_call(conf, call, env):
    cmd = [os.path.join(VENV, "bin", "salt-call"), "--local", "-c", conf, "--out", "json", call["fun"]]
    cmd += [a if isinstance(a, str) else json.dumps(a) for a in call.get("args", [])]
    cmd += [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in (call.get("kwargs") or {}).items()]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env})
    try:
        return proc.returncode, json.loads(proc.stdout)["local"]
    except (ValueError, KeyError):
        return proc.returncode, None


def check(path):
    with open(path, encoding="utf-8") as fh:
        case = yaml.safe_load(fh)
    env = {k: str(v) for k, v in (case.get("oracle_env") or {}).items()}
    bad = 0
    with tempfile.TemporaryDirectory() as workdir:
        conf = configure(case, workdir)
        for call in case["calls"]:
            rc, out = salt_call(conf, call, env)
            if "error" in call:
                ok = rc != 0
            elif "salt_expected" in call:  # a documented difference: what Salt itself returns
                ok = out == call["salt_expected"]
            else:
                ok = out == call["expected"]
            if not ok:
                bad += 1
                print(f"{os.path.basename(path)}: {call['fun']} {call.get('args', '')} {call.get('kwargs', '')}: "
                      f"salt returned {json.dumps(out)} (rc {rc})")
    return bad


def main(argv):
    paths = argv or sorted(glob.glob(os.path.join(HERE, "*.yaml")) + glob.glob(os.path.join(TOP_CASES, "*.yaml")))
    bad = sum(check(p) for p in paths)
    print("all cases agree with Salt" if not bad else f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
