"""Syntax check for Swift files, for machines that have no Swift compiler.

Storyloom is built and tested on Linux, where no Swift toolchain can be
installed, so ios/scripts/check-swift.sh uses this to prove at least that the
generated bindings, the XCTest tests and Package.swift parse. It parses each
file with the real Swift grammar (tree-sitter-swift) and reports every ERROR
or MISSING node as file:line:column.

The grammar wrongly rejects two valid constructs that UniFFI generates (see
shared TOOLCHAIN.md); exactly those are blanked out before parsing, with
spaces so that every reported position stays true. Nothing else is touched.

Usage: check_swift_syntax.py FILE...
Exit status: 0 when every file parses, 1 when any has a syntax error,
2 when a file cannot be read.
"""

import re
import sys

import tree_sitter
import tree_sitter_swift

# The two known false positives, matched literally so that anything even
# slightly different is still parsed and judged by the grammar.
KNOWN_FALSE_POSITIVES = [
    # An attribute alone inside a compiler-version block.
    re.compile(
        rb"^#if swift\(>=5\.8\)\n[ \t]*@_documentation\(visibility: private\)\n#endif$",
        re.MULTILINE,
    ),
    # A closure returning the empty tuple.
    re.compile(rb"\{ \(\) \}"),
]

# Enough to locate a problem; a broken file can yield thousands of nodes.
MAX_REPORTS_PER_FILE = 20


def neutralise(source: bytes) -> bytes:
    """Blanks out the known false positives, keeping every byte offset."""

    def blank(match: re.Match) -> bytes:
        return re.sub(rb"[^\n]", b" ", match.group(0))

    for pattern in KNOWN_FALSE_POSITIVES:
        source = pattern.sub(blank, source)
    return source


def syntax_errors(tree):
    """Yields the ERROR and MISSING nodes, outermost first, skipping clean subtrees."""
    pending = [tree.root_node]
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            yield node
        elif node.has_error:
            pending.extend(reversed(node.children))


def check(parser, path: str) -> int:
    """Prints the syntax errors in one file; returns how many there are."""
    with open(path, "rb") as file:
        source = neutralise(file.read())
    errors = list(syntax_errors(parser.parse(source)))
    for node in errors[:MAX_REPORTS_PER_FILE]:
        line, column = node.start_point
        if node.is_missing:
            what = f"missing {node.type!r}"
        else:
            text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
            what = f"unexpected {text.splitlines()[0][:60]!r}" if text.strip() else "syntax error"
        print(f"{path}:{line + 1}:{column + 1}: {what}")
    if len(errors) > MAX_REPORTS_PER_FILE:
        print(f"{path}: … and {len(errors) - MAX_REPORTS_PER_FILE} more syntax errors")
    return len(errors)


def main(paths) -> int:
    if not paths:
        print("usage: check_swift_syntax.py FILE...", file=sys.stderr)
        return 2
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    broken = 0
    for path in paths:
        try:
            if check(parser, path):
                broken += 1
        except OSError as error:
            print(f"{path}: cannot read: {error.strerror}", file=sys.stderr)
            return 2
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
