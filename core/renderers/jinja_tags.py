"""Salt's extra Jinja tags: ``import_yaml``/``import_json``/``import_text`` and ``load_*`` blocks.

``{% import_yaml "x.yaml" as y %}`` renders ``x.yaml`` as a template (with the globals, not the
caller's local variables, like Salt) and parses it; ``{% load_yaml as y %}...{% endload %}``
parses the rendered block. The result is an ordinary assignment, so a top-level ``import_yaml``
in ``map.jinja`` is exported to ``{% from "map.jinja" import y %}`` like a ``{% set %}``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

_LOADERS = {"yaml": "load_yaml", "json": "load_json", "text": "load_text"}
# the same parsers, marked so an error inside a block is placed at the block's own line
_BLOCK_LOADERS = {"yaml": "_load_yaml_block", "json": "_load_json_block", "text": "load_text"}


class SaltTagsExtension(Extension):
    tags = {"import_yaml", "import_json", "import_text", "load_yaml", "load_json", "load_text"}

    def parse(self, parser: Parser) -> nodes.Node | list[nodes.Node]:
        token = next(parser.stream)
        kind, _, fmt = token.value.partition("_")
        if kind == "import":
            return self._parse_import(parser, fmt, token.lineno)
        return self._parse_load(parser, fmt, token.lineno)

    def _parse_import(self, parser: Parser, fmt: str, lineno: int) -> nodes.Node:
        template = parser.parse_expression()
        parser.stream.expect("name:as")
        target = parser.parse_assign_target(name_only=True)
        call = self.call_method("_import_data", [nodes.ContextReference(), template, nodes.Const(fmt)],
                                lineno=lineno)
        return nodes.Assign(target, call, lineno=lineno)

    def _parse_load(self, parser: Parser, fmt: str, lineno: int) -> nodes.Node:
        parser.stream.expect("name:as")
        target = parser.parse_assign_target(name_only=True)
        body = parser.parse_statements(("name:endload",), drop_needle=True)
        flt = nodes.Filter(None, _BLOCK_LOADERS[fmt], [], [], None, None, lineno=lineno)
        return nodes.AssignBlock(target, flt, body, lineno=lineno)

    def _import_data(self, context: Any, name: Any, fmt: str) -> Any:
        from saline.renderers.serialize import FilterError

        template = self.environment.get_template(name, parent=context.name)
        text = template.render()
        try:
            return self.environment.filters[_LOADERS[fmt]](text)
        except FilterError as exc:
            # point at the imported file (its rendered text), not at the import tag
            raise ImportedDataError(str(exc), template.filename or str(name), exc.data_line, text) from None


class ImportedDataError(Exception):
    """``import_yaml``/``import_json`` found bad data: where in the imported file."""

    def __init__(self, message: str, filename: str, line: int | None, text: str) -> None:
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.text = text
