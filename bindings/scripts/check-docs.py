#!/usr/bin/env python3
"""Fails when an item the bindings export through UniFFI has no doc comment.

UniFFI copies Rust doc comments into the generated Kotlin (KDoc) and Swift
(doc comments), so an undocumented item here is an undocumented item in the
app developer's IDE. Checked, in every file under bindings/src:

  - records, enums and errors (`#[derive(uniffi::Record|Enum|Error)]`,
    `#[uniffi::remote(Record|Enum)]`): the type, every field, every variant
    and every field of a struct-like variant;
  - objects (`#[derive(uniffi::Object)]`): the type;
  - `#[uniffi::export] impl` blocks: every method and constructor;
  - `#[uniffi::export] fn`: the function;
  - `#[uniffi::export(with_foreign)] trait` (callback interfaces): the
    trait and every method.

Ids declared with `uniffi::custom_type!` cannot carry a doc comment (UniFFI
has no place for one) and are not checked.

    bindings/scripts/check-docs.py            check bindings/src
    bindings/scripts/check-docs.py FILE...    check these files only

The script parses Rust items itself (strings, comments, attributes and
nested braces), so a comment or a string that looks like code does not
confuse it. Python 3 standard library only.
"""

import os
import pathlib
import re
import sys

UNIFFI_TYPE = re.compile(r"uniffi::(Record|Enum|Error|Object)\b")
REMOTE = re.compile(r"^#\[\s*uniffi::remote\s*\(\s*(Record|Enum|Error|Object)\s*\)")
EXPORT = re.compile(r"^#\[\s*uniffi::export\b")


class Item:
    """One Rust item or field: its doc text, attributes, header and body."""

    def __init__(self, docs, attrs, header, body, line):
        self.docs = docs  # the doc comment's text, stripped
        self.attrs = attrs  # each attribute's source, e.g. "#[derive(...)]"
        self.header = header  # source up to the body (or the end of the item)
        self.body = body  # (start, end) offsets inside the braces, or None
        self.line = line  # 1-based line of the header


class Source:
    def __init__(self, path):
        self.path = path
        self.shown = os.path.relpath(path)
        self.text = path.read_text(encoding="utf-8")

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1

    # --- lexing helpers -------------------------------------------------

    def skip_string(self, i):
        """`i` is at a string, raw string, byte string or char literal;
        returns the offset just after it, or None if it is not one."""
        t = self.text
        m = re.compile(r'b?r(#*)"').match(t, i)
        if m:
            end = t.find('"' + m.group(1), m.end())
            return len(t) if end < 0 else end + 1 + len(m.group(1))
        m = re.compile(r'b?"').match(t, i)
        if m:
            j = m.end()
            while j < len(t) and t[j] != '"':
                j += 2 if t[j] == "\\" else 1
            return j + 1
        m = re.compile(r"b?'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'])'", re.S).match(t, i)
        if m:
            return m.end()
        return None

    def skip_comment(self, i):
        """Offset after an ordinary (non-doc) comment at `i`, or None."""
        t = self.text
        if t.startswith("//", i) and not self.is_doc_line(i):
            end = t.find("\n", i)
            return len(t) if end < 0 else end + 1
        if t.startswith("/*", i) and not (t.startswith("/**", i) and not t.startswith("/**/", i)):
            depth, j = 0, i
            while j < len(t):
                if t.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif t.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        return j
                else:
                    j += 1
            return j
        return None

    def is_doc_line(self, i):
        t = self.text
        return (t.startswith("///", i) and not t.startswith("////", i)) or t.startswith("//!", i)

    def matching(self, i, open_, close):
        """`i` is at `open_`; returns the offset of its matching `close`."""
        t, depth, j = self.text, 0, i
        while j < len(t):
            c = t[j]
            skipped = self.skip_comment(j) if c == "/" else None
            if skipped is not None:
                j = skipped
                continue
            if c in "\"'br":
                after = self.skip_string(j)
                if after is not None and (c in "\"'" or t[j - 1 : j].isspace() or t[j - 1 : j] in "([{,=!"):
                    j = after
                    continue
            if c == open_:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        raise SyntaxError(f"{self.path}:{self.line_of(i)}: unbalanced {open_}")

    # --- items ----------------------------------------------------------

    def items(self, start, end, separator=None):
        """The items between `start` and `end`. With `separator` (",") they
        are fields or variants, which end at a comma at depth 0."""
        t, i, found = self.text, start, []
        while True:
            docs, attrs = [], []
            while i < end:
                if t[i].isspace():
                    i += 1
                elif self.is_doc_line(i):
                    eol = t.find("\n", i)
                    eol = end if eol < 0 or eol > end else eol
                    if t.startswith("///", i):
                        docs.append(t[i + 3 : eol].strip())
                    i = eol
                elif t.startswith("/**", i) and not t.startswith("/**/", i):
                    close = t.find("*/", i)
                    docs.append(t[i + 3 : close].strip(" *\n"))
                    i = close + 2
                elif (skipped := self.skip_comment(i)) is not None:
                    i = skipped
                elif t.startswith("#!", i):
                    i = self.matching(t.index("[", i), "[", "]") + 1
                elif t[i] == "#":
                    close = self.matching(t.index("[", i), "[", "]")
                    attr = t[i : close + 1]
                    m = re.match(r'#\[\s*doc\s*=\s*"(.*)"\s*\]$', attr, re.S)
                    if m:
                        docs.append(m.group(1).strip())
                    else:
                        attrs.append(attr)
                    i = close + 1
                else:
                    break
            if i >= end:
                return found
            header_start, j, body = i, i, None
            while j < end:
                c = t[j]
                skipped = self.skip_comment(j) if c == "/" else None
                if skipped is not None:
                    j = skipped
                    continue
                if c in "\"'":
                    after = self.skip_string(j)
                    if after is not None:
                        j = after
                        continue
                if c in "([":
                    j = self.matching(j, c, ")" if c == "(" else "]") + 1
                    continue
                if c == "<" and separator:
                    # Generic arguments of a field's type may hold commas.
                    depth = 0
                    while j < end:
                        depth += {"<": 1, ">": -1}.get(t[j], 0)
                        j += 1
                        if depth == 0:
                            break
                    continue
                if c == "{":
                    close = self.matching(j, "{", "}")
                    body = (j + 1, close)
                    j = close + 1
                    if separator:
                        continue
                    break
                if c == ";" and not separator:
                    j += 1
                    break
                if c == separator:
                    break
                j += 1
            header = t[header_start:j].strip()
            found.append(Item(" ".join(d for d in docs if d), attrs, header, body, self.line_of(header_start)))
            i = j + 1 if separator and j < end else j


