#!/usr/bin/env python3
"""layering_check.py — every #include in src/, include/ and bench/ follows an arrow that
src/layers.txt allows, and the allowed arrows form no cycle. A lower floor including a higher one
fails here with the file, the line and the arrow it would need.

Usage: tests/layering_check.py SOURCE_DIR   (ctest: layering)"""
import re
import sys
from pathlib import Path

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_layers(path):
    """({floor: allowed floors}, {public header name: floor})."""
    allowed, headers, section = {}, {}, None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.rstrip(":").strip()
            if section not in ("headers", "floors"):
                sys.exit(f"{path}:{number}: unknown section {section!r} (expected headers: or floors:)")
            continue
        if section == "headers":
            names, _, floor = line.partition("=")
            for name in names.split():
                headers[name] = floor.strip()
        elif section == "floors":
            floor, _, below = line.partition(":")
            allowed[floor.strip()] = set(below.split())
        else:
            sys.exit(f"{path}:{number}: an entry outside a section")
    for floor, below in allowed.items():
        for b in below:
            if b not in allowed:
                sys.exit(f"{path}: {floor} may include {b!r}, which is not a floor")
    for name, floor in headers.items():
        if floor not in allowed:
            sys.exit(f"{path}: header {name} belongs to {floor!r}, which is not a floor")
    return allowed, headers


def find_cycle(allowed):
    """One cycle of the allowed arrows as a list of floors, or None."""
    state = {}

    def visit(floor, path):
        state[floor] = "open"
        for b in sorted(allowed[floor]):
            if state.get(b) == "open":
                return path[path.index(b):] + [b]
            if b not in state:
                found = visit(b, path + [b])
                if found:
                    return found
        state[floor] = "done"
        return None

    for floor in sorted(allowed):
        if floor not in state:
            found = visit(floor, [floor])
            if found:
                return found
    return None


def floor_of(path, root, headers):
    """The floor a file belongs to: its folder under src/, its header's under include/lossbench/,
    `bench` under bench/; None for anything else (tests, system headers)."""
    rel = path.relative_to(root)
    if rel.parts[0] == "src" and len(rel.parts) > 2:
        return rel.parts[1]
    if rel.parts[:2] == ("include", "lossbench"):
        return headers.get(rel.name, "?")
    if rel.parts[0] == "bench":
        return "bench"
    return None


def resolve(name, quoted, source, root):
    """The file an include names, searched as the build searches: the includer's folder, then src/,
    bench/ and include/; None for a header outside the project."""
    dirs = ([source.parent] if quoted else []) + [root / "src", root / "bench", root / "include"]
    for d in dirs:
        candidate = d / name
        if candidate.is_file():
            return candidate.resolve()
    return None


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    allowed, headers = read_layers(root / "src/layers.txt")
    cycle = find_cycle(allowed)
    if cycle:
        sys.exit("layering_check: the allowed arrows form a cycle: " + " -> ".join(cycle))
    problems, checked = [], 0
    files = [p for d in ("src", "include", "bench") for p in sorted((root / d).rglob("*"))
             if p.suffix in (".hpp", ".cpp", ".h")]
    for path in files:
        here = floor_of(path, root, headers)
        if here is None:
            continue
        if here == "?":
            problems.append(f"{path.relative_to(root)}: a public header src/layers.txt gives no floor")
            continue
        if here not in allowed:
            problems.append(f"{path.relative_to(root)}: folder {here!r} is not a floor of src/layers.txt")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = resolve(m.group(2), m.group(1) == '"', path, root)
            if target is None:
                continue
            there = floor_of(target, root, headers)
            checked += 1
            if there is None or there == here or there in allowed[here]:
                continue
            problems.append(f"{path.relative_to(root)}:{number}: {here} includes {m.group(2)} ({there}); "
                            f"src/layers.txt allows {here} -> {', '.join(sorted(allowed[here])) or 'nothing'}")
    if problems:
        print("layering_check: includes against src/layers.txt:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"layering_check: {checked} includes in {len(files)} files follow src/layers.txt "
          f"({len(allowed)} floors, no cycle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
