"""Draw the floor plan of spikesim from its real imports, and check it.

Run from the repository root: ``python docs/import_graph.py``. It builds the import graph of the
four packages with grimp (the graph library of import-linter), collapses every module into its
node (a floor package such as ``synapses``, or one roof module such as ``simcore.grad``), prints
a Mermaid ``graph BT`` diagram with one arrow ``importer --> imported`` per pair of nodes, and
exits with status 1 when an arrow runs from a lower floor to a higher one, joins two nodes that
must stay independent (``|``), or closes a cycle between nodes, or when a module belongs to no
node. ``LAYERS`` copies the layers contract of pyproject.toml (top floor first), and a difference
is an error too. The package facade ``simcore`` (simcore/__init__.py) is drawn on the roof.
"""

import pathlib
import sys

import grimp

#: top floor first, as in pyproject.toml; ``:`` separates nodes that may import each other, ``|`` nodes that may not
LAYERS = [
    "simcore.network : simcore.pynn : simcore.checkpoint : simcore.builtin : simcore.cli : simcore.grad"
    " : simcore.tasks : simcore.nir : simcore.torch : simcore.mpi : simcore.ranks : simcore.rankstate",
    "neurons | monitors",
    "synapses",
    "simcore.base",
]
#: names of the floors, lowest first
NAMES = ["ground floor", "synapses", "models and monitors", "roof"]
FLOORS = [[n.strip() for n in layer.replace("|", ":").split(":")] for layer in reversed(LAYERS)]  # lowest first
FACADE = "simcore"  # reaches the upper floors only through names resolved on first use
FLOORS[-1].append(FACADE)
FLOOR = {node: k for k, floor in enumerate(FLOORS) for node in floor}


def node_of(module: str) -> str | None:
    """The node a module collapses into (the longest node name that is a prefix of it)."""
    hits = [n for n in FLOOR if module == n or (n != FACADE and module.startswith(n + "."))]
    return max(hits, key=len) if hits else None


def main() -> int:
    graph = grimp.build_graph("simcore", "neurons", "synapses", "monitors")
    problems, arrows = [], set()
    for module in sorted(graph.modules):
        if node_of(module) is None:
            problems.append(f"{module} belongs to no floor; add it to LAYERS and to pyproject.toml")
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            a, b = node_of(module), node_of(imported)
            if a and b and a != b:
                arrows.add((a, b))
                if FLOOR[a] < FLOOR[b]:
                    problems.append(f"{module} -> {imported}: {a} (floor {FLOOR[a]}) imports {b} (floor {FLOOR[b]})")
                elif FLOOR[a] == FLOOR[b] and "|" in LAYERS[len(LAYERS) - 1 - FLOOR[a]]:
                    problems.append(f"{module} -> {imported}: {a} and {b} must stay independent")
    for a, b in sorted(arrows):  # a cycle through the arrow a --> b: b reaches a again
        seen, todo = set(), [b]
        while todo:
            seen.add(n := todo.pop())
            todo += [y for x, y in arrows if x == n and y not in seen]
        if a in seen:
            problems.append(f"cycle between nodes through {a} --> {b}")
    try:
        import tomllib

        config = tomllib.loads((pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
        layers = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"][0]["layers"]
        if layers != LAYERS:
            problems.append(f"LAYERS differ from the layers contract in pyproject.toml: {layers}")
    except (ImportError, OSError, KeyError, IndexError):
        pass  # Python 3.10 has no tomllib; outside a checkout there is no pyproject.toml
    ident = {n: n.replace(".", "_") for n in FLOOR}
    print("graph BT")
    for k, floor in enumerate(FLOORS):
        print(f'    subgraph floor{k}["{k}: {NAMES[k]}"]')
        print("".join(f'        {ident[n]}["{n}{" (facade)" * (n == FACADE)}"]\n' for n in floor), end="    end\n")
    print("".join(f"    {ident[a]} --> {ident[b]}\n" for a, b in sorted(arrows)), end="")
    for p in problems:
        print(f"floor plan: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
