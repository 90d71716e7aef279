"""YAML loading with Salt's semantics.

Differences from PyYAML's SafeLoader, matching Salt: integers with leading zeros are decimal
(``0644`` is 644, so file modes written unquoted keep their digits), timestamps stay strings,
and a duplicate key in one mapping is an error instead of silently keeping the last value.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # the C loader is several times faster; fall back when libyaml is absent
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader


class DuplicateKeyError(yaml.constructor.ConstructorError):
    pass


_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*|0[0-7_]+|0b[01_]+|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$")


class SaltYamlLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key",
                    key_node.start_mark,
                ) from None
            if key in mapping:
                raise DuplicateKeyError(
                    "while constructing a mapping", node.start_mark,
                    f"found conflicting ID '{key}'", key_node.start_mark,
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if ":" in digits:  # base 60, as YAML 1.1 says
            value = 0
            for part in digits.split(":"):
                value = value * 60 + int(part)
            return sign * value
        return sign * int(digits, 10)  # leading zeros are decimal, like Salt

    def construct_yaml_str_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))


SaltYamlLoader.add_constructor("tag:yaml.org,2002:map", SaltYamlLoader.construct_yaml_map)
SaltYamlLoader.add_constructor("tag:yaml.org,2002:int", SaltYamlLoader.construct_yaml_int)
SaltYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", SaltYamlLoader.construct_yaml_str_timestamp)
SaltYamlLoader.add_constructor("tag:yaml.org,2002:omap", SaltYamlLoader.construct_yaml_map)


def safe_load(text: str | bytes) -> Any:
    """Load one YAML document with Salt's semantics."""
    return yaml.load(text, Loader=SaltYamlLoader)
