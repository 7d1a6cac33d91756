#!/usr/bin/env python3
"""Import cycles between the top-level modules of a Rust crate's src/ directory.

Reads `crate::x` paths and `use crate::{x, y}` groups per top-level module (the part before
`#[cfg(test)]`), then prints the strongly connected components larger than one module.
Usage: scripts/module-cycles.py src-tauri/src crates/relay/src ...
"""
import os
import re
import sys


def module_graph(root):
    graph = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            top = os.path.relpath(path, root).split("/")[0].removesuffix(".rs")
            if top in ("main", "lib"):
                continue
            with open(path) as file:
                source = file.read().split("#[cfg(test)]")[0]
            deps = set(re.findall(r"crate::([a-z_0-9]+)", source))
            for group in re.findall(r"crate::\{([^}]*)\}", source):
                deps.update(x.strip().split("::")[0] for x in group.split(",") if x.strip())
            graph.setdefault(top, set()).update(d for d in deps if d != top)
    return {m: {d for d in deps if d in graph} for m, deps in graph.items()}


def cycles(graph):
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


for root in sys.argv[1:]:
    found = cycles(module_graph(root))
    print(f"{root}: " + ("; ".join(" <-> ".join(c) for c in found) if found else "no cycles"))
