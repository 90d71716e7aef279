"""Regenerate tests/cases/templatemods/*.yaml from real Salt (not a test; run by hand).

    python tests/unit/templatemods/oracle_cases.py ~/.cache/saline-oracle/salt-venv/bin/salt-call

Each case is one call; its expected value is what ``salt-call --local --out json`` printed for a
minion ``web01`` with the grains and pillar in ``CONTEXT``. Only host-independent calls belong here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

CONTEXT = {"id": "web01", "grains": {"role": "web", "roles": ["a", "b"]},
           "pillar": {"app": {"name": "foo", "port": 80}}}

CALLS: list[tuple[str, list, dict]] = [
    ("network.convert_cidr", ["192.168.1.5/24"], {}),
    ("network.convert_cidr", ["2001:db8::1/64"], {}),
    ("network.calc_net", ["192.168.1.5", "255.255.255.0"], {}),
    ("network.calc_net", ["10.1.2.3/255.255.0.0"], {}),
    ("network.calc_net", ["2001:db8::1/64"], {}),
    ("network.ip_in_subnet", ["10.1.2.3", "10.0.0.0/8"], {}),
    ("network.ip_in_subnet", ["192.168.0.1", "10.0.0.0/8"], {}),
    ("network.is_private", ["10.0.0.1"], {}),
    ("network.is_private", ["8.8.8.8"], {}),
    ("network.is_loopback", ["127.0.0.2"], {}),
    ("network.is_loopback", ["::1"], {}),
    ("match.glob", ["web*"], {}),
    ("match.glob", ["db*"], {"minion_id": "db01"}),
    ("match.pcre", ["web\\d+"], {}),
    ("match.list", ["db01,web01"], {}),
    ("match.grain", ["roles:a"], {}),
    ("match.grain", ["role:db"], {}),
    ("match.grain_pcre", ["role:w.*"], {}),
    ("match.pillar", ["app:name:foo"], {}),
    ("match.pillar_pcre", ["app:name:f.*"], {}),
    ("match.compound", ["G@role:web and web*"], {}),
    ("match.compound", ["G@role:db or L@x"], {}),
    ("match.pcre", ["("], {}),
    ("match.filter_by", [{"web*": {"a": 1}, "db*": {"a": 2}}], {}),
    ("match.filter_by", [{"db*": {"a": 2}, "default": {"a": 3}}], {}),
    ("match.filter_by", [{"db*": {"a": 2}}], {}),
    ("match.filter_by", [{"G@role:web": {"a": 1, "b": {"c": 1}}}], {"merge": {"b": {"d": 2}}}),
    ("match.filter_by", [{"web*": {"l": [1]}}], {"merge": {"l": [2]}, "merge_lists": True}),
    ("match.filter_by", [{"db*": {"a": 1}}], {"minion_id": "db01", "tgt_type": "glob"}),
    ("match.search_by", [{"a": ["web*"], "b": ["G@role:web"], "c": ["db*"]}], {}),
    ("match.search_by", [{"c": ["db*"]}], {}),
    ("match.ifelse", ["db*", "a", "G@role:web", "b", "c"], {}),
    ("match.ifelse", ["db*", "a", "c"], {}),
    ("match.ifelse", ["web*", {"a": 1}, {"b": 2}], {"merge": {"c": 3}}),
    ("hashutil.digest", ["hello"], {}),
    ("hashutil.digest", ["hello", "sha512"], {}),
    ("hashutil.md5_digest", ["hello"], {}),
    ("hashutil.sha256_digest", ["hello"], {}),
    ("hashutil.sha512_digest", ["hello"], {}),
    ("hashutil.base64_encodestring", ["x" * 100], {}),
    ("hashutil.base64_b64encode", ["ü"], {}),
    ("hashutil.base64_b64decode", [], {"instr": "aGVsbG8="}),
    ("hashutil.base64_b64decode", ["/w=="], {}),
    ("hashutil.base64_decodestring", [], {"instr": "aGVsbG8="}),
    ("hashutil.hmac_compute", ["hello", "shared_secret"], {}),
    ("hashutil.hmac_signature", ["hello", "shared_secret"],
     {"challenge_hmac": "aAp5Ai1EkIQxhr30i7vcPl4swnvYOrhQ/sp77+VNqdw="}),
    ("hashutil.hmac_signature", ["hello", "shared_secret", "abc"], {}),
    ("hashutil.github_signature", ["hello", "secret"], {"challenge_hmac": "sha1=a"}),
    ("random.hash", ["hello"], {}),
    ("random.hash", ["hello", "md5"], {}),
    ("random.hash", ["hello", "sha3_256"], {}),
    ("random.str_encode", ["hello"], {}),
    ("random.rand_int", [1, 100], {"seed": 42}),
    ("random.rand_int", [1, 100], {"seed": "abc"}),
    ("random.seed", [10], {}),
    ("random.seed", [100], {"hash": "web01"}),
    ("random.seed", [10], {"hash": "abc"}),
    ("random.sample", [[1, 2, 3, 4, 5], 2], {"seed": "abc"}),
    ("random.sample", [["a", "b", "c", "d"], 2], {"seed": "something"}),
    ("random.shuffle", [[1, 2, 3, 4, 5]], {"seed": "abc"}),
    ("random.get_str", [10], {"chars": "a"}),
    ("random.get_str", [0], {}),
    ("random.shadow_hash", [], {"crypt_salt": "abcdefgh", "password": "secret"}),
    ("random.shadow_hash", [], {"crypt_salt": "abcdefgh", "password": "secret", "algorithm": "md5"}),
    ("random.shadow_hash", [], {"crypt_salt": "abcdefgh", "password": "secret", "algorithm": "sha256"}),
    ("random.shadow_hash", [], {"crypt_salt": "ab", "password": "secret", "algorithm": "crypt"}),
    ("environ.get", ["SALINE_SURELY_UNSET"], {}),
    ("environ.get", ["SALINE_SURELY_UNSET", "x"], {}),
    ("environ.has_value", ["SALINE_SURELY_UNSET"], {}),
    ("environ.item", [["SALINE_SURELY_UNSET"]], {}),
]


def _arg(value: object) -> str:
    return value if isinstance(value, str) and value and value[0] not in "[{" and ":" not in value \
        else json.dumps(value)


def main(salt_call: str) -> None:
    out = Path(__file__).parents[2] / "cases" / "templatemods"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for sub in ("root", "files", "pillar"):
            (root / sub).mkdir()
        (root / "pillar" / "top.sls").write_text("base: {'*': [p]}\n")
        (root / "pillar" / "p.sls").write_text(yaml.safe_dump(CONTEXT["pillar"]))
        (root / "minion").write_text(yaml.safe_dump({
            "file_client": "local", "root_dir": str(root / "root"), "id": CONTEXT["id"],
            "file_roots": {"base": [str(root / "files")]}, "pillar_roots": {"base": [str(root / "pillar")]},
            "grains": CONTEXT["grains"],
        }))
        for number, (fun, args, kwargs) in enumerate(CALLS):
            argv = [salt_call, "--local", "-c", str(root), "--out", "json", fun,
                    *(_arg(a) for a in args), *(f"{k}={_arg(v)}" for k, v in kwargs.items())]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            case = {"fun": fun, "args": args, "kwargs": kwargs, "context": CONTEXT}
            if done.returncode == 0:
                case["expected"] = json.loads(done.stdout)["local"]
            else:
                print(f"skipped {fun} {args} {kwargs}: {done.stdout.strip()[-200:]}", file=sys.stderr)
                continue
            text = "# expected: real Salt 3007.8 salt-call --local --out json\n" + yaml.safe_dump(
                case, sort_keys=False, allow_unicode=True)
            (out / f"{number:02d}-{fun}.yaml").write_text(text)


if __name__ == "__main__":
    main(sys.argv[1])
