"""``file.serialize``: a file holding a data structure written as YAML, JSON or Python, optionally merged."""

from __future__ import annotations

import json
import os
from typing import Any

from saline.states.api import Plan, ret
from saline.states.file import st
from saline.states.file_common import error, guard, lookup, normalize_mode
from saline.states.file_managed import FileSpec, plan_file
from saline.states.file_sys import FS

_NULL = "<_null_>"


def _options(pairs: Any) -> dict[str, Any]:
    """``serializer_opts``: a dict, or Salt's list of one-key dicts."""
    if isinstance(pairs, dict):
        return dict(pairs)
    out: dict[str, Any] = {}
    for item in pairs or []:
        if isinstance(item, dict):
            out.update(item)
    return out


def _dump_yaml(data: Any, **opts: Any) -> str:
    import yaml

    opts.setdefault("default_flow_style", False)
    text = yaml.dump(data, Dumper=yaml.SafeDumper, **opts)
    if text.endswith("\n...\n"):
        text = text[:-4]
    return text


def _dump_json(data: Any, **opts: Any) -> str:
    base: dict[str, Any] = {"indent": 2, "separators": (",", ": "), "sort_keys": True}
    base.update(opts)
    if isinstance(base.get("separators"), list):
        base["separators"] = tuple(base["separators"])
    return json.dumps(data, **base) + "\n"


def _dump_python(data: Any, **opts: Any) -> str:
    import pprint

    return pprint.pformat(json.loads(json.dumps(data)), **opts) + "\n"


def _load_yaml(text: str, **opts: Any) -> Any:
    import yaml

    return yaml.safe_load(text)


def _load_json(text: str, **opts: Any) -> Any:
    return json.loads(text, **opts)


SERIALIZERS = {"yaml": _dump_yaml, "json": _dump_json, "python": _dump_python}
DESERIALIZERS = {"yaml": _load_yaml, "json": _load_json}


def merge_recurse(old: Any, new: Any) -> Any:
    """``new`` merged into ``old``: nested dicts are merged key by key, other values replaced."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    merged = dict(old)
    for key, value in new.items():
        merged[key] = merge_recurse(merged[key], value) if key in merged else value
    return merged


def recursive_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Salt's ``recursive_diff(...).diffs``: ``{key: {new, old}}``, nested for dicts, ``<_null_>`` if absent."""
    diffs: dict[str, Any] = {}
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            diffs[key] = {"new": _NULL, "old": old[key]}
        elif key not in old:
            diffs[key] = {"new": new[key], "old": _NULL}
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            inner = recursive_diff(old[key], new[key])
            if inner:
                diffs[key] = inner
        elif old[key] != new[key]:
            diffs[key] = {"new": new[key], "old": old[key]}
    return diffs


@st.state
@guard(prefix="Unable to manage file: ")
def serialize(
    ctx: Any, name: str, dataset: Any = None, dataset_pillar: Any = None, user: Any = None, group: Any = None,
    mode: Any = None, backup: Any = "", makedirs: bool = False, show_changes: bool = True, create: bool = True,
    merge_if_exists: bool = False, encoding: Any = None, encoding_errors: str = "strict", serializer: Any = None,
    serializer_opts: Any = None, deserializer_opts: Any = None, check_cmd: Any = None, tmp_dir: str = "",
    tmp_ext: str = "", **kwargs: Any,
) -> dict[str, Any] | Plan:
    """Serialize ``dataset`` into a file (see docs/states-file.md)."""
    name = os.path.expanduser(str(name)) if name else ""
    if not name:
        return error(name, "Must provide name to file.serialize")
    fs = FS(ctx)
    if not create and not fs.isfile(name):
        return ret(name, True, {}, f"File {name} is not present and is not set for creation")
    formatter = kwargs.get("formatter")
    if serializer and formatter:
        return error(name, "Only one of serializer and formatter are allowed")
    kind = str(serializer or formatter or "yaml").lower()
    if dataset and dataset_pillar:
        return error(name, "Only one of 'dataset' and 'dataset_pillar' is permitted")
    if dataset_pillar:
        found, value = lookup(ctx.pillar, str(dataset_pillar))
        dataset = value if found else ""
    if dataset is None:
        return error(name, "Neither 'dataset' nor 'dataset_pillar' was defined")
    if kind not in SERIALIZERS:
        return error(name, f"The {kind} serializer could not be found. It either does not exist or its "
                           "prerequisites are not installed.")
    opts = _options(serializer_opts)
    if encoding and kind == "yaml":
        opts.setdefault("allow_unicode", True)
    if encoding and kind == "json":
        opts.setdefault("ensure_ascii", False)

    existing = merged = None
    if merge_if_exists and fs.isfile(name):
        if kind not in DESERIALIZERS:
            return error(name, f"merge_if_exists is not supported for the {kind} serializer")
        try:
            existing = DESERIALIZERS[kind](fs.read(name).decode("utf-8"), **_options(deserializer_opts))
        except Exception as exc:  # any parse error of the existing file
            return error(name, f"Failed to deserialize existing data: {exc}")
        if existing is not None:
            merged = merge_recurse(existing, dataset)
            if merged == existing:
                return ret(name, True, {}, f"The file {name} is in the correct state")
            dataset = merged
    try:
        text = SERIALIZERS[kind](dataset, **opts)
    except Exception as exc:  # serializers raise many kinds
        return error(name, f"Failed to serialize the dataset: {exc}")
    spec = FileSpec(name, text.encode(encoding or "utf-8", errors=encoding_errors), False, user, group,
                    normalize_mode(mode), bool(makedirs), None, backup, bool(show_changes), True,
                    check_cmd, tmp_dir or "", tmp_ext or "")
    outcome = plan_file(ctx, fs, spec, test_comment=f"Dataset will be serialized and stored into {name}")
    if not (isinstance(existing, dict) and isinstance(merged, dict)):
        return outcome
    diff = recursive_diff(existing, merged)
    if not isinstance(outcome, Plan):
        return outcome

    def apply(c: Any) -> dict[str, Any]:
        done = outcome.apply(c)
        done["changes"]["diff"] = diff
        return done

    return Plan(name, {**outcome.changes, "diff": diff}, outcome.test_comment, apply)
