"""Reference: sympy.physics.wigner (SymPy, exact rational arithmetic), for the Wigner 3j
symbols of the w_l bond-order invariants."""

from __future__ import annotations

import pytest

from glassml.structure.harmonics import wigner3j

pytest.importorskip("sympy")


def test_wigner3j_matches_sympy():
    from sympy.physics.wigner import wigner_3j

    for l in (2, 4, 6, 8):
        for m1 in range(-l, l + 1, 3):
            for m2 in range(-l, l + 1, 2):
                m3 = -m1 - m2
                if abs(m3) <= l:
                    assert abs(wigner3j(l, l, l, m1, m2, m3) - float(wigner_3j(l, l, l, m1, m2, m3))) < 1e-14
