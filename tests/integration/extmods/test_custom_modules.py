"""Custom modules from the file tree (``_modules``, ``_states``, ``_grains``), written in Salt's style,
synced and used by a real ``saline-call --local`` process exactly as salt-call does (answers recorded
from Salt 3007.8 with the same files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

SALINE_CALL = os.path.join(os.path.dirname(sys.executable), "saline-call")

HELLO = '''
__virtualname__ = "hi"


def __virtual__():
    return __virtualname__


def there(who="world"):
    """Greets."""
    return "hello " + who + " on " + __grains__["id"] + str(__opts__.get("test"))


def remember(value):
    __context__["remembered"] = value
    return __salt__["hi.recall"]()


def recall():
    return __context__.get("remembered")


def _private():
    return "never exposed"
'''

GREET = '''
def said(name, loud=False):
    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    words = __salt__["hi.there"](name)
    if loud:
        words = words.upper()
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = "would say " + words
        return ret
    ret["changes"] = {"said": words}
    return ret
'''

COLOUR = '''
def colour():
    return {"colour": "blue", "seen_id": __opts__["id"]}


def _helper():
    return {"never": True}


def derived(grains):
    return {"colour_of": grains["colour"] + " " + grains["id"]}
'''


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def tree(tmp_path):
    srv = tmp_path / "srv"
    _write(srv / "_modules" / "hello.py", HELLO)
    _write(srv / "_states" / "greet.py", GREET)
    _write(srv / "_grains" / "colour.py", COLOUR)
    _write(srv / "top.sls", "base:\n  '*':\n    - g\n")
    _write(srv / "g.sls", "x:\n  greet.said:\n    - name: bob\n")
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "minion").write_text(yaml.safe_dump({
        "file_client": "local", "root_dir": str(tmp_path / "root"), "id": "o1",
        "file_roots": {"base": [str(srv)]}, "pillar_roots": {"base": [str(tmp_path / "pillar")]}}))
    return tmp_path


def call(tree, *argv, rc=0):
    proc = subprocess.run([SALINE_CALL, "--local", "-c", str(tree / "conf"), "--out=json", *argv],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == rc, proc.stderr + proc.stdout
    return json.loads(proc.stdout)["local"] if proc.stdout.strip() else None


def extmods(tree, kind):
    folder = tree / "root" / "var" / "cache" / "saline" / "minion" / "extmods" / kind
    return sorted(f for f in os.listdir(folder) if f.endswith(".py")) if folder.is_dir() else []


def test_state_apply_syncs_and_uses_salt_style_modules(tree):
    ret = call(tree, "state.apply")  # autoload_dynamic_modules: no explicit sync needed, as in Salt
    (result,) = ret.values()
    assert result["changes"] == {"said": "hello bob on o1False"} and result["result"] is True
    ret = call(tree, "state.apply", "test=True")
    (result,) = ret.values()
    assert result["result"] is None and result["changes"] == {}
    assert result["comment"] == "would say hello bob on o1True"  # __opts__ of the run, test=True
    assert call(tree, "hi.there", "you") == "hello you on o1False"
    assert call(tree, "sys.list_functions", "hi") == ["hi.recall", "hi.remember", "hi.there"]
    assert call(tree, "hi.remember", "42") == 42  # __context__ shared by the functions of one call
    assert call(tree, "grains.get", "colour") == "blue"
    assert call(tree, "grains.get", "seen_id") == "o1"
    assert call(tree, "grains.get", "colour_of") == "blue o1"
    assert "never" not in call(tree, "grains.items")


def test_sync_all_answers_with_salts_keys_and_follows_the_tree(tree):
    first = call(tree, "saltutil.sync_all")
    assert list(first) == ["tops", "clouds", "beacons", "modules", "states", "sdb", "grains", "renderers",
                           "returners", "output", "utils", "log_handlers", "executors", "proxymodules",
                           "engines", "thorium", "serializers", "matchers", "pillar", "wrapper"]
    assert (first["modules"], first["states"], first["grains"]) == (
        ["modules.hello"], ["states.greet"], ["grains.colour"])
    assert all(v == [] for k, v in first.items() if k not in ("modules", "states", "grains"))
    assert call(tree, "saltutil.sync_modules") == []  # unchanged: nothing copied again
    (tree / "srv" / "_modules" / "hello.py").write_text(HELLO.replace('"hello "', '"hey "'))
    assert call(tree, "saltutil.sync_modules") == ["modules.hello"]
    assert call(tree, "hi.there") == "hey world on o1False"
    (tree / "srv" / "_modules" / "hello.py").unlink()  # gone from the tree: gone from the minion
    assert call(tree, "saltutil.sync_modules") == []
    assert extmods(tree, "modules") == []
    call(tree, "hi.there", rc=1)


def test_whitelist_and_blacklist(tree):
    _write(tree / "srv" / "_modules" / "other.py", "def f():\n    return 1\n")
    assert call(tree, "saltutil.sync_modules", "extmod_whitelist=other") == ["modules.other"]
    assert call(tree, "saltutil.sync_modules", "extmod_blacklist=other") == ["modules.hello"]
    assert extmods(tree, "modules") == ["hello.py", "other.py"]
    ret = call(tree, "saltutil.sync_all", 'extmod_whitelist={"grains": ["colour"]}')
    assert ret["grains"] == ["grains.colour"] and ret["states"] == ["states.greet"]


def test_custom_module_replaces_the_builtin_one_and_virtual_can_refuse(tree):
    _write(tree / "srv" / "_modules" / "test.py", "def ping():\n    return 'custom pong'\n")
    _write(tree / "srv" / "_modules" / "never.py",
           "def __virtual__():\n    return (False, 'needs the frobnicator')\n\n\ndef f():\n    return 1\n")
    call(tree, "saltutil.sync_modules")
    assert call(tree, "test.ping") == "custom pong"
    proc = subprocess.run([SALINE_CALL, "--local", "-c", str(tree / "conf"), "never.f"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "needs the frobnicator" in proc.stdout + proc.stderr


def test_a_broken_custom_module_is_reported_and_harms_nothing_else(tree):
    _write(tree / "srv" / "_modules" / "broken.py", "def f(:\n")
    assert "modules.broken" in call(tree, "saltutil.sync_modules")
    proc = subprocess.run([SALINE_CALL, "--local", "-c", str(tree / "conf"), "broken.f"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "SyntaxError" in proc.stdout + proc.stderr
    assert call(tree, "hi.there") == "hello world on o1False"
    assert "broken" in call(tree, "sys.missing")


def test_without_autoload_a_state_run_does_not_sync(tree):
    with open(tree / "conf" / "minion", "a", encoding="utf-8") as fh:
        fh.write("autoload_dynamic_modules: false\n")
    ret = call(tree, "state.apply", rc=1)
    (result,) = ret.values()
    assert result["result"] is False and extmods(tree, "states") == []


def test_a_custom_state_calls_other_states_through_dunder_states(tree):
    target = tree / "made" / "motd"
    _write(tree / "srv" / "_states" / "motd.py", '''
def managed(name, text):
    ret = __states__["file.managed"](name, contents=text, makedirs=True)
    ret["comment"] = "motd: " + ret["comment"]
    return ret
''')
    _write(tree / "srv" / "motd.sls", f"m:\n  motd.managed:\n    - name: {target}\n    - text: hello\n")
    (result,) = call(tree, "state.apply", "motd", "test=True").values()
    assert result["result"] is None and not target.exists()  # the called state honours test=True
    assert result["comment"].startswith("motd: The file") and "is set to be changed" in result["comment"]
    (result,) = call(tree, "state.apply", "motd").values()
    assert result["result"] is True and target.read_text() == "hello\n"
    assert "diff" in result["changes"]
    (result,) = call(tree, "state.apply", "motd").values()
    assert result["result"] is True and result["changes"] == {}
