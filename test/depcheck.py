#!/usr/bin/env python3
"""File-to-file dependencies of hubspot_fdw's C sources: no cycle, and no
file that depends on a layer above its own.

A file depends on another when it calls a function (or uses a global) the
other defines. PostgreSQL style puts a definition's name at the start of
its own line, which is what this reads; static functions stay in their
file, and a macro call such as PG_FUNCTION_INFO_V1(f); is not a definition.

A file's layer is the one whose header it includes (doc/ARCHITECTURE.md):
  0 base       compat.h, hsvalue.h, idset.h (files that include none below)
  1 catalog    catalog.h
  2 transport  transport.h
  3 read side  read.h
  4 write side write.h
  5 entry      hubspot_fdw.h
Usage: depcheck.py [--graph] [ROOT]; exits 1 on a cycle, a dependency on a
higher layer, or a source file that includes more than one layer header.
"""
import os
import re
import sys

LAYERS = ["catalog.h", "transport.h", "read.h", "write.h", "hubspot_fdw.h"]
NAMES = ["base", "catalog", "transport", "read side", "write side", "entry"]


def sources(root):
    out = [os.path.join(root, "hubspot_fdw.c")]
    src = os.path.join(root, "src")
    out += sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith(".c"))
    return [p for p in out if os.path.exists(p)]


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", " ", text)


def layer_of(raw):
    """The layer of a file from the layer headers it includes (a list)."""
    found = [i + 1 for i, h in enumerate(LAYERS)
             if re.search(r'^#include "%s"' % re.escape(h), raw, flags=re.M)]
    return found


def definitions(name, text, defined):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Za-z_]\w*)\(.*[^;]\s*$|^([A-Za-z_]\w*)\($", line)
        if m and i > 0:
            prev = lines[i - 1]
            if not prev.lstrip().startswith("static") and "static" not in prev.split():
                defined.setdefault(m.group(1) or m.group(2), name)
        m = re.match(r"^(?!static\b)(?:const\s+)?[A-Za-z_]\w*\s+\**([a-z_]\w*)\s*(?:=[^;]*)?;", line)
        if m and not line.startswith(("return", "typedef", "extern")):
            defined.setdefault(m.group(1), name)


def cycles(deps):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return comps


def main(argv):
    graph = "--graph" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = sources(root)
    defined, texts, layer = {}, {}, {}
    problems = []
    for path in files:
        name = os.path.relpath(path, root)
        raw = open(path, encoding="utf-8").read()
        text = strip(raw)
        texts[name] = text
        found = layer_of(raw)
        if len(found) > 1:
            problems.append("%s includes more than one layer header: %s"
                            % (name, ", ".join(LAYERS[i - 1] for i in found)))
        layer[name] = found[0] if found else 0
        definitions(name, text, defined)
    deps = {n: {} for n in texts}
    for name, text in texts.items():
        for ident in set(re.findall(r"\b([A-Za-z_]\w*)\b", text)):
            owner = defined.get(ident)
            if owner and owner != name:
                deps[name].setdefault(owner, []).append(ident)
    if graph:
        for name in sorted(deps, key=lambda n: (layer[n], n)):
            print("%-22s [%s] -> %s" % (name, NAMES[layer[name]],
                                        ", ".join(sorted(deps[name])) or "(none)"))
    for name in sorted(deps):
        for owner, idents in sorted(deps[name].items()):
            if layer[owner] > layer[name]:
                problems.append("%s (%s) depends on %s (%s, a higher layer): %s"
                                % (name, NAMES[layer[name]], owner, NAMES[layer[owner]],
                                   " ".join(sorted(idents))))
    comps = cycles(deps)
    for comp in comps:
        problems.append("cycle: " + " <-> ".join(comp))
    for p in problems:
        print(p)
    print("%d files, %d dependency cycles, %d problems" % (len(deps), len(comps), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
