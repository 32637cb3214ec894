"""Canvas's GraphQL query limits: tokens, aliases, directives, depth and graphql-ruby complexity.

Canvas runs these before executing a query (``canvas_antiabuse_analyzer.rb``, the schema's
``max_depth`` and ``max_complexity``, the ``graphql_tuning`` setting); an exceeded limit is an
HTTP 200 answer with one error and no ``data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)


@dataclass(frozen=True)
class GraphLimits:
    """Canvas's defaults; an instance admin can change each of them."""

    max_aliases: int = 20
    max_tokens: int = 5_000
    max_depth: int = 15
    max_complexity: int = 375_000
    max_directives: int = 5
    max_page_size: int = 100
    default_page_size: int = 20


ALIASES_EXCEEDED = "max query aliases exceeded"
DIRECTIVES_EXCEEDED = "max query directives exceeded"
TOO_MANY_TOKENS = "This query is too large to execute."


def refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    limits: GraphLimits,
    variables: dict[str, Any] | None = None,
) -> str | None:
    """Canvas's error message for the first limit the document exceeds, or None."""
    fields = list(_field_nodes(document))
    if sum(1 for node in fields if node.alias is not None) > limits.max_aliases:
        return ALIASES_EXCEEDED
    if _directive_count(document) > limits.max_directives:
        return DIRECTIVES_EXCEEDED
    fragments = _fragments(document)
    query_type = schema.query_type
    for operation in _operations(document):
        depth = _depth(operation.selection_set, fragments)
        if depth > limits.max_depth:
            return f"Query has depth of {depth}, which exceeds max depth of {limits.max_depth}"
        root = query_type if operation.operation.value == "query" else schema.mutation_type
        counter = _Complexity(fragments, limits, variables or {})
        cost = counter.selection(root, operation.selection_set)
        if cost > limits.max_complexity:
            return (
                f"Query has complexity of {cost}, which exceeds max complexity of "
                f"{limits.max_complexity}"
            )
    return None


def complexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    limits: GraphLimits | None = None,
    variables: dict[str, Any] | None = None,
) -> int:
    """The document's complexity as graphql-ruby computes it (the largest operation)."""
    counter = _Complexity(_fragments(document), limits or GraphLimits(), variables or {})
    costs = [
        counter.selection(schema.query_type, operation.selection_set)
        for operation in _operations(document)
    ]
    return max(costs, default=0)


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _field_nodes(document: DocumentNode) -> Iterator[FieldNode]:
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)  # type: ignore[attr-defined]


def _directive_count(document: DocumentNode) -> int:
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        count += len(getattr(node, "directives", None) or ())
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return count


def _depth(selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> int:
    """graphql-ruby's depth: a top-level field is 1, each nested field one more."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            deepest = max(
                deepest, _depth(fragments[selection.name.value].selection_set, fragments)
            )
    return deepest


class _Complexity:
    """Each field costs 1 plus its children; a connection multiplies its items by its page size.

    As in graphql-ruby's ``Field#calculate_complexity``: the page size is ``first`` (or
    ``last``), else the default page size; ``nodes``/``edges`` are multiplied, while the
    connection's own fields (``pageInfo`` and its scalars) are counted once.
    """

    def __init__(self, fragments: dict[str, Any], limits: GraphLimits, variables: dict) -> None:
        self.fragments = fragments
        self.limits = limits
        self.variables = variables

    def selection(self, parent: Any, selection_set: SelectionSetNode | None) -> int:
        return sum(cost for _, cost, _ in self._children(parent, selection_set))

    def _children(
        self, parent: Any, selection_set: SelectionSetNode | None
    ) -> Iterator[tuple[FieldNode, int, Any]]:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field_type = _field_type(parent, selection.name.value)
                yield selection, self._field(selection, field_type), field_type
            elif isinstance(selection, InlineFragmentNode):
                yield from self._children(parent, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._children(parent, fragment.selection_set)

    def _field(self, node: FieldNode, field_type: Any) -> int:
        if node.selection_set is None or field_type is None:
            return 1
        if not _is_connection(field_type):
            return 1 + self.selection(field_type, node.selection_set)
        children = list(self._children(field_type, node.selection_set))
        child_cost = sum(cost for _, cost, _ in children)
        metadata = 0
        for child, _, _ in children:
            metadata += 1
            if child.name.value not in ("nodes", "edges") and child.selection_set is not None:
                metadata += len(child.selection_set.selections)
        return 1 + self._page_size(node) * (child_cost - metadata) + metadata

    def _page_size(self, node: FieldNode) -> int:
        sizes = []
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                sizes.append(int(value.value))
            elif isinstance(value, VariableNode):
                found = self.variables.get(value.name.value)
                if isinstance(found, int):
                    sizes.append(found)
        return max(sizes) if sizes else self.limits.default_page_size


def _field_type(parent: Any, name: str) -> Any:
    if not isinstance(parent, GraphQLObjectType) and not hasattr(parent, "fields"):
        return None
    field = parent.fields.get(name)
    return get_named_type(field.type) if field is not None else None


def _is_connection(named: Any) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "pageInfo" in named.fields
    )
