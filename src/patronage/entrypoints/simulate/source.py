"""Reading a scenario's YAML while remembering the line of every node.

PyYAML's safe loader gives plain data (dates become `datetime.date`); the composed node
tree is walked first to index each node's line by its path from the root, so any problem
found later (by the loader, by pydantic, by a check) can name where it was written.

What cannot be read is refused with its line before anything walks the data: bytes that
are not UTF-8, a date that does not exist (2017-13-01), nesting deeper than Python's
stack, and aliases that would expand the document beyond `MAX_NODES` values (a "billion
laughs" file, a few lines that expand to 9^9 strings, is refused at once).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

NodePath = tuple[Hashable, ...]
"""Keys and list indexes from the document root, e.g. ("timeline", 3, "invoice", "id")."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_NODES = 1_000_000  # values in a document once its aliases are expanded


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


class _Loader(yaml.SafeLoader):
    """The safe loader, but a date that does not exist is a problem at its line (PyYAML
    raises a bare ValueError for it)."""

    def construct_yaml_timestamp(self, node: ScalarNode) -> object:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ConstructorError(None, None, f"{node.value!r} is not a date: {exc}",
                                   node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def decode(data: bytes) -> str:
    """A file's bytes as text; raise YamlSyntaxError at the line of a byte that is not
    UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise YamlSyntaxError(line, f"byte 0x{data[exc.start]:02X} is not UTF-8 text "
                                    "(save the file as UTF-8)") from None


def read_yaml(text: str) -> Document:
    """Parse one YAML document, indexing the line of every node; raise YamlSyntaxError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, Lines(), [])
        _refuse_expansion(node)
        by_path: dict[NodePath, int] = {}
        duplicates: list[NodePath] = []
        _index(loader, node, (), by_path, duplicates, frozenset())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSyntaxError(mark.line + 1 if mark else 1, message or "not valid YAML") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line, str(exc).splitlines()[0]) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, str(exc).splitlines()[0]) from None
    except RecursionError:
        raise YamlSyntaxError(1, "nested too deeply") from None
    finally:
        loader.dispose()
    return Document(data, Lines(by_path), duplicates)


def _refuse_expansion(root: Node) -> None:
    """Raise YamlSyntaxError, at the line of the node that grows too large, when the
    document's aliases expand it beyond MAX_NODES values. Each node's size is counted
    once (an alias reuses its anchor's count), so this takes time in what is written."""
    sizes: dict[int, int] = {}

    def size(node: Node, ancestors: frozenset[int]) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in ancestors:  # an alias of an enclosing node: _index stops there too
            return 1
        inside = ancestors | {id(node)}
        if isinstance(node, MappingNode):
            total = 1 + sum(size(k, inside) + size(v, inside) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total = 1 + sum(size(v, inside) for v in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, MAX_NODES + 1)
        return sizes[id(node)]

    if size(root, frozenset()) <= MAX_NODES:
        return
    node = root
    while True:  # down to the innermost node still too large: where the aliases multiply
        children = [c for pair in node.value for c in pair] if isinstance(node, MappingNode) \
            else list(node.value) if isinstance(node, SequenceNode) else []
        big = next((c for c in children if sizes.get(id(c), 0) > MAX_NODES), None)
        if big is None:
            break
        node = big
    raise YamlSyntaxError(node.start_mark.line + 1, f"aliases expand this to more than "
                          f"{MAX_NODES:,} values: refused")


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
