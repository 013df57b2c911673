"""Emission: ruamel's round-trip emitter laid out block by block as the file was written.

``emit(doc)`` writes one document body (no ``---``) with each block's recorded ``Style``
(see ``styles``): per-block mapping indent, dash offset and item indent of sequences, the gap
after ``key:``, spaces inside flow brackets, the spelling of nulls. Line width is unbounded.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import merge_attrib
from ruamel.yaml.emitter import Indents, RoundTripEmitter
from ruamel.yaml.events import CollectionStartEvent, NodeEvent
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.serializer import Serializer

from .nodes import CONTAINERS
from .styles import Style, layout


def emit(doc: Any) -> str:
    """One document body (no `---`), each block laid out as recorded by _annotate."""
    if doc is None:
        return ""
    yaml = YAML()
    yaml.width = 1 << 30
    yaml.Representer, yaml.Serializer, yaml.Emitter = _Representer, _Serializer, _Emitter
    yaml.roundtrip_styles, yaml.roundtrip_map_indent = layout(doc)
    yaml.roundtrip_nodes, yaml.roundtrip_pending = {}, None
    out = io.StringIO()
    yaml.dump(doc, out)
    text = out.getvalue()
    if not isinstance(doc, CONTAINERS) and text.endswith("\n...\n"):
        text = text[:-4]
    return text


class _Representer(RoundTripRepresenter):
    """Hands each collection's Style (and its scalar values' styles) on to the serializer."""

    def represent_mapping(self, tag: Any, mapping: Any, flow_style: Any = None) -> Any:
        node = super().represent_mapping(tag, mapping, flow_style)
        style = self.dumper.roundtrip_styles.get(id(mapping))
        self.dumper.roundtrip_nodes[id(node)] = style
        if style is not None and style.values:
            merged = bool(getattr(mapping, merge_attrib, None))
            keys = [k for k, _ in mapping.non_merged_items()] if merged else list(mapping)
            pairs = [pair for pair in node.value if str(pair[0].tag) != "tag:yaml.org,2002:merge"]
            for key, (_, value_node) in zip(keys, pairs):
                if key in style.values:
                    self.dumper.roundtrip_nodes[id(value_node)] = style.values[key]
                    if style.values[key].text and mapping[key] is None:
                        value_node.value = style.values[key].text
        return node

    def represent_sequence(self, tag: Any, sequence: Any, flow_style: Any = None) -> Any:
        node = super().represent_sequence(tag, sequence, flow_style)
        self.dumper.roundtrip_nodes[id(node)] = self.dumper.roundtrip_styles.get(id(sequence))
        return node


class _Serializer(Serializer):
    """Tells the emitter which node the next event comes from."""

    def serialize_node(self, node: Any, parent: Any, index: Any) -> None:
        self.dumper.roundtrip_pending = self.dumper.roundtrip_nodes.get(id(node))
        super().serialize_node(node, parent, index)


class _Indents(Indents):
    """ruamel's indent stack, plus the Style of the node each level belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: list[Style | None] = []
        self.next_style: Style | None = None

    def append(self, val: Any, seq: Any) -> None:
        super().append(val, seq)
        self.styles.append(self.next_style)
        self.next_style = None

    def pop(self) -> Any:
        self.styles.pop()
        return super().pop()


class _Emitter(RoundTripEmitter):
    """ruamel's emitter with per-block indents, dash offsets and value gaps."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indents = _Indents()
        self.roundtrip_events: dict[int, Style | None] = {}
        self.roundtrip_pads: list[bool] = []  # per open flow collection: spaces inside the brackets?

    def emit(self, event: Any) -> None:
        style = self.dumper.roundtrip_pending if isinstance(event, NodeEvent) else None
        self.roundtrip_events[id(event)] = style
        self.dumper.roundtrip_pending = None
        super().emit(event)

    def _style(self) -> Style | None:
        return self.roundtrip_events.get(id(self.event))

    def increase_indent(self, flow: bool = False, sequence: Any = None, indentless: bool = False) -> None:
        style = self._style()
        if self.indents.values and self.indents.values[-1][1]:  # inside a block sequence
            parent = self.indents.styles[-1]
            if parent is not None and parent.indent is not None:
                self.best_sequence_indent = parent.indent
        elif style is not None and style.indent is not None:
            self.best_map_indent = style.indent
        else:
            self.best_map_indent = self.dumper.roundtrip_map_indent
        self.indents.next_style = style if isinstance(self.event, CollectionStartEvent) else None
        super().increase_indent(flow, sequence, indentless)

    def expect_flow_sequence(self, force_flow_indent: Any = False) -> None:
        self._open_flow(super().expect_flow_sequence, force_flow_indent)

    def expect_flow_mapping(self, single: Any = False, force_flow_indent: Any = False) -> None:
        self._open_flow(super().expect_flow_mapping, single, force_flow_indent)

    def _open_flow(self, opener: Any, *args: Any) -> None:
        """Open a flow collection; ``{ a: 1 }`` keeps the spaces inside its brackets."""
        style = self._style()
        self.roundtrip_pads.append(style is not None and style.text == "pad")
        opener(*args)
        if self.roundtrip_pads[-1]:
            self.write_indicator(" ", False, whitespace=True)

    def write_indicator(self, indicator: Any, need_whitespace: Any, whitespace: bool = False,
                        indention: bool = False) -> None:
        if indicator in (self.flow_map_end, self.flow_seq_end) and self.roundtrip_pads and self.roundtrip_pads.pop():
            indicator = " " + indicator
        super().write_indicator(indicator, need_whitespace, whitespace, indention)

    def expect_block_sequence_item(self, first: bool = False) -> None:
        style = self.indents.styles[-1] if self.indents.styles else None
        if style is not None and style.indent is not None:
            self.sequence_dash_offset, self.best_sequence_indent = style.dash, style.indent
        super().expect_block_sequence_item(first)

    def expect_node(self, root: bool = False, sequence: bool = False, mapping: bool = False,
                    simple_key: bool = False) -> None:
        style = self._style()
        if mapping and not simple_key and style is not None and style.gap and self.column and not self.whitespace:
            self.stream.write(" " * style.gap)
            self.column += style.gap
            self.whitespace = True
        super().expect_node(root, sequence, mapping, simple_key)

