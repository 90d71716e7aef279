"""Salt's Jinja filters for lists and mappings (set operations, traverse, flatten, compare, ...).

Semantics follow Salt 3007 as observed: set operations on lists keep first-seen order and return
lists, on hashable inputs (strings, tuples) they return sets; ``traverse`` walks ``a:0:b`` through
dicts and lists; ``compare_lists``/``compare_dicts`` report ``old``/``new`` like Salt's changes.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from jinja2 import pass_environment
from saline.renderers.serialize import FilterError

_MISSING = object()


def unique(values: Any) -> Any:
    """Distinct items, first-seen order (a set for hashable input such as a string or tuple)."""
    if isinstance(values, Hashable):
        return set(values)
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _both_hashable(a: Any, b: Any) -> bool:
    return isinstance(a, Hashable) and isinstance(b, Hashable)


def union(lst1: Any, lst2: Any) -> Any:
    if _both_hashable(lst1, lst2):
        return set(lst1) | set(lst2)
    return unique(list(lst1) + list(lst2))


def intersect(lst1: Any, lst2: Any) -> Any:
    if _both_hashable(lst1, lst2):
        return set(lst1) & set(lst2)
    return unique([x for x in lst1 if x in lst2])


def difference(lst1: Any, lst2: Any) -> Any:
    if _both_hashable(lst1, lst2):
        return set(lst1) - set(lst2)
    return unique([x for x in lst1 if x not in lst2])


def symmetric_difference(lst1: Any, lst2: Any) -> Any:
    if _both_hashable(lst1, lst2):
        return set(lst1) ^ set(lst2)
    common = intersect(lst1, lst2)
    return unique([x for x in list(lst1) + list(lst2) if x not in common])


def flatten(lst: Any, levels: int | None = None, preserve_nulls: bool = False) -> list[Any]:
    """Nested lists flattened (``levels`` deep, all by default); None dropped unless ``preserve_nulls``."""
    out: list[Any] = []
    for item in lst:
        if isinstance(item, (list, tuple)):
            if levels is None:
                out.extend(flatten(item, None, preserve_nulls))
            elif levels > 0:
                out.extend(flatten(item, levels - 1, preserve_nulls) if levels > 1 else
                           [x for x in item if preserve_nulls or x is not None])
            else:
                out.append(item)
        elif item is not None or preserve_nulls:
            out.append(item)
    return out


def avg(lst: Any) -> float:
    values = list(lst)
    if not values:
        raise FilterError("avg: the list is empty")
    return float(sum(values)) / len(values)


@pass_environment
def lst_min(environment: Any, value: Any, case_sensitive: bool | None = None, attribute: Any = None) -> Any:
    """Salt's ``min``: Python's ``min`` (Jinja's ``case_sensitive``/``attribute`` still accepted)."""
    if case_sensitive is None and attribute is None:
        return min(value)
    from jinja2.filters import do_min

    return do_min(environment, value, bool(case_sensitive), attribute)


@pass_environment
def lst_max(environment: Any, value: Any, case_sensitive: bool | None = None, attribute: Any = None) -> Any:
    if case_sensitive is None and attribute is None:
        return max(value)
    from jinja2.filters import do_max

    return do_max(environment, value, bool(case_sensitive), attribute)


def exactly_n_true(iterable: Any, amount: int = 1) -> bool:
    return sum(1 for x in iterable if x) == amount


def exactly_one_true(iterable: Any) -> bool:
    return exactly_n_true(iterable, 1)


def traverse(data: Any, key: str, default: Any = None, delimiter: str = ":") -> Any:
    """``{{ d | traverse("a:0:b", "default") }}``: walk dicts by key and lists by index."""
    current = data
    for part in str(key).split(delimiter):
        if isinstance(current, Mapping):
            if part in current:
                current = current[part]
                continue
            return default
        if isinstance(current, (list, tuple)):
            try:
                current = current[int(part)]
                continue
            except (ValueError, IndexError):
                # a list of dicts: the first dict holding the key (Salt's rule)
                for item in current:
                    if isinstance(item, Mapping) and part in item:
                        current = item[part]
                        break
                else:
                    return default
                continue
        return default
    return current


def sequence(value: Any) -> Any:
    """``value`` itself when it is a list, tuple, set or dict, else ``[value]``."""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return value
    return [value]


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def is_iter(value: Any, ignore: tuple[type, ...] = (str, bytes)) -> bool:
    if isinstance(value, ignore):
        return False
    try:
        iter(value)
    except TypeError:
        return False
    return True


def is_empty(value: Any) -> bool:
    try:
        return len(value) == 0
    except TypeError:
        return False


def compare_lists(old: Any, new: Any) -> dict[str, list[Any]]:
    """``{"new": [added], "old": [removed]}``, keys present only when non-empty."""
    ret: dict[str, list[Any]] = {}
    added = [x for x in new if x not in old]
    removed = [x for x in old if x not in new]
    if added:
        ret["new"] = added
    if removed:
        ret["old"] = removed
    return ret


def compare_dicts(old: Any, new: Any) -> dict[Any, dict[str, Any]]:
    """``{key: {"old": ..., "new": ...}}`` for every key that differs ('' where a side lacks the key)."""
    old = old or {}
    new = new or {}
    ret: dict[Any, dict[str, Any]] = {}
    for key in list(old) + [k for k in new if k not in old]:
        # Salt's key order: the missing side first
        if key not in new:
            ret[key] = {"new": "", "old": old[key]}
        elif key not in old:
            ret[key] = {"old": "", "new": new[key]}
        elif old[key] != new[key]:
            ret[key] = {"old": old[key], "new": new[key]}
    return ret


@pass_environment
def method_call(environment: Any, obj: Any, f_name: str, *f_args: Any, **f_kwargs: Any) -> Any:
    """``{{ "a,b" | method_call("split", ",") }}``; the sandbox still vets the method."""
    from jinja2.exceptions import SecurityError

    try:
        method = getattr(obj, f_name)
    except AttributeError:
        raise FilterError(f"method_call: {type(obj).__name__} has no method {f_name!r}") from None
    if not environment.is_safe_attribute(obj, f_name, method) or not environment.is_safe_callable(method):
        raise SecurityError(f"access to attribute {f_name!r} of {type(obj).__name__!r} object is unsafe.")
    if not callable(method):
        raise FilterError(f"method_call: {type(obj).__name__}.{f_name} is not callable")
    return method(*f_args, **f_kwargs)


def skip(data: Any) -> str:
    """Evaluate and print nothing."""
    return ""


def _expr_match(value: str, expr: str) -> bool:
    if value == expr or fnmatch.fnmatch(value, expr):
        return True
    try:
        return re.match(rf"\A(?:{expr})\Z", value) is not None
    except re.error:
        return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def check_whitelist_blacklist(value: Any, whitelist: Any = None, blacklist: Any = None) -> bool:
    """False when ``value`` matches the blacklist; with a whitelist, True only when it matches it.

    Entries are exact strings, globs or (anchored) regular expressions.
    """
    value = str(value)
    if blacklist is not None and any(_expr_match(value, str(e)) for e in _as_list(blacklist)):
        return False
    if whitelist is not None:
        return any(_expr_match(value, str(e)) for e in _as_list(whitelist))
    return True


def sorted_ignorecase(lst: Any) -> list[Any]:
    return sorted(lst, key=lambda s: str(s).lower())


def substring_in_list(substr: Any, lst: Any) -> bool:
    return any(substr in item for item in lst)


def to_entries(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, Mapping):
        return [{"key": k, "value": v} for k, v in data.items()]
    return [{"key": i, "value": v} for i, v in enumerate(data)]


def from_entries(entries: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise FilterError(f"from_entries: expected mappings with key and value, got {entry!r}")
        key = next((entry[k] for k in ("key", "k", "name", "Name", "Key") if k in entry), _MISSING)
        value = next((entry[k] for k in ("value", "v", "Value") if k in entry), None)
        if key is _MISSING:
            raise FilterError(f"from_entries: entry without a key: {entry!r}")
        out[key] = value
    return out


# ---- dict key path helpers (set/append/extend/update_dict_key_value) -------------------------------


def _walk_create(dest: Any, keys: list[str], path: str) -> Any:
    if not isinstance(dest, dict):
        raise FilterError(f"cannot follow '{path}' in a {type(dest).__name__}: a dict is needed")
    # like Salt, a non-dict met on the way is replaced by a dict
    for part in keys:
        if not isinstance(dest.get(part), dict):
            dest[part] = {}
        dest = dest[part]
    return dest


def set_dict_key_value(dest: Any, key: str, value: Any, delimiter: str = ":") -> Any:
    *parents, last = str(key).split(delimiter)
    _walk_create(dest, parents, key)[last] = value
    return dest


def _list_at(dest: Any, key: str, delimiter: str, name: str) -> list[Any]:
    *parents, last = str(key).split(delimiter)
    current = _walk_create(dest, parents, key).setdefault(last, [])
    if not isinstance(current, list):
        raise FilterError(f"{name}: the value at '{key}' is a {type(current).__name__}, not a list")
    return current


def append_dict_key_value(dest: Any, key: str, value: Any, delimiter: str = ":") -> Any:
    _list_at(dest, key, delimiter, "append_dict_key_value").append(value)
    return dest


def extend_dict_key_value(dest: Any, key: str, value: Any, delimiter: str = ":") -> Any:
    target = _list_at(dest, key, delimiter, "extend_dict_key_value")
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, Mapping)):
        raise FilterError(f"extend_dict_key_value: cannot extend a list with a {type(value).__name__}")
    target.extend(value)
    return dest


def update_dict_key_value(dest: Any, key: str, value: Any, delimiter: str = ":") -> Any:
    *parents, last = str(key).split(delimiter)
    parent = _walk_create(dest, parents, key)
    current = parent.setdefault(last, {})
    if not isinstance(current, dict):
        raise FilterError(f"update_dict_key_value: the value at '{key}' is a {type(current).__name__}, not a dict")
    if not isinstance(value, Mapping):
        raise FilterError(f"update_dict_key_value: cannot update a dict with a {type(value).__name__}")
    current.update(value)
    return dest
