"""Data renderers: YAML (Salt's flavour, via saline.yamlload), JSON and TOML.

Each takes text (or passes data from an earlier stage through) and turns a parse failure into a
:class:`TemplateError` with the line and the lines around it. After a Jinja stage the line refers
to Jinja's output, so that output is what the excerpt shows.
"""

from __future__ import annotations

import json
from typing import Any

from saline.renderers.pipeline import RenderJob


def _blank_shebang(text: str) -> str:
    # keep the line count so error lines still match the file
    if text.startswith("#!"):
        nl = text.find("\n")
        return "" if nl < 0 else "\n" + text[nl + 1 :]
    return text


def _suffix(job: RenderJob, data: str) -> str:
    # after Jinja changed the text, the line is one of Jinja's output, which is what gets shown
    return " (line of the Jinja output shown below)" if job.after_jinja and data != job.text else ""


_LOADER: Any = None


def _ordered_loader() -> Any:
    """Salt's YAML semantics (saline.yamlload) with mappings built as ordered dicts, like Salt's renderer."""
    global _LOADER
    if _LOADER is None:
        from saline.renderers.odict import SaltOrderedDict
        from saline.yamlload import SaltYamlLoader

        class OrderedSaltLoader(SaltYamlLoader):  # type: ignore[misc, valid-type]
            def construct_ordered_map(self, node: Any) -> Any:
                data = SaltOrderedDict()
                yield data
                data.update(self.construct_mapping(node))

        OrderedSaltLoader.add_constructor("tag:yaml.org,2002:map", OrderedSaltLoader.construct_ordered_map)
        _LOADER = OrderedSaltLoader
    return _LOADER


def render_yaml(data: Any, job: RenderJob) -> Any:
    if not isinstance(data, str):
        return data
    if not data.strip():
        return {}
    import yaml
    from saline.yamlload import DuplicateKeyError

    try:
        result = yaml.load(data, Loader=_ordered_loader())
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        key = (exc.problem or "").removeprefix("found conflicting ID ")
        first = f" in the mapping that starts at line {exc.context_mark.line + 1}" if exc.context_mark else ""
        raise job.error(f"duplicate key {key}{first}{_suffix(job, data)}", kind="YAML error", line=line,
                        text=data) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"{context}, {problem}" if context else problem
        if mark is not None:
            message += f" (column {mark.column + 1})"
        raise job.error(message + _suffix(job, data), kind="YAML syntax error", line=line, text=data) from None
    return {} if result is None else result


def render_json(data: Any, job: RenderJob) -> Any:
    if not isinstance(data, str):
        return data
    text = _blank_shebang(data)
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise job.error(f"{exc.msg} (column {exc.colno}){_suffix(job, data)}", kind="JSON syntax error",
                        line=exc.lineno, text=text) from None


def render_toml(data: Any, job: RenderJob) -> Any:
    if not isinstance(data, str):
        return data
    import tomllib

    text = _blank_shebang(data)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        import re

        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(found.group(1)) if found else None
        raise job.error(str(exc) + _suffix(job, data), kind="TOML syntax error", line=line, text=text) from None
