"""Write the argument-parsing cases (tests/cases/args/*.yaml) from real ``salt-call``.

Developer tool, not a test: needs the Salt oracle (shared/oracle/setup.sh). Usage::

    .venv/bin/python tests/unit/cli/regen_args_cases.py [--all | NAME ...]

Each seed below is ``name: (argv, fun)``; the tool runs ``salt-call --local --out raw FUN ARGV...`` and
stores ``argv``, ``fun`` and either ``expected: {args, kwargs}`` (``__pub_*`` keys dropped) or
``expected: {error, rc}`` when salt-call refused the call. Without arguments only missing cases are
written.
"""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import yaml

HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[3]
CASES = REPO / "tests" / "cases" / "args"
SALT_CALL = pathlib.Path(
    os.environ.get("SALT_VENV", pathlib.Path.home() / ".cache/saline-oracle/salt-venv")
) / "bin/salt-call"

A = "test.arg"
SEEDS: dict[str, tuple[list[str], str]] = {
    # integers (YAML 1.1 as Salt reads it: leading zeros are decimal)
    "int-plain": (["1", "42", "0"], A),
    "int-leading-zeros": (["007", "0644", "00"], A),
    "int-signed": (["+1", "-0"], A),
    "int-hex-octal-binary": (["0x1f", "0o17", "0b101"], A),
    "int-underscore": (["1_000", "1_0_0"], A),
    "int-sexagesimal": (["1:30", "12:30:00"], A),
    "int-huge": (["123456789012345678901234567890"], A),
    # floats
    "float-plain": (["1.5", ".5", "1.", "-2.25"], A),
    "float-exponent": (["1e3", "1.0e3", "1.5e-3", "6.02E+23"], A),
    "float-special": ([".inf", "-.inf", ".nan", "inf", "nan", ".Inf"], A),
    # booleans and null
    "bool-words": (["yes", "no", "true", "false", "True", "FALSE", "on", "off", "Yes", "NO"], A),
    "bool-single-letters": (["y", "n", "Y", "N"], A),
    "null-words": (["null", "Null", "NULL", "~", "None", "none"], A),
    "empty-and-blank": (["", " ", "  x  "], A),
    # strings that YAML would mangle
    "string-plain": (["hello", "hello world", "a.b.c", "/etc/passwd", "C:\\dir"], A),
    "string-quoted": (["'quoted'", '"double"', "'", '"'], A),
    "string-hash": (["#comment", "a #b", "a#b", "#"], A),
    "string-indicators": (["!", "|", ">", "&anchor", "*alias", "@at", "`tick", "%pct", "?", ":"], A),
    "string-tags": (["!!str 1", "!!int '3'", "!tag x", "!!binary aGk="], A),
    "string-colon": (["a: b", "a:b", "foo: bar: baz", "http://x.org/a?b=c"], A),
    "string-dates": (["2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z"], A),
    "string-multiline": (["a\nb", "- a\n- b", "a: 1\nb: 2", "line\n"], A),
    "string-unicode": (["héllo", "日本", "ключ"], A),
    "string-version-like": (["1.2.3", "1.2", "3.10", "1.0.0-rc1", "v1"], A),
    # lists and dicts
    "list-flow": (["[1, 2]", "[a, b]", "[]", "[[1], {a: 2}]", " [1]"], A),
    "list-invalid": (["[1, 2", "[a, b]]"], A),
    "dict-flow": (["{a: 1}", '{"a": 1, "b": [1, 2]}', "{}", "{a: {b: null}}"], A),
    "dict-invalid": (["{a: 1", "{a: 1, a: 2}"], A),
    # keyword arguments
    "kwarg-simple": (["a=1", "b=hello", "c=yes", "d=007"], A),
    "kwarg-empty-value": (["a="], A),
    "kwarg-structured": (["a=[1, 2]", "b={c: 1}", "c={}"], A),
    "kwarg-value-with-equals": (["a=b=c", "url=http://h/?x=1"], A),
    "kwarg-double-equals": (["a==b"], A),
    "kwarg-no-key": (["=x"], A),
    "kwarg-key-with-space": (["a b=c"], A),
    "kwarg-key-digit-start": (["1a=2", "9=x"], A),
    "kwarg-key-underscore": (["_a=1", "__b=2"], A),
    "kwarg-key-dot-dash": (["a.b=1", "a-b=2"], A),
    "kwarg-key-upper": (["A=1", "Key=x"], A),
    "kwarg-key-unicode": (["é=1", "ключ=значение"], A),
    "kwarg-value-hash": (["a=#x", "b=x #y"], A),
    "kwarg-value-spaces": (["a= x", "b=x ", "c= "], A),
    "kwarg-value-null": (["a=None", "b=null", "c=~"], A),
    "kwarg-value-underscore-digits": (["a=1_000"], A),
    "kwarg-value-multiline": (["a=x\ny"], A),
    "kwarg-duplicate": (["a=1", "a=2"], A),
    "kwarg-key-leading-space": ([" a=b"], A),
    "kwarg-key-special": (["a/b=1", "a:b=1", "a+b=1", "a@b=1"], A),
    "kwarg-key-whitespace": (["  a=b", "\tc=d", "e =f", " 1=2"], A),
    "kwarg-value-structured-hash": (["a=[1, 2] # c", "b={c: '#'}"], A),
    "string-whitespace-around": ([" 1", "1 ", " yes", " {a: 1}", "[1] ", "\t2"], A),
    "string-multiline-typed": (["1\n", "\nx", "[1,\n2]", "{a: 1,\nb: 2}", "yes\n"], A),
    "string-hash-typed": (["[1, 2] # c", "1 # one", "{a: '#'}", "'#x'"], A),
    "string-dash": (["-", "--", "- a", "-x", "-1", "--out"], A),
    "string-quoted-typed": (["'1'", "'yes'", "'null'", "\"'x'\"", "'[1]'", "''"], A),
    "string-quoted-kwarg": (["'a=b'", '"c=1"', "'d=[1]'"], A),
    "kwarg-value-quoted": (["a='1'", "b='yes'", "c=\"'x'\"", "d=''"], A),
    "echo-quoted-kwarg": (["'a=b'"], "test.echo"),
    "echo-spaced-kwarg": (["  text=hi"], "test.echo"),
    "kwarg-value-trailing-newline": (["a=x\n", "b=1\n"], A),
    "echo-invalid-kwarg-typed": (["x", "a=007", "b=[1, 2]"], "test.echo"),
    "echo-named-and-invalid": (["text=hi", "a=b"], "test.echo"),
    "echo-missing": ([], "test.echo"),
    "echo-multiple-values": (["x", "text=y"], "test.echo"),
    "fib-missing": ([], "test.fib"),
    "mixed-positional-and-kwargs": (["x", "a=1", "y", "b=2", "3"], A),
    "pillar-dict": (["pillar={a: 1, b: [x]}"], A),
    "pillar-json": (['pillar={"a": {"b": true}}'], A),
    "pillar-not-a-dict": (["pillar=x"], A),
    # functions that do not take **kwargs
    "echo-string": (["hello"], "test.echo"),
    "echo-typed": (["007"], "test.echo"),
    "echo-named": (["text=hi"], "test.echo"),
    "echo-invalid-kwarg": (["x", "a=b"], "test.echo"),
    "echo-invalid-kwargs": (["a=b", "c=d"], "test.echo"),
    "echo-too-many": (["a", "b"], "test.echo"),
    "kwarg-fun": (["a=1", "b=[x]"], "test.kwarg"),
}


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value.rstrip("\n") and "\t" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def ask_salt(argv: list[str], fun: str, conf: pathlib.Path) -> dict:
    proc = subprocess.run(
        [str(SALT_CALL), "--local", "-c", str(conf), "--out", "raw", "-l", "quiet", fun, "--", *argv],
        capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip() or proc.stdout.strip(), "rc": proc.returncode}
    # raw output is a Python repr; inf/nan are the only non-literals test.arg can return
    names = {"__builtins__": {}, "inf": math.inf, "nan": math.nan}
    ret = eval(proc.stdout.strip(), names)["local"]  # the oracle's own output
    if fun == "test.arg":
        kwargs = {k: v for k, v in ret["kwargs"].items() if not str(k).startswith("__pub_")}
        return {"args": list(ret["args"]), "kwargs": kwargs}
    if fun == "test.kwarg":
        return {"return": {k: v for k, v in ret.items() if not str(k).startswith("__pub_")}}
    return {"return": ret}


def main(names: list[str]) -> int:
    refresh_all = names == ["--all"]
    wanted = SEEDS if refresh_all or not names else {n: SEEDS[n] for n in names}
    if not refresh_all and not names:
        wanted = {n: s for n, s in wanted.items() if not (CASES / f"{n}.yaml").exists()}
    CASES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="saline-args-") as tmp:
        conf = pathlib.Path(tmp) / "conf"
        root = pathlib.Path(tmp) / "root"
        conf.mkdir()
        (conf / "minion").write_text(yaml.safe_dump({
            "id": "oracle", "file_client": "local", "root_dir": str(root),
            "file_roots": {"base": [str(root / "srv/salt")]},
            "pillar_roots": {"base": [str(root / "srv/pillar")]},
        }))
        with ThreadPoolExecutor(4) as pool:
            results = dict(zip(wanted, pool.map(lambda s: ask_salt(s[0], s[1], conf), wanted.values()),
                               strict=True))
    for name, expected in results.items():
        argv, fun = wanted[name]
        case = {"argv": argv, "fun": fun, "expected": expected}
        (CASES / f"{name}.yaml").write_text(
            yaml.dump(case, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                      width=100)
        )
        print(name, expected)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
