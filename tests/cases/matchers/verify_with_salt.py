"""Check the matcher cases in this folder against real Salt (an authoring tool, not a test).

Run with the oracle's interpreter (see shared/oracle/README.md):

    ~/.cache/saline-oracle/salt-venv/bin/python tests/cases/matchers/verify_with_salt.py

For every check, Salt's own matcher must answer ``salt`` when the case records it (a documented
difference or an error Saline raises) and ``expected`` otherwise. Exits 1 on any disagreement.
"""

import glob
import logging
import os
import sys
import tempfile

import yaml

logging.basicConfig(level=logging.CRITICAL)


def salt_answers(case):
    import salt.config
    import salt.loader

    with tempfile.TemporaryDirectory() as workdir:
        opts = salt.config.minion_config(None)
        opts.update(root_dir=workdir, cachedir=workdir, id=case.get("minion_id", "web1"),
                    grains=case.get("grains") or {}, pillar=case.get("pillar") or {},
                    nodegroups=case.get("nodegroups") or {})
        if case.get("datastore") is not None:
            import salt.payload

            with open(os.path.join(workdir, "datastore"), "wb") as fh:
                salt.payload.dump(case["datastore"], fh)
        matchers = salt.loader.matchers(opts)
        for check in case["checks"]:
            tgt_type = check.get("tgt_type", "glob")
            kwargs = {"opts": opts, "minion_id": opts["id"]}
            if check.get("delimiter"):
                kwargs["delimiter"] = check["delimiter"]
            try:
                if tgt_type == "nodegroup":
                    answer = matchers["nodegroup_match.match"](check["tgt"], opts["nodegroups"], **kwargs)
                else:
                    answer = matchers[f"{tgt_type}_match.match"](check["tgt"], **kwargs)
                answer = bool(answer)
            except Exception:
                answer = "exception"
            yield check, answer


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    bad = 0
    for path in sorted(glob.glob(os.path.join(here, "*.yaml"))):
        with open(path, encoding="utf-8") as fh:
            case = yaml.safe_load(fh)
        if case.get("oracle_skip"):
            print(f"{os.path.basename(path)}: skipped ({case['oracle_skip']})")
            continue
        for check, answer in salt_answers(case):
            want = check["salt"] if "salt" in check else check["expected"]
            if answer != want:
                bad += 1
                print(f"{os.path.basename(path)}: {check['tgt_type']} {check['tgt']!r}: salt says {answer}, "
                      f"case says {want}")
    print("all cases agree with Salt" if not bad else f"{bad} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
