"""Reading a scenario's YAML while remembering the line of every node.

PyYAML's safe loader gives plain data (dates become `datetime.date`); the composed node
tree is walked first to index each node's line by its path from the root, so any problem
found later (by the loader, by pydantic, by a check) can name where it was written.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

NodePath = tuple[Hashable, ...]
"""Keys and list indexes from the document root, e.g. ("timeline", 3, "invoice", "id")."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Lines:
    """Line numbers (1-based) of a document's nodes, by path."""

    by_path: Mapping[NodePath, int] = field(default_factory=dict)

    def at(self, path: NodePath) -> int:
        """The line of `path`, or of its nearest written ancestor (a missing key's mapping)."""
        while path not in self.by_path and path:
            path = path[:-1]
        return self.by_path.get(path, 1)


@dataclass(frozen=True)
class Document:
    """A parsed YAML document: its data, its lines, and keys written twice in one mapping."""

    data: Any
    lines: Lines
    duplicates: list[NodePath]


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` is where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_yaml(text: str) -> Document:
    """Parse one YAML document, indexing the line of every node; raise YamlSyntaxError."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, Lines(), [])
        by_path: dict[NodePath, int] = {}
        duplicates: list[NodePath] = []
        _index(loader, node, (), by_path, duplicates, frozenset())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(mark.line + 1 if mark else 1, message or "not valid YAML") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, str(exc).splitlines()[0]) from None
    finally:
        loader.dispose()
    return Document(data, Lines(by_path), duplicates)


def _index(
    loader: yaml.SafeLoader,
    node: Node,
    path: NodePath,
    by_path: dict[NodePath, int],
    duplicates: list[NodePath],
    ancestors: frozenset[int],
) -> None:
    if id(node) in ancestors:  # an alias of an enclosing node: a recursive document
        return
    by_path.setdefault(path, node.start_mark.line + 1)
    inside = ancestors | {id(node)}
    if isinstance(node, MappingNode):
        seen: set[Hashable] = set()
        for key_node, value_node in node.value:
            # Merged keys (<<: *anchor) keep the anchor's lines; non-scalar keys are
            # refused by the constructor itself.
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = loader.construct_object(key_node)
            key_path = path + (key,)
            if key in seen:
                duplicates.append(key_path)
            seen.add(key)
            by_path[key_path] = key_node.start_mark.line + 1
            _index(loader, value_node, key_path, by_path, duplicates, inside)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _index(loader, item, path + (i,), by_path, duplicates, inside)
