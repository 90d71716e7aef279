"""Outputters on values that CLI YAML cannot produce but functions return: OrderedDicts (rendered
SLS data), tuples, sets, bytes, dict subclasses, other objects; the return-code colouring."""

from __future__ import annotations

import collections
import decimal
import enum
import json

from saline.output import render


def ordered():
    return collections.OrderedDict([("zz", collections.OrderedDict([("test", ["nop"]), ("__sls__", "o")])),
                                    ("aa", {"b": 1, "a": 2})])


def test_nested_keeps_ordered_dict_order_and_sorts_plain_dicts():
    # checked against salt-call state.show_sls: rendered SLS data keeps the file's order
    assert render({"local": ordered()}, "nested") == (
        "local:\n    ----------\n    zz:\n        ----------\n        test:\n            - nop\n"
        "        __sls__:\n            o\n    aa:\n        ----------\n        a:\n            2\n"
        "        b:\n            1\n"
    )


def test_yaml_keeps_ordered_dict_order_and_sorts_plain_dicts():
    assert render({"local": ordered()}, "yaml") == (
        "local:\n  zz:\n    test:\n    - nop\n    __sls__: o\n  aa:\n    a: 2\n    b: 1\n"
    )


def test_json_keeps_order():
    assert list(json.loads(render(ordered(), "json"))) == ["zz", "aa"]


class Colour(enum.Enum):
    RED = "red"


class Name(str, enum.Enum):  # noqa: UP042 - str() of this one is "Name.WEB"
    WEB = "web"


def test_yaml_other_types():
    data = {"t": (1, 2), "s": {3}, "b": b"x", "d": collections.defaultdict(list, {"k": [1]}),
            "o": Colour.RED, "n": Name.WEB}
    assert render(data, "yaml") == "b: x\nd:\n  k:\n  - 1\nn: web\no: Colour.RED\ns:\n- 3\nt:\n- 1\n- 2\n"


def test_nested_other_types():
    assert render({"d": decimal.Decimal("1.5"), "t": (1, (2,)), "b": b"raw"}, "nested") == (
        "b:\n    raw\nd:\n    Decimal('1.5')\nt:\n    - 1\n    |_\n      - 2\n"
    )


def test_nested_escape_characters_cannot_reach_the_terminal():
    # salt-call test.echo "$(printf 'a\033[31mb')" prints a?[31mb
    assert render({"local": "a\033[31mb"}, "nested") == "local:\n    a?[31mb\n"


def test_nested_is_red_when_the_function_failed():
    # checked against salt-call cmd.run_all 'sh -c "exit 3"' --force-color
    text = render({"local": {"retcode": 3, "stdout": ""}}, "nested", {"color": True, "_retcode": 3})
    assert text == (
        "\033[0;31mlocal\033[0;0m:\n    \033[0;31m----------\033[0;0m\n    \033[0;31mretcode\033[0;0m:\n"
        "        \033[0;1;33m3\033[0;0m\n    \033[0;31mstdout\033[0;0m:\n"
    )


def test_nested_red_list_markers_on_failure():
    text = render({"local": [[1]]}, "nested", {"color": True, "_retcode": 1})
    assert "\033[0;31m|_\033[0;0m" in text
