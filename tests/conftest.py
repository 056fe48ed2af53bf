"""Fixtures shared by the whole suite: where the real reference data lie.

Tests that read a real file take its fixture; the fixture skips the test when the file is not
there, so the suite runs (with those tests skipped) on a checkout without the data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: ``../shared/data`` beside the repository: real GlassBench, BOTAN and partycls files.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _present(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.relative_to(SHARED_DATA.parent)} is not present")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def ka2d_tc05(shared_data) -> Path:
    """GlassBench KA2D, T = 0.23, configuration 151, time code 05 (CC-BY-4.0)."""
    return _present(shared_data / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz")


@pytest.fixture(scope="session")
def ka2d_tc40(shared_data) -> Path:
    """GlassBench KA2D, T = 0.23, configuration 151, time code 40 (CC-BY-4.0)."""
    return _present(shared_data / "glassbench-ka2d" / "N1290T0.23_151_tc40.npz")


@pytest.fixture(scope="session")
def botan_ka3d_tc07(shared_data) -> Path:
    """BOTAN's Kob-Andersen 3D, N = 4096, T = 0.44, training configuration 1, time code 07."""
    return _present(shared_data / "botan-ka3d" / "T0.44" / "train" / "isoconfig_N4096T0.44_1_tc07.npz")


@pytest.fixture(scope="session")
def ka2d_inherent(ka2d_tc05):
    """``(box, positions, types)`` of the GlassBench KA2D inherent structure, species 0..2."""
    import numpy as np

    with np.load(ka2d_tc05) as f:
        return float(f["box"]), f["initial_positions_inherent"].astype(np.float64), f["types"].astype(np.int64) - 1


@pytest.fixture(scope="session")
def ka2d_tc05_arrays(ka2d_tc05) -> dict:
    """Every array of the GlassBench KA2D time-code-05 file, loaded once."""
    import numpy as np

    with np.load(ka2d_tc05) as f:
        return {k: f[k] for k in f.files}
