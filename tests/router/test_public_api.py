"""The router's public surface is what ``router.__all__`` says, sorted and importable."""

from __future__ import annotations

import router


def test_all_is_sorted_and_importable() -> None:
    assert router.__all__ == sorted(router.__all__, key=lambda name: (not name.isupper(), name))
    for name in router.__all__:
        assert getattr(router, name) is not None, name
