"""The Arrhenius fit of P_R(S, T) reproduces published barriers and entropies.

Source: github.com/SimonsGlass/GBAnalysisData, commit 59833ec4f1d1e3396ce25d899121d7712748e2e6,
the data of Sharp, Thomas, Cubuk, Schoenholz, Srolovitz & Liu, "Machine learning
determination of atomic dynamics at grain boundaries", PNAS 115, 10943 (2018).

* ``Fig2_Fig3/pR_dset5{0,1,2,3}_frachopping_CNA-1.txt`` (with ``_bincenters_`` and
  ``_numinbin_``): P_R per softness bin at 463, 556, 620 and 694 K (dset50..53, the four lowest
  temperatures, as ``Fig4/README`` says the fits use), all atoms (CNA-1).  The three bins
  S = 0, 2, 4 are copied below.
* ``Fig4/Svalues.txt``, ``Enormalizedvalues.txt``, ``Sigmavalues.txt``: the fitted
  ΔE(S) "normalized as on Fig 4 axis" and ΔΣ(S) of ln P_R = ΔΣ - ΔE / T.

The published numbers are truncated (not rounded) to 4 decimals (E) and 6 decimals (Σ), so
the check is agreement to within one unit of the last digit.  The normalisation of E is a
temperature scale of 926 K, inferred from the data (the ratio of the fitted barrier in K to the
published value is 926.0 at every one of the ten published softness values), and the
published fit is an unweighted straight line through ln P_R against 1/T.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassml.softness import SoftnessArrhenius

TEMPERATURES_K = np.array([463.0, 556.0, 620.0, 694.0])
SOFTNESS = np.array([0.0, 2.0, 4.0])
#: frachopping at S = 0, 2, 4 (columns) for dset50, 51, 52, 53 (rows)
P_R = np.array([
    [0.000225960915408, 0.00579547265392, 0.0290268102174],
    [0.000600126727268, 0.0115393540493, 0.0504707112971],
    [0.00100422047729, 0.016581253601, 0.0645900137426],
    [0.00180517124521, 0.0249977662838, 0.0857947805457],
])
#: numinbin at the same bins
COUNTS = np.array([
    [300937, 119231, 9474],
    [328264, 142209, 15296],
    [363466, 164885, 21830],
    [447049, 201458, 33720],
])
T_NORM_K = 926.0
#: Fig4: E normalised and Σ at S = 0, 2, 4
E_PUBLISHED = np.array([3.0857, 2.1712, 1.6133])
SIGMA_PUBLISHED = np.array([-2.249398, -0.825557, -0.311319])


def test_unweighted_fit_reproduces_published_barriers_and_entropies():
    fit = SoftnessArrhenius(weighted=False).fit(TEMPERATURES_K, SOFTNESS, P_R, COUNTS)
    e = fit.barrier_ / T_NORM_K
    # truncated published values: the fitted value lies in [published, published + one unit)
    assert np.all(np.abs(e) - np.abs(E_PUBLISHED) >= -1e-12) and np.all(np.abs(e) - np.abs(E_PUBLISHED) < 1e-4), e
    assert np.all(np.abs(fit.entropy_) - np.abs(SIGMA_PUBLISHED) >= -1e-12), fit.entropy_
    assert np.all(np.abs(fit.entropy_) - np.abs(SIGMA_PUBLISHED) < 1e-6), fit.entropy_
    # four temperatures, two parameters: uncertainties from the residual scatter are finite
    assert np.all(np.isfinite(fit.barrier_err_)) and np.all(fit.barrier_err_ > 0)


def test_weighted_fit_agrees_within_its_uncertainties():
    """Binomial weights (n P / (1 - P)) move the per-bin fits by less than 3 standard errors."""
    unweighted = SoftnessArrhenius(weighted=False).fit(TEMPERATURES_K, SOFTNESS, P_R, COUNTS)
    weighted = SoftnessArrhenius(weighted=True).fit(TEMPERATURES_K, SOFTNESS, P_R, COUNTS)
    for a, b, err in ((weighted.barrier_, unweighted.barrier_, unweighted.barrier_err_),
                      (weighted.entropy_, unweighted.entropy_, unweighted.entropy_err_)):
        assert np.all(np.abs(a - b) < 3 * err)
    # The published barriers fall with softness: e1 > 0 in ΔE = e0 - e1 S.
    assert weighted.e1_ > 0
    assert weighted.e1_ / T_NORM_K == pytest.approx((E_PUBLISHED[0] - E_PUBLISHED[2]) / 4, rel=0.2)
