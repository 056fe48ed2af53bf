"""Fixtures shared by the whole suite: where the real reference data lie."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared/data`` beside the repository: real GlassBench, BOTAN and partycls files.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def ka2d_tc05(shared_data) -> Path:
    """GlassBench KA2D, T = 0.23, configuration 151, time code 05 (CC-BY-4.0)."""
    return shared_data / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"


@pytest.fixture(scope="session")
def ka2d_tc40(shared_data) -> Path:
    """GlassBench KA2D, T = 0.23, configuration 151, time code 40 (CC-BY-4.0)."""
    return shared_data / "glassbench-ka2d" / "N1290T0.23_151_tc40.npz"
