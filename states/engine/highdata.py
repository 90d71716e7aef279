"""High data checks and rewrites: ``extend``, structural verification, ``exclude``.

High data is the merged, rendered state tree: ``{id: {"__sls__": sls, "__env__": env,
state: [fun, {arg: value}, ...]}, "__extend__": [...], "__exclude__": [...]}``.
These functions follow Salt's semantics (and its error wording, which users grep for);
they mutate ``high`` in place like Salt does, so callers pass a copy when they need the original.
"""

from __future__ import annotations

import fnmatch
from typing import Any

# Requisite arguments that accumulate when an extend (or an ``_in`` requisite) adds to them;
# any other argument given in an extend replaces the existing one.
REQUISITE_KEYWORDS = frozenset({
    "onchanges", "onchanges_any", "onfail", "onfail_any", "onfail_all", "onfail_stop",
    "prereq", "prerequired", "watch", "watch_any", "require", "require_any", "listen",
})
REQUISITE_IN_KEYWORDS = frozenset({
    "onchanges_in", "onfail_in", "prereq_in", "watch_in", "require_in", "listen_in",
})


def _first_key(mapping: dict[Any, Any]) -> Any:
    return next(iter(mapping))


def _is_dunder(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("__")


def hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def find_name(name: Any, state: str, high: dict[str, Any], strict: bool = False,
              index: NameIndex | None = None) -> list[tuple[str, str]]:
    """The ``(id, state)`` pairs a requisite or extend target ``state: name`` refers to.

    An ID matches first (with ``strict``, only when it declares ``state``); else ``sls``
    selects every ID of that SLS; else any ID whose ``state`` declaration has a one-key
    argument equal to ``name`` (usually ``- name: ...``), once per such argument. ``index``
    (a :class:`NameIndex` of ``high``) answers the last question without scanning ``high``.
    """
    found: list[tuple[str, str]] = []
    present = hashable(name) and name in high
    if present and (not strict or state in high.get(name, {})):
        found.append((name, state))
    elif state == "sls":
        for id_, body in high.items():
            if isinstance(body, dict) and body.get("__sls__") == name:
                found.append((id_, _first_key(body)))
    elif index is not None and hashable(name):
        found = index.lookup(name, state)
    else:
        for id_, body in high.items():
            if not isinstance(body, dict) or not isinstance(body.get(state), list):
                continue
            for arg in body[state]:
                if isinstance(arg, dict) and len(arg) == 1 and arg[_first_key(arg)] == name:
                    found.append((id_, state))
    return found


class NameIndex:
    """``(state, argument value) -> IDs`` over ``high``: :func:`find_name` without a full scan.

    Large trees that name requisite targets by ``name`` would otherwise make compiling quadratic.
    The index stays exact while ``high`` changes as long as :meth:`refresh` is called for every
    state declaration that changed (IDs themselves are never added). A declaration list shared by
    several IDs (a YAML alias) is re-read for all of them.
    """

    def __init__(self, high: dict[str, Any]) -> None:
        self.high = high
        self.position = {id_: pos for pos, id_ in enumerate(high)}
        self.entries: dict[tuple[str, Any], dict[Any, int]] = {}
        self.keys: dict[tuple[Any, str], list[tuple[str, Any]]] = {}
        self.decl_of: dict[tuple[Any, str], int] = {}
        self.holders: dict[int, list[tuple[Any, str]]] = {}
        for id_, body in high.items():
            if isinstance(body, dict):
                for state in body:
                    self._add(id_, state)

    def _add(self, id_: Any, state: Any) -> None:
        decl = self.high[id_].get(state)
        keys: list[tuple[str, Any]] = []
        if isinstance(decl, list):
            self.decl_of[(id_, state)] = id(decl)
            self.holders.setdefault(id(decl), []).append((id_, state))
            for arg in decl:
                if isinstance(arg, dict) and len(arg) == 1:
                    value = arg[_first_key(arg)]
                    if hashable(value):
                        bucket = self.entries.setdefault((state, value), {})
                        bucket[id_] = bucket.get(id_, 0) + 1
                        keys.append((state, value))
        self.keys[(id_, state)] = keys

    def _remove(self, id_: Any, state: Any) -> None:
        for key in self.keys.pop((id_, state), []):
            bucket = self.entries[key]
            bucket[id_] -= 1
            if not bucket[id_]:
                del bucket[id_]
        old = self.decl_of.pop((id_, state), None)
        if old is not None:
            self.holders[old].remove((id_, state))

    def refresh(self, id_: Any, state: Any) -> None:
        """Re-read ``high[id_][state]`` (and every declaration sharing its list) after a change."""
        pairs = [(id_, state)]
        decl = self.high[id_].get(state)
        pairs += [pair for pair in self.holders.get(id(decl), []) if pair != (id_, state)]
        for pair in pairs:
            self._remove(*pair)
            self._add(*pair)

    def lookup(self, name: Any, state: str) -> list[tuple[str, str]]:
        bucket = self.entries.get((state, name))
        if not bucket:
            return []
        ids = sorted(bucket, key=self.position.__getitem__)
        return [(id_, state) for id_ in ids for _ in range(bucket[id_])]


def find_sls_ids(sls: str, high: dict[str, Any]) -> list[tuple[str, str]]:
    """Every ``(id, state)`` declared by the SLS named ``sls``."""
    found: list[tuple[str, str]] = []
    for id_, body in high.items():
        if not isinstance(body, dict) or body.get("__sls__") != sls:
            continue
        found.extend((id_, state) for state in body if not _is_dunder(state))
    return found


def state_args(id_: str, state: str, high: dict[str, Any]) -> set[str]:
    """Names of the one-key arguments of ``high[id_][state]``."""
    decl = high.get(id_, {}).get(state) if isinstance(high.get(id_), dict) else None
    if not isinstance(decl, list):
        return set()
    return {_first_key(arg) for arg in decl if isinstance(arg, dict) and len(arg) == 1}


def _excluded_sls(high: dict[str, Any]) -> list[Any]:
    names = []
    for exc in high.get("__exclude__", []):
        if isinstance(exc, str):
            names.append(exc)
        elif isinstance(exc, dict) and exc.get("sls"):
            names.append(exc["sls"])
    return names


def reconcile_extend(high: dict[str, Any], strict: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Apply ``high["__extend__"]`` to the IDs it names; return ``(high, errors)``.

    Requisites given in an extend are appended to the existing requisite of the same kind;
    other arguments replace the existing ones, a function replaces the function, and a ``name``
    replaces ``names``. Extends coming from an excluded SLS are ignored.
    """
    errors: list[str] = []
    if "__extend__" not in high:
        return high, errors
    index: NameIndex | None = None  # built when a target is named by something else than its ID
    for ext_chunk in high.pop("__extend__"):
        for name, body in ext_chunk.items():
            env = body.get("__env__", "base")
            sls = body.get("__sls__", "base")
            states = [key for key in body if not _is_dunder(key)]
            if not states:
                errors.append(f"Cannot extend ID '{name}' in '{env}:{sls}': no state is declared "
                              "in the extend declaration")
                continue
            state_type = states[0]
            if not (hashable(name) and name in high and state_type in high[name]):
                if index is None:
                    index = NameIndex(high)
                ids = find_name(name, state_type, high, strict=strict, index=index)
                if len(ids) != 1:
                    errors.append(
                        f"Cannot extend ID '{name}' in '{env}:{sls}'. It is not part of the high "
                        "state.\nThis is likely due to a missing include statement or an incorrectly "
                        f"typed ID.\nEnsure that a state with an ID of '{name}' is available\nin "
                        f"environment '{env}' and to SLS '{sls}'"
                    )
                    continue
                name = ids[0][0]
            if not isinstance(high[name], dict):
                errors.append(f"Cannot extend ID '{name}' in '{env}:{sls}': it is not a dictionary")
                continue
            if body.get("__sls__") in _excluded_sls(high):
                continue
            for state, run in body.items():
                if _is_dunder(state):
                    continue
                if not isinstance(run, list):
                    errors.append(f"The state '{state}' in the extend of ID '{name}' in SLS '{sls}' "
                                  "is not formed as a list")
                    continue
                if state not in high[name]:
                    high[name][state] = run
                else:
                    _extend_decl(high[name][state], run, name, state, errors)
                if index is not None:
                    index.refresh(name, state)
    return high, errors


def _extend_decl(target: list[Any], run: list[Any], name: str, state: str, errors: list[str]) -> None:
    """Merge the arguments of one extending state declaration into ``target``."""
    if not isinstance(target, list):
        errors.append(f"State '{name}' cannot be extended: its '{state}' declaration is not a list")
        return
    for arg in run:
        merged = False
        for index, current in enumerate(target):
            if isinstance(arg, str) and isinstance(current, str):
                target[index] = arg  # a function replaces the function
                merged = True
                continue
            if not (isinstance(arg, dict) and isinstance(current, dict) and arg and current):
                continue
            key = _first_key(arg)
            if key == _first_key(current):
                if key in REQUISITE_KEYWORDS:
                    if not isinstance(current[key], list) or not isinstance(arg[key], list):
                        errors.append(f"The {key} statement in state '{name}' cannot be extended: "
                                      "both sides need to be formed as a list")
                    else:
                        current[key].extend(arg[key])
                else:
                    target[index] = arg
                merged = True
            if key == "name" and _first_key(target[index]) == "names":
                target[index] = arg
        if not merged:
            target.append(arg)


def apply_exclude(high: dict[str, Any]) -> dict[str, Any]:
    """Drop the IDs named by ``high["__exclude__"]`` (``- sls: glob``, ``- id: x``, or a bare SLS)."""
    if "__exclude__" not in high:
        return high
    ex_sls: set[Any] = set()
    ex_id: set[Any] = set()
    for exc in high.pop("__exclude__"):
        if isinstance(exc, str):
            ex_sls.add(exc)
        elif isinstance(exc, dict) and len(exc) == 1:
            key = _first_key(exc)
            value = exc[key]
            if not hashable(value):
                continue
            if key == "sls":
                ex_sls.add(value)
            elif key == "id":
                ex_id.add(value)
    for id_, body in high.items():
        if _is_dunder(id_) or not isinstance(body, dict):
            continue
        sls = body.get("__sls__", "")
        if sls and any(fnmatch.fnmatchcase(sls, str(pattern)) for pattern in ex_sls):
            ex_id.add(id_)
    for id_ in ex_id:
        high.pop(id_, None)
    return high


def verify_high(high: Any) -> list[str]:
    """Structural errors in ``high``, worded like Salt's; an empty list when it is sound."""
    if not isinstance(high, dict):
        return ["High data is not a dictionary and is invalid"]
    errors: list[str] = []
    # id -> {"state": state, required_name: requisite_kind}: for direct two-way recursion
    reqs: dict[Any, dict[Any, Any]] = {}
    for id_, body in high.items():
        if _is_dunder(id_):
            continue
        sls = body.get("__sls__") if isinstance(body, dict) else None
        if not isinstance(id_, str):
            errors.append(f"ID '{id_}' in SLS '{sls}' is not formed as a string, but is a "
                          f"{type(id_).__name__}. It may need to be quoted.")
        if not isinstance(body, dict):
            errors.append(f"The type {id_} in {body} is not formatted as a dictionary")
            continue
        for state, decl in body.items():
            if _is_dunder(state):
                continue
            if not isinstance(state, str):
                errors.append(f"ID '{id_}' in SLS '{sls}' declares the state {state!r}, which is not "
                              "a string. It may need to be quoted.")
                continue
            if decl is None:
                errors.append(f"ID '{id_}' in SLS '{sls}' contains a short declaration ({state}) with a "
                              "trailing colon. When not passing any arguments to a state, the colon "
                              "must be omitted.")
                continue
            if not isinstance(decl, list):
                errors.append(f"State '{id_}' in SLS '{sls}' is not formed as a list")
                continue
            _verify_decl(id_, state, decl, sls, reqs, errors)
    return errors


def _verify_decl(id_: Any, state: str, decl: list[Any], sls: Any, reqs: dict[Any, dict[Any, Any]],
                 errors: list[str]) -> None:
    funcs = 1 if "." in state else 0
    for arg in decl:
        if isinstance(arg, str):
            funcs += 1
            if " " in arg.strip():
                errors.append(f'The function "{arg}" in state "{id_}" in SLS "{sls}" has whitespace, a '
                              "function with whitespace is not supported, perhaps this is an argument "
                              'that is missing a ":"')
            continue
        if not isinstance(arg, dict) or not arg:
            continue
        key = _first_key(arg)
        if key == "names" and not isinstance(arg[key], list):
            errors.append(f"The 'names' argument in state '{id_}' in SLS '{sls}' needs to be formed as "
                          "a list")
        if key in ("require", "watch", "prereq", "onchanges"):
            if not isinstance(arg[key], list):
                errors.append(f"The {key} statement in state '{id_}' in SLS '{sls}' needs to be formed "
                              "as a list")
            else:
                _verify_requisites(id_, state, arg[key], sls, reqs, errors)
            if len(arg) != 1:
                errors.append(f"Multiple dictionaries defined in argument of state '{id_}' in SLS "
                              f"'{sls}'")
    if not funcs:
        if state not in ("require", "watch"):
            errors.append(f"No function declared in state '{id_}' in SLS '{sls}'")
    elif funcs > 1:
        names = [state.split(".", 1)[1]] if "." in state else []
        names.extend(arg for arg in decl if isinstance(arg, str))
        errors.append(f"Too many functions declared in state '{id_}' in SLS '{sls}'. Please choose one "
                      "of the following: " + ", ".join(names))


def _verify_requisites(id_: Any, state: str, items: list[Any], sls: Any,
                       reqs: dict[Any, dict[Any, Any]], errors: list[str]) -> None:
    # Like Salt, only the last requisite list seen for an ID is kept for the recursion check.
    reqs[id_] = {"state": state}
    for req in items:
        if isinstance(req, str):
            req = {"id": req}
        if not isinstance(req, dict) or not req:
            errors.append(f"Requisite declaration {req} in SLS {sls} is not formed as a single key "
                          "dictionary")
            continue
        req_key = _first_key(req)
        req_val = req[req_key]
        if isinstance(req_key, str) and "." in req_key:
            errors.append(f"Invalid requisite type '{req_key}' in state '{id_}', in SLS '{sls}'. "
                          "Requisite types must not contain dots, did you mean "
                          f"'{req_key[:req_key.find('.')]}'?")
        if not hashable(req_val):
            errors.append(f'Illegal requisite "{req_val}", please check your syntax.\n')
            continue
        reqs[id_][req_val] = req_key
        other = reqs.get(req_val)
        if other is not None and other.get(id_) == state and other["state"] == req_key:
            errors.append(f'A recursive requisite was found, SLS "{sls}" ID "{id_}" ID "{req_val}"')
