#!/usr/bin/python3
"""Check the house rules of the C tree (`make check-layout`, part of `make test`).

- No source file in ext/ is longer than MAX_LINES, generated tables aside.
- Layers only look down: a file in ext/<layer>/ or include/leakdump/<layer>/
  includes headers of its own layer or of layers below it (LAYERS order).
- Modules form no include cycle.  A module is ext/<layer>/<name>.c with
  include/leakdump/<layer>/<name>.h; it depends on every module whose header
  either of them includes.
- Only the target layer knows what kind of target a session reads
  (`s->kind`, LD_TARGET_*), and only the runtime-knowledge module compares
  Go releases (`go_minor`).

Prints one line per violation and exits 1 if there is any.
"""

import os
import re
import sys

sys.setrecursionlimit(10000)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["base", "arch", "target", "go", "model", "blocking", "prove",
          "report", "python"]
MAX_LINES = 800
GENERATED = {"ext/go/layouts_gen.c"}
# Where each pattern may appear (path prefixes).
CONFINED = [
    (re.compile(r"\bLD_TARGET_(LIVE|CORE|CALLBACK)\b|->kind\s*[!=]=\s*LD_TARGET"),
     ("ext/target/", "include/leakdump/target/", "ext/python/",
      "include/leakdump/model/session.h")),
    (re.compile(r"\bgo_minor\b|\bgo_major\b"),
     ("ext/go/rt.c", "ext/go/rt_fields.h", "include/leakdump/go/rt.h",
      "ext/go/layouts_gen.c",
      "ext/python/")),
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"(?:leakdump/)?([a-z_]+)/([a-z_0-9]+)\.h"',
                     re.M)


def sources():
    for top in ("ext", "include/leakdump"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                # protoc-c's output (build/gen/ normally) is not ours.
                if f.endswith((".c", ".h")) and ".pb-c." not in f:
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def layer_of(path):
    parts = path.split("/")
    return parts[2] if parts[0] == "include" else parts[1]


def module_of(path):
    return "%s/%s" % (layer_of(path), os.path.splitext(os.path.basename(path))[0])


def cycles(graph):
    """Every set of modules that include each other (Tarjan's strongly
    connected components of more than one module), each as a sorted list."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    bad = []
    graph = {}
    for path in sources():
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = f.read()
        nlines = text.count("\n")
        if path.startswith("ext/") and path not in GENERATED and nlines > MAX_LINES:
            bad.append("%s: %d lines (at most %d)" % (path, nlines, MAX_LINES))
        layer = layer_of(path)
        if layer not in LAYERS:
            bad.append("%s: not in a known layer %s" % (path, LAYERS))
            continue
        mod = module_of(path)
        graph.setdefault(mod, set())
        for inc_layer, inc_name in INCLUDE.findall(text):
            if inc_layer not in LAYERS:
                continue
            if LAYERS.index(inc_layer) > LAYERS.index(layer):
                bad.append("%s: includes %s/%s.h from a higher layer"
                           % (path, inc_layer, inc_name))
            dep = "%s/%s" % (inc_layer, inc_name)
            if dep != mod:
                graph[mod].add(dep)
        for pat, allowed in CONFINED:
            if path.startswith(allowed):
                continue
            for i, line in enumerate(text.splitlines(), 1):
                if pat.search(line):
                    bad.append("%s:%d: %s outside %s"
                               % (path, i, pat.search(line).group(0),
                                  ", ".join(allowed)))
    for comp in cycles(graph):
        bad.append("include cycle among: " + ", ".join(comp))
    for line in bad:
        print("check-layout: " + line)
    if bad:
        return 1
    print("check-layout: ok (%d modules)" % len(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main())
