"""No file points at what the repository lacks. Every tracked text file is read for:

- repository paths: markdown link targets (relative to the file), backticked paths, plain
  paths that start with a top-level directory (tools/..., k8s/...) and upper-case doc names
  (README.md). A path may be relative to the file's directory or any directory above it, may
  name a directory, may hold placeholders (`<app-id>`, `{app}`, `%s`, `*`, `...`) and may be a
  file the tools write (git-ignored, such as `components/secrets/dev.json`);
- `make` and a target: the Makefile must have it ("make the", "make each", "make target":
  English);
- tests: a `tests/<file>.py::<test>` reference and a backticked test name must be defined;
- anchors within a markdown file, `[...](#a-heading)`: the heading must be there.
"""

import fnmatch
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
TEXT = re.compile(r"(\.md|\.py|\.ya?ml|\.sh|\.tiltfile|\.toml|\.in|\.xml)$")
TEXT_NAMES = {"Makefile", "Tiltfile", "Containerfile", "Dockerfile", "run"}
ENGLISH = {"a", "an", "the", "each", "every", "it", "them", "sure", "this", "that", "target"}
PLACEHOLDER = re.compile(r"<[^>/]*>|\{[^}/]*\}|%s|\*+|\.\.\.")

SEGMENT = r"[\w.<>{}*%-]+"
PATH = re.compile(rf"{SEGMENT}(?:/{SEGMENT})+/?")
BACKTICKED = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOC_NAME = re.compile(r"(?<![\w/.-])[A-Z][A-Z_]+\.md\b")
MAKE = re.compile(r"(?<![\w-])make(?:\s+-\w+)*\s+([a-z][\w-]*)")
TEST_REF = re.compile(rf"({SEGMENT}(?:/{SEGMENT})*\.py)::(\w+)")
TEST_NAME = re.compile(r"test_\w+")
FILE_NAME = re.compile(r"[\w-]+\.(py|md|sh|tiltfile)")


def git(*args: str, stdin: str | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, check=False
    ).stdout


@cache
def tracked() -> frozenset[str]:
    return frozenset(git("ls-files").splitlines())


@cache
def directories() -> frozenset[str]:
    return frozenset(str(p) for f in tracked() for p in PurePosixPath(f).parents if str(p) != ".")


@cache
def top_level() -> tuple[str, ...]:
    return tuple(sorted({f.split("/", 1)[0] for f in tracked() if "/" in f}))


@cache
def text_files() -> dict[str, str]:
    return {
        name: (ROOT / name).read_text(errors="replace")
        for name in sorted(tracked())
        if (TEXT.search(name) or PurePosixPath(name).name in TEXT_NAMES) and (ROOT / name).is_file()
    }


@cache
def ignored(paths: tuple[str, ...]) -> list[str]:
    """Those of `paths` the tools write (git-ignored): not missing from the repository."""
    # each as a file and as a directory: `secrets/` ignores only a directory
    asked = "".join(f"{p}\n{p}/\n" for p in paths)
    out = git("check-ignore", "--no-index", "--stdin", stdin=asked).splitlines()
    return sorted({p.rstrip("/") for p in out})


def _join(base: str, path: str) -> str | None:
    """base/path, normalized; None if it climbs out of the repository."""
    parts: list[str] = []
    for part in f"{base}/{path}".split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def in_repository(path: str) -> bool:
    """A tracked file or directory; a placeholder matches anything within a segment."""
    if path in tracked() or path in directories() or path == "":
        return True
    if PLACEHOLDER.search(path):
        pattern = PLACEHOLDER.sub("*", path)
        return any(fnmatch.fnmatchcase(p, pattern) for p in tracked() | directories())
    return False


def bases(source: str) -> list[str]:
    """The directory of `source` and every directory above it, up to the root ('')."""
    return ["" if str(p) == "." else str(p) for p in PurePosixPath(source).parents]


def found(path: str, *dirs: str) -> list[str]:
    """What `path` names relative to each of `dirs` that is in the repository, else the files
    the tools write (git-ignored) that it names."""
    joined = tuple(j for b in dirs if (j := _join(b, path)) is not None)
    return [j for j in joined if in_repository(j)] or ignored(joined)


@cache
def make_targets() -> frozenset[str]:
    text = (ROOT / "Makefile").read_text()
    return frozenset(re.findall(r"^([A-Za-z0-9_-]+):(?!=)", text, flags=re.M))


@cache
def defined_tests() -> frozenset[str]:
    pattern = re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)", flags=re.M)
    return frozenset(
        n for f, t in text_files().items() if f.endswith(".py") for n in pattern.findall(t)
    )