def name_of(header):
    m = re.search(r"\b(?:struct|enum|trait|fn|impl|mod)\s+(\w+)", header)
    if m:
        return m.group(1)
    m = re.match(r"(?:pub(?:\([^)]*\))?\s+)?(\w+)", header)
    return m.group(1) if m else header[:40]


def check(source, start, end, owner, problems, counted):
    """Checks the items between `start` and `end` (a file or a module)."""

    def need(item, what):
        counted.append(item)
        if not item.docs:
            problems.append(f"{source.shown}:{item.line}: {what} has no doc comment")

    for item in source.items(start, end):
        attrs = " ".join(item.attrs)
        header = re.sub(r"\s+", " ", item.header)
        kind = re.search(r"\b(struct|enum|trait|fn|impl|mod)\b", header)
        kind = kind.group(1) if kind else None
        name = name_of(header)
        exported = any(EXPORT.match(a) for a in item.attrs)
        remote = next((REMOTE.match(a).group(1) for a in item.attrs if REMOTE.match(a)), None)
        derived = next(
            (m.group(1) for a in item.attrs if a.startswith("#[derive") for m in [UNIFFI_TYPE.search(a)] if m), None
        )
        uniffi_type = remote or derived
        if kind == "mod" and item.body:
            check(source, item.body[0], item.body[1], owner, problems, counted)
        elif kind in ("struct", "enum") and uniffi_type:
            need(item, f"{uniffi_type.lower()} {name}")
            if uniffi_type == "Object" or not item.body:
                continue
            for member in source.items(item.body[0], item.body[1], separator=","):
                member_name = name_of(member.header)
                if kind == "struct":
                    need(member, f"field {name}.{member_name}")
                    continue
                need(member, f"variant {name}::{member_name}")
                if member.body:  # a struct-like variant: its fields cross too
                    for field in source.items(member.body[0], member.body[1], separator=","):
                        need(field, f"field {name}::{member_name}.{name_of(field.header)}")
        elif kind == "impl" and exported and item.body:
            target = re.search(r"\bimpl(?:<[^>]*>)?\s+(?:[\w:]+\s+for\s+)?([\w:]+)", header).group(1)
            for member in source.items(item.body[0], item.body[1]):
                if re.search(r"\bfn\b", member.header):
                    what = "constructor" if any("constructor" in a for a in member.attrs) else "method"
                    need(member, f"{what} {target}.{name_of(member.header)}")
        elif kind == "trait" and exported:
            need(item, f"callback interface {name}")
            for member in source.items(item.body[0], item.body[1]) if item.body else []:
                if re.search(r"\bfn\b", member.header):
                    need(member, f"callback method {name}.{name_of(member.header)}")
        elif kind == "fn" and exported:
            need(item, f"function {name}")
        elif exported and kind not in ("struct", "enum"):
            problems.append(f"{source.shown}:{item.line}: `{header[:60]}` is exported but not understood by this check")


def main(argv):
    root = pathlib.Path(__file__).resolve().parent.parent
    files = [pathlib.Path(a) for a in argv] or sorted((root / "src").rglob("*.rs"))
    problems, counted = [], []
    for path in files:
        source = Source(path)
        check(source, 0, len(source.text), None, problems, counted)
    if problems:
        print("\n".join(problems))
        print(
            f"{len(problems)} of {len(counted)} items exported through UniFFI have no doc comment: "
            "write one (it becomes the KDoc and the Swift doc comment).",
            file=sys.stderr,
        )
        return 1
    print(f"bindings: all {len(counted)} items exported through UniFFI have doc comments")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
