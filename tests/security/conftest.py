"""The security suite prints the invocation matrix it proved (see test_invocation_matrix)."""

from typing import Any

import pytest

MATRIX_ROWS: list[tuple[str, str, str, str, str, int, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MATRIX_ROWS:
        return
    tr = terminalreporter
    tr.section("invocation matrix (through the caller's sidecar, mTLS on)")
    tr.write_line(f"{'caller':<22}{'callee':<22}{'method':<66}{'expected':<10}{'got'}")
    for caller, callee, verb, path, expected, status, outcome in sorted(MATRIX_ROWS):
        method = f"{verb} {path}"
        tr.write_line(f"{caller:<22}{callee:<22}{method:<66}{expected:<10}{status} {outcome}")


@pytest.fixture
def matrix_rows() -> list[tuple[str, str, str, str, str, int, str]]:
    return MATRIX_ROWS
