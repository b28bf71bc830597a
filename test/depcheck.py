#!/usr/bin/env python3
"""File-to-file dependencies of hubspot_fdw's C sources, and their cycles.

A file depends on another when it calls a function (or uses a global) the
other defines. PostgreSQL style puts a definition's name at the start of
its own line, which is what this reads; static functions stay in their file.
Usage: depcheck.py [--graph] [ROOT]; exits 1 when there is a cycle.
"""
import os
import re
import sys

def sources(root):
    out = [os.path.join(root, "hubspot_fdw.c")]
    src = os.path.join(root, "src")
    out += sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith(".c"))
    return [p for p in out if os.path.exists(p)]

def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", " ", text)

def main(argv):
    graph = "--graph" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = sources(root)
    defined = {}
    texts = {}
    for path in files:
        name = os.path.relpath(path, root)
        text = strip(open(path, encoding="utf-8").read())
        texts[name] = text
        lines = text.split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"^([A-Za-z_]\w*)\(", line)
            if m and i > 0 and not lines[i - 1].lstrip().startswith("static") and "static" not in lines[i - 1].split():
                defined.setdefault(m.group(1), name)
            m = re.match(r"^(?!static\b)(?:const\s+)?[A-Za-z_]\w*\s+\**([a-z_]\w*)\s*(?:=[^;]*)?;", line)
            if m and not line.startswith(("return", "typedef", "extern")):
                defined.setdefault(m.group(1), name)
    deps = {n: set() for n in texts}
    for name, text in texts.items():
        for ident in set(re.findall(r"\b([A-Za-z_]\w*)\b", text)):
            owner = defined.get(ident)
            if owner and owner != name:
                deps[name].add(owner)
    if graph:
        for name in sorted(deps):
            print("%s -> %s" % (name, ", ".join(sorted(deps[name])) or "(none)"))
    # strongly connected components (Tarjan)
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in deps[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    for comp in comps:
        print("cycle: " + " <-> ".join(comp))
    print("%d files, %d dependency cycles" % (len(deps), len(comps)))
    return 1 if comps else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