def defines(path: str, name: str) -> bool:
    text = text_files().get(path, "")
    return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b", text, flags=re.M) is not None


def _clean(path: str) -> str:
    return path.rstrip(".,;:)'\"")


def _paths(source: str, text: str) -> Iterator[tuple[int, str]]:
    """(offset, path) of every repository path `text` names outside markdown links."""
    for m in BACKTICKED.finditer(text):
        span = m.group(1).strip()
        if PATH.fullmatch(span) and "::" not in span:
            candidate = _clean(span)
            # a path from the root, or one that looks like it is meant relative to this file
            first = candidate.split("/", 1)[0]
            if first in top_level() or any(
                in_repository(_join(b, first) or "") for b in bases(source)
            ):
                yield m.start(1), candidate
    plain = BACKTICKED.sub(lambda m: " " * len(m.group(0)), text)
    tops = "|".join(re.escape(t) for t in top_level())
    for m in re.finditer(rf"(?<![\w./$@:~\-])((?:{tops})/(?:{SEGMENT}/?)*)", plain):
        yield m.start(1), _clean(m.group(1))


def dangling_in(source: str, text: str) -> Iterator[str]:
    """What the tracked file `source` points at that does not exist, one line each."""

    def at(offset: int) -> str:
        return f"{source}:{text.count(chr(10), 0, offset) + 1}"

    if source.endswith(".md"):
        for m in LINK.finditer(text):
            target, _, anchor = m.group(1).partition("#")
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            if target and not found(target, bases(source)[0]):
                yield f"{at(m.start())}: link to {target}"
            elif not target and anchor not in anchors(text):
                yield f"{at(m.start())}: link to #{anchor}"
    for offset, path in _paths(source, text):
        if not found(path, *bases(source)):
            yield f"{at(offset)}: no {path}"
    for m in BACKTICKED.finditer(text):
        span = m.group(1).strip()
        if TEST_NAME.fullmatch(span) and span not in defined_tests():
            yield f"{at(m.start())}: no test {span}"
        if FILE_NAME.fullmatch(span) and not any(PurePosixPath(p).name == span for p in tracked()):
            yield f"{at(m.start())}: no file named {span}"
    for m in DOC_NAME.finditer(text):
        if not any(PurePosixPath(p).name == m.group(0) for p in tracked()):
            yield f"{at(m.start())}: no {m.group(0)}"
    for m in MAKE.finditer(text):
        if m.group(1) not in ENGLISH and m.group(1) not in make_targets():
            yield f"{at(m.start())}: no make target {m.group(1)}"
    for m in TEST_REF.finditer(text):
        path, test = _clean(m.group(1)), m.group(2)
        files = found(path, *bases(source))
        if not files:
            yield f"{at(m.start())}: no {path}"
        elif not any(defines(f, test) for f in files):
            yield f"{at(m.start())}: {path} has no {test}"


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a markdown file."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_no_file_points_at_what_the_repository_lacks() -> None:
    this = Path(__file__).resolve().relative_to(ROOT).as_posix()  # its examples dangle
    dangling = [
        d
        for source, text in text_files().items()
        if source != this
        for d in dangling_in(source, text)
    ]
    assert not dangling, "dangling pointers:\n" + "\n".join(dangling)


def test_each_rule_finds_its_dangling_pointer() -> None:
    text = (
        "[x](nope.md) [y](#no-such-heading) `tools/no-such.sh` and k8s/no/such.yaml\n"
        "`make no-such-target`, `test_no_such_test`, NOSUCH.md,\n"
        "tests/test_repository.py::test_nope\n"
    )
    found = "\n".join(dangling_in("docs/example.md", text))
    for expected in (
        "link to nope.md",
        "link to #no-such-heading",
        "no tools/no-such.sh",
        "no k8s/no/such.yaml",
        "no make target no-such-target",
        "no test test_no_such_test",
        "no NOSUCH.md",
        "tests/test_repository.py has no test_nope",
    ):
        assert expected in found, found


def test_what_the_rules_accept() -> None:
    text = (
        "# A heading\n[a](#a-heading) [readme](../README.md) `services/<app-id>/Dockerfile`,\n"
        "`components/secrets/dev.json` (the bootstrap writes it), k8s/base/dapr/configuration-*.yaml,\n"
        "make the most of `make help`; tests/test_pointers.py::test_what_the_rules_accept\n"
        "`devstack/cluster.py` (relative to no directory above this file: not a pointer)\n"
    )
    assert list(dangling_in("docs/example.md", text)) == []
