"""Code-health figures for the app packages: long functions, function-level imports, cycles.

    .venv/bin/python scripts/code_health.py [--top 10]

- **Longest functions** in `*/services*` and `*/selectors.py` (lines from `def` to the last line of
  the body, decorators excluded).
- **Function-level imports of project modules**: `import x` / `from x import y` inside a function
  body, where `x` is one of the project's packages.
- **Import cycles inside an app**: strongly connected components of the graph "module A imports
  module B" restricted to one app, counting imports placed inside functions as edges (what a
  function-level import hides is still a dependency).
- **Annotated public functions** in services, selectors, policy and ledger modules: every
  parameter (but self/cls) and the return annotated.

Standard library only (ast), so it runs anywhere; the figures go into the issue notes.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "config", "events", "feed", "generation", "media", "moderation", "demo")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> list[Path]:
    files = []
    for app in APPS:
        files += [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def resolve(module: str, node: ast.ImportFrom | ast.Import, path: Path) -> list[str]:
    """Absolute names of the modules an import statement reads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    # `from pkg import mod` reads pkg.mod when that is a module.
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def function_imports(tree: ast.AST):
    """(import node, enclosing function) for every import inside a function body."""
    found = []

    def walk(node, func):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, child)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, func))
            else:
                walk(child, func)

    walk(tree, None)
    return [(node, func) for node, func in found if func is not None]


def is_project(name: str) -> bool:
    return name.split(".")[0] in APPS


def analyse():
    modules = {module_name(p): p for p in project_files()}
    edges: dict[str, set[str]] = defaultdict(set)
    local_imports = []
    long_functions = []
    typed = untyped = 0
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in resolve(module, node, path):
                    if target in modules and target != module:
                        edges[module].add(target)
        for node, func in function_imports(tree):
            targets = [t for t in resolve(module, node, path) if is_project(t)]
            if targets:
                local_imports.append((f"{path.relative_to(ROOT)}:{node.lineno}", func.name))
        rel = str(path.relative_to(ROOT))
        in_services = "/services" in rel or rel.endswith("selectors.py")
        domain = in_services or rel.endswith(("policy.py", "ledger.py"))
        for node in tree.body if domain else []:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            args += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            ok = node.returns is not None and all(
                a.annotation is not None for a in args if a.arg not in ("self", "cls")
            )
            typed, untyped = typed + ok, untyped + (not ok)
        if in_services:
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    long_functions.append((length, f"{rel}:{node.lineno}", node.name))
    return modules, edges, local_imports, sorted(long_functions, reverse=True), typed, untyped


def app_cycles(modules, edges) -> list[list[str]]:
    """Tarjan's strongly connected components of size > 1 within each app."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    counter = [0]

    def same_app(a, b):
        return a.split(".")[0] == b.split(".")[0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if not same_app(v, w):
                continue
            if w not in index:
                connect(w)
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
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in modules:
        if module not in index:
            connect(module)
    return cycles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--list-imports", action="store_true")
    args = parser.parse_args()
    modules, edges, local_imports, long_functions, typed, untyped = analyse()
    print(f"longest functions in services/selectors (top {args.top}):")
    for length, where, name in long_functions[: args.top]:
        print(f"  {length:4d}  {name}  {where}")
    over = [f for f in long_functions if f[0] > 60]
    print(f"functions over 60 lines: {len(over)}")
    print(f"function-level imports of project modules: {len(local_imports)}")
    if args.list_imports:
        for where, func in local_imports:
            print(f"  {where}  in {func}()")
    cycles = app_cycles(modules, edges)
    print(f"import cycles inside an app (function-level imports count): {len(cycles)}")
    for cycle in cycles:
        print("  " + " <-> ".join(cycle))
    total = typed + untyped
    print(f"annotated public service/selector/policy/ledger functions: {typed} of {total}")


if __name__ == "__main__":
    main()
