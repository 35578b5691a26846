"""The test suite and the benchmarks read nothing from outside the repository.

Fixtures live in `tests/fixtures/` (e.g. `tests/fixtures/realdata`); a path
into the project's common folder beside the checkout (relative, absolute, or
built with `parents[n]`) works on the development machine and fails in a
fresh clone anywhere else. The patterns and examples below are assembled
from pieces, so this file itself holds no such path.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "bench", ".ci")
SUFFIXES = {".py", ".md", ".sh", ".cfg", ".ini", ".toml", ".json", ".yml", ".yaml", ""}
COMMON = "sha" + "red"  # the folder beside the checkout that a clone elsewhere does not have
UP = ".."
OUTSIDE = re.compile(
    rf"""\.\./+{COMMON}\b"""  # up one or more levels, then the common folder
    rf"""|/work/{COMMON}\b"""  # the absolute path on the development machine
    rf"""|["']\.\.["']\s*/\s*["']{COMMON}["']"""  # Path(...) / up / common, with pathlib
    rf"""|["']\.\./{COMMON}"""  # the relative path in any string
    rf"""|(?<![\w/.-]){COMMON}/realdata\b"""  # its realdata, not inside tests/fixtures/...
)


def sources() -> list[Path]:
    me = Path(__file__).resolve()
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or path.resolve() == me:
                continue
            if "__pycache__" in path.parts or "fixtures" in path.relative_to(ROOT).parts:
                continue
            if path.suffix in SUFFIXES:
                found.append(path)
    return found


def test_the_scan_sees_the_suites() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in sources()}
    assert "tests/importing/helpers.py" in names
    assert ".ci/run" in names
    assert any(n.startswith("bench/") for n in names)


def test_the_pattern_catches_paths_outside_the_repository() -> None:
    for bad in [
        f'REALDATA = Path(__file__).resolve().parents[2] / "{UP}" / "{COMMON}" / "realdata"',
        f"open('{UP}/{COMMON}/realdata/x.csv')",
        f"DATA=/work/{COMMON}/realdata",
        f"# the vectors ({COMMON}/realdata/telegram_vectors.md)",
    ]:
        assert OUTSIDE.search(bad), bad
    for good in [
        'REALDATA = Path(__file__).resolve().parents[1] / "fixtures" / "realdata"',
        "# tests/fixtures/realdata/telegram_vectors.md",
        f"the {COMMON} test cluster keeps running",
        f'await journal.append("{COMMON}", 0, [ev()])',
    ]:
        assert not OUTSIDE.search(good), good


def test_no_test_or_bench_source_reads_a_shared_folder_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not offenders, "copy the data into tests/fixtures/ instead:\n" + "\n".join(offenders)
