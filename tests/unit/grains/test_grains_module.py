"""The ``grains`` execution module through the function registry, with fixed grains.

Expected values and return shapes are the ones Salt 3007.8's ``salt-call --local grains.*`` gives.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from saline.errors import ActionRefusedError, SaltInvocationError
from saline.loader import Context

GRAINS: dict[str, Any] = {
    "id": "web1.example.com",
    "os": "Debian",
    "os_family": "Debian",
    "osrelease": "12",
    "osmajorrelease": 12,
    "osrelease_info": [12],
    "fqdn": "web1.example.com",
    "host": "web1",
    "localhost": "web1",
    "nodename": "web1",
    "domain": "example.com",
    "serialnumber": "ABCDEFGH",
    "roles": ["web", "db"],
    "dns": {"nameservers": ["10.0.0.1"], "search": ["example.com"], "domain": ""},
    "pkg": {"apache": "httpd"},
    "owner": "alice",
}


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    opts = {"id": "web1.example.com", "config_dir": str(tmp_path), "conf_file": str(tmp_path / "minion")}
    return Context(opts, grains_loader=lambda: copy.deepcopy(GRAINS))


def grains_file(ctx: Context) -> Any:
    path = Path(ctx.opts["config_dir"]) / "grains"
    return yaml.safe_load(path.read_text()) if path.exists() else None


# ---- readers ----------------------------------------------------------------------------------

def test_get(ctx: Context) -> None:
    get = ctx.salt["grains.get"]
    assert get("os") == "Debian"
    assert get("pkg:apache") == "httpd"
    assert get("dns:nameservers:0") == "10.0.0.1"
    assert get("nope") == ""
    assert get("nope", default="foo") == "foo"
    assert get("pkg|apache", delimiter="|") == "httpd"
    assert get("dns|search", delimiter="|") == ["example.com"]
    assert ctx.salt["grains.fetch"]("os") == "Debian"


def test_get_returns_a_copy(ctx: Context) -> None:
    ctx.salt["grains.get"]("roles").append("mutated")
    assert ctx.grains["roles"] == ["web", "db"]


def test_item(ctx: Context) -> None:
    item = ctx.salt["grains.item"]
    assert item("os", "osrelease", "nope") == {"os": "Debian", "osrelease": "12", "nope": ""}
    assert item("os", "nope", default="X") == {"os": "Debian", "nope": "X"}
    assert item("fqdn", "host", "os", sanitize=True) == {"fqdn": "MINION.DOMAINNAME", "host": "MINION",
                                                         "os": "Debian"}


def test_items_and_sanitize(ctx: Context) -> None:
    assert ctx.salt["grains.items"]() == GRAINS
    clean = ctx.salt["grains.items"](sanitize=True)
    assert clean["id"] == clean["fqdn"] == "MINION.DOMAINNAME"
    assert clean["host"] == clean["localhost"] == clean["nodename"] == "MINION"
    assert clean["domain"] == "DOMAINNAME"
    assert clean["serialnumber"] == "ABCDEFXX"  # the last quarter masked
    assert clean["os"] == "Debian"


def test_has_value_ls_equals(ctx: Context) -> None:
    assert ctx.salt["grains.has_value"]("pkg:apache") is True
    assert ctx.salt["grains.has_value"]("dns:domain") is True  # exists, even though empty
    assert ctx.salt["grains.has_value"]("nope") is False
    assert ctx.salt["grains.ls"]() == sorted(GRAINS)
    assert ctx.salt["grains.equals"]("osmajorrelease", 12) is True
    assert ctx.salt["grains.equals"]("osmajorrelease", "12") is True
    assert ctx.salt["grains.equals"]("os", "RedHat") is False


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"lookup_dict": {"Debian": {"pkg": "apache2"}, "RedHat": {"pkg": "httpd"}}}, {"pkg": "apache2"}),
        ({"lookup_dict": {"Deb*": "deb", "default": "other"}}, "deb"),
        ({"lookup_dict": {"RedHat": "x", "default": "other"}}, "other"),
        ({"lookup_dict": {"RedHat": "x"}}, None),
        ({"lookup_dict": {"RedHat": "x", "Foo": "y"}, "default": "Foo"}, "y"),
        ({"lookup_dict": {"default": {"a": 1, "b": 2}, "Debian": {"b": 3}, "common": {"c": 4, "b": 0}},
          "base": "common"}, {"c": 4, "b": 3}),
        ({"lookup_dict": {"Debian": {"b": 3}}, "merge": {"b": 9, "z": 1}}, {"b": 9, "z": 1}),
        ({"lookup_dict": {"RedHat": {"b": 3}}, "merge": {"b": 9, "z": 1}}, {"b": 9, "z": 1}),
        ({"lookup_dict": {"web": "W", "db": "D"}, "grain": "roles"}, "W"),
        ({"lookup_dict": {"db": "D", "web": "W"}, "grain": "roles"}, "W"),  # first grain item wins
        ({"lookup_dict": {12: "twelve"}, "grain": "osmajorrelease"}, "twelve"),
        ({"lookup_dict": {"httpd": "found"}, "grain": "pkg:apache"}, "found"),
        ({"lookup_dict": {"Debian": "x"}, "grain": "nope"}, None),
    ],
)
def test_filter_by(ctx: Context, kwargs: dict[str, Any], expected: Any) -> None:
    assert ctx.salt["grains.filter_by"](**kwargs) == expected


def test_filter_by_does_not_change_the_lookup_dict(ctx: Context) -> None:
    lookup = {"Debian": {"b": {"x": 1}}, "common": {"b": {"y": 2}}}
    before = copy.deepcopy(lookup)
    assert ctx.salt["grains.filter_by"](lookup, base="common", merge={"b": {"z": 3}}) == {
        "b": {"x": 1, "y": 2, "z": 3}}
    assert lookup == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lookup_dict": {"Debian": "x", "common": {"c": 4}}, "base": "common"},
         "filter_by default and look-up values must both be dictionaries."),
        ({"lookup_dict": {"Debian": {"x": 1}}, "merge": [1]},
         "filter_by merge argument must be a dictionary."),
        ({"lookup_dict": "not a dict"}, "lookup_dict must be a dictionary"),
    ],
)
def test_filter_by_errors(ctx: Context, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SaltInvocationError, match=re.escape(message)):
        ctx.salt["grains.filter_by"](**kwargs)


# ---- writers ------------------------------------------------------------------------------

def test_setval_persists_and_updates_grains(ctx: Context) -> None:
    assert ctx.salt["grains.setval"]("roles", ["web", "db", "cache"]) == {"roles": ["web", "db", "cache"]}
    assert ctx.salt["grains.setval"]("owner", "bob") == {"owner": "bob"}
    assert grains_file(ctx) == {"roles": ["web", "db", "cache"], "owner": "bob"}
    assert ctx.grains["owner"] == "bob"
    text = (Path(ctx.opts["config_dir"]) / "grains").read_text()
    assert text == "owner: bob\nroles:\n- web\n- db\n- cache\n"  # block style, keys sorted, like Salt


def test_setvals(ctx: Context) -> None:
    assert ctx.salt["grains.setvals"]({"a": 1, "b": {"c": 2}}) == {"a": 1, "b": {"c": 2}}
    assert grains_file(ctx) == {"a": 1, "b": {"c": 2}}
    assert ctx.salt["grains.setvals"]({"a": None}) == {"a": None}
    assert grains_file(ctx) == {"a": None, "b": {"c": 2}}
    assert ctx.grains["a"] is None
    assert ctx.salt["grains.setvals"]({"a": None}, destructive=True) == {"a": None}
    assert grains_file(ctx) == {"b": {"c": 2}}
    assert "a" not in ctx.grains
    for bad in ([1, 2], "a"):
        with pytest.raises(SaltInvocationError, match=r"setvals grains must be a dictionary\."):
            ctx.salt["grains.setvals"](bad)


def test_setval_keeps_other_keys_of_the_grains_file(ctx: Context) -> None:
    path = Path(ctx.opts["config_dir"]) / "grains"
    path.write_text("datacenter: ams1\n")
    ctx.salt["grains.setval"]("rack", 12)
    assert grains_file(ctx) == {"datacenter": "ams1", "rack": 12}


def test_broken_grains_file_is_reported_not_overwritten(ctx: Context) -> None:
    path = Path(ctx.opts["config_dir"]) / "grains"
    path.write_text("a: [unclosed\n")
    result = ctx.salt["grains.setval"]("x", 1)
    assert isinstance(result, str) and result.startswith("Unable to read existing grains file:")
    assert path.read_text() == "a: [unclosed\n"


def test_grains_file_option(ctx: Context, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "static-grains"
    ctx.opts["grains_file"] = str(target)
    ctx.salt["grains.setval"]("k", "v")
    assert yaml.safe_load(target.read_text()) == {"k": "v"}


def test_append(ctx: Context) -> None:
    append = ctx.salt["grains.append"]
    assert append("roles", "cache") == {"roles": ["web", "db", "cache"]}
    assert append("roles", "cache") == "The val cache was already in the list roles"
    assert append("owner", "x") == "The key owner is not a valid list"
    assert append("owner", "x", convert=True) == {"owner": ["alice", "x"]}
    assert append("newlist", "y") == {"newlist": ["y"]}
    assert append("newlist", ["z1", "z2"]) == {"newlist": ["y", "z1", "z2"]}
    assert append("pkg:list", "z") == {"pkg": {"apache": "httpd", "list": ["z"]}}
    assert append("pkg|more", "m", delimiter="|") == {
        "pkg": {"apache": "httpd", "list": ["z"], "more": ["m"]}}
    assert grains_file(ctx)["roles"] == ["web", "db", "cache"]
    assert ctx.grains["pkg"]["list"] == ["z"]


def test_remove(ctx: Context) -> None:
    assert ctx.salt["grains.remove"]("roles", "db") == {"roles": ["web"]}
    assert ctx.salt["grains.remove"]("roles", "nothere") == "The val nothere was not in the list roles"
    assert ctx.salt["grains.remove"]("owner", "alice") == "The key owner is not a valid list"


def test_set(ctx: Context) -> None:
    set_ = ctx.salt["grains.set"]
    assert set_("apps:myapp:port", 2209) == {"comment": "", "changes": {"apps": {"myapp": {"port": 2209}}},
                                              "result": True}
    assert set_("apps:myapp:port", 2209) == {"comment": "Grain is already set", "changes": {}, "result": True}
    assert set_("roles", "x") == {
        "comment": "The key 'roles' exists but is a dict or a list. Use 'force=True' to overwrite.",
        "changes": {}, "result": False}
    assert set_("owner", ["a"]) == {
        "comment": "The key 'owner' exists and the given value is a dict or a list. "
                   "Use 'force=True' to overwrite.",
        "changes": {}, "result": False}
    assert set_("roles", "x", force=True) == {"comment": "", "changes": {"roles": "x"}, "result": True}
    assert set_("owner:sub", 1) == {
        "comment": "The key 'owner' value is 'alice', which is different from the provided key 'sub'. "
                   "Use 'force=True' to overwrite.", "changes": {}, "result": False}
    assert set_("owner:alice", 1) == {"comment": "", "changes": {"owner": {"alice": 1}}, "result": True}
    assert grains_file(ctx)["apps"] == {"myapp": {"port": 2209}}


def test_delval_and_delkey(ctx: Context) -> None:
    assert ctx.salt["grains.delval"]("roles") == {
        "comment": "The key 'roles' exists but is a dict or a list. Use 'force=True' to overwrite.",
        "changes": {}, "result": False}
    assert ctx.salt["grains.delval"]("owner") == {"comment": "", "changes": {"owner": None}, "result": True}
    assert grains_file(ctx) == {"owner": None}
    assert ctx.salt["grains.delval"]("owner", destructive=True) == {
        "comment": "", "changes": {"owner": None}, "result": True}
    assert grains_file(ctx) == {}
    assert "owner" not in ctx.grains
    assert ctx.salt["grains.delkey"]("roles", force=True)["result"] is True
    assert "roles" not in ctx.grains


def test_writers_are_refused_while_planning(ctx: Context) -> None:
    planning = ctx.planning_view()
    assert planning.salt["grains.get"]("os") == "Debian"
    for fun, args in (("grains.setval", ("k", "v")), ("grains.setvals", ({"k": "v"},)),
                      ("grains.append", ("roles", "x")), ("grains.delval", ("owner",)),
                      ("grains.delkey", ("owner",)), ("grains.set", ("k", "v")),
                      ("grains.remove", ("roles", "web"))):
        with pytest.raises(ActionRefusedError):
            planning.salt[fun](*args)
    assert grains_file(ctx) is None


def test_every_function_has_a_cli_example(ctx: Context) -> None:
    module = ctx.salt.function("grains.get").module
    assert {"items", "item", "get", "fetch", "ls", "filter_by", "has_value", "equals", "setval", "setvals",
            "append", "remove", "set", "delval", "delkey"} <= set(module.functions)
    for function in module.functions.values():
        assert "CLI Example" in function.doc, function.name
