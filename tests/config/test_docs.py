"""docs/configuration.md says what each process reads: the same as the code."""

from __future__ import annotations

import re

from ketenbus.config import PROCESS_SECTIONS
from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "configuration.md"


def test_the_process_table_lists_the_sections_each_process_reads() -> None:
    table = DOC.read_text().split("## Processes", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for row in re.findall(r"^\| `ketenbus (\w+)[^`]*` \|[^|]*\|([^|]*)\|", table, flags=re.M):
        process, reads = row
        documented[process] = frozenset(
            re.sub(r"[\[\]]|\.\*", "", name) for name in re.findall(r"`([^`]+)`", reads)
        )
    assert documented == PROCESS_SECTIONS
