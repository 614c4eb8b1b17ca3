"""No xtb module imports another that (through any chain) imports it back.

A circle means two files that cannot be read, tested or changed apart: the simulators' desks each
held their whole front-end and the front-end held the desks (issue #18 took them apart). Imports
under `if TYPE_CHECKING:` count, as in tests/test_layers.py: a type a module needs is a dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tests.test_layers import imported_modules, xtb_modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the xtb modules it imports (`from a.b import c` names module a.b.c when it exists,
    else a.b)."""
    sources = {module: path.read_text(encoding="utf-8") for module, path in xtb_modules()}

    def resolve(name: str) -> str | None:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, source in sources.items():
        targets = {resolve(name) for name in imported_modules(source)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_a_circle() -> None:
    assert circles(import_graph()) == []


def test_the_check_sees_a_circle_through_a_chain() -> None:
    graph = {"desk": {"frontend"}, "frontend": {"streams", "state"}, "streams": {"desk"}, "state": set()}
    assert circles(graph) == [["desk", "frontend", "streams"]]
    assert circles({"desk": {"state"}, "frontend": {"desk", "state"}, "state": set()}) == []
