"""Every sampler against exact answers: enumeration of q^N states (chi-square) and the
paramagnetic energy of random regular graphs above the dynamic transition."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.sampling import (LocalMonteCarlo, MADE, NetworkAssistedMC, ParallelTempering, SequentialTempering,
                              chi_square_test, exact_mean_energy, mean_with_error, paramagnetic_energy,
                              random_configurations, random_regular)
from glassml.sampling.potts import PottsGraph, boltzmann, enumerate_states, state_index

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

T = 0.8


@pytest.fixture(scope="module")
def tiny():
    """A 3-regular graph on 8 nodes, q = 3 (6561 states)."""
    return random_regular(3, 3, 8, seed=4)


def test_enumeration_by_hand():
    # a triangle with q = 2: 2 states with one bad edge... every state has E >= 1
    g = PottsGraph(2, np.array([[0, 1], [1, 2], [0, 2]]), 3)
    states, e = enumerate_states(g)
    assert states.shape == (8, 3) and e.min() == 1 and sorted(e.tolist()) == [1] * 6 + [3] * 2
    assert np.array_equal(state_index(states, 2), np.arange(8))
    p = boltzmann(e, 1.0)
    assert np.isclose(p[0] / p[1], np.exp(-2.0))  # all-equal state vs one flipped


@pytest.mark.parametrize("method", ["metropolis", "heat-bath"])
def test_local_chi_square(tiny, method):
    chains = random_configurations(tiny, 3000, seed=1)
    mc = LocalMonteCarlo(tiny, T, method=method, seed=2).run(chains, 30, record=False)
    samples = [mc.spins_.copy()]
    for _ in range(3):  # three more independent-ish snapshots, 10 sweeps apart (tau ~ 1 sweep)
        samples.append(mc.run(mc.spins_, 10, record=False).spins_.copy())
    res = chi_square_test(tiny, T, np.concatenate(samples))
    assert res["p_value"] > 1e-3, res


def test_parallel_tempering_chi_square(tiny):
    ladder = [T, 1.2, 2.0]
    pt = ParallelTempering(tiny, ladder, seed=3)
    snaps = []
    pt.run(50)
    for _ in range(1200):
        pt.run(4, spins=pt.spins_)
        snaps.append(pt.spins_[0].copy())
    res = chi_square_test(tiny, T, np.array(snaps))
    assert res["p_value"] > 1e-3, res
    assert np.all(pt.swap_acceptance_ > 0.1)


def test_network_assisted_chi_square(tiny):
    # an imperfect network (small, trained briefly at a higher temperature): the MH test must
    # still give the exact Boltzmann law once the independence chains have mixed
    train = LocalMonteCarlo(tiny, 1.0, seed=1).run(random_configurations(tiny, 500, seed=5), 20, record=False).spins_
    net = MADE(tiny.n_nodes, tiny.q, hidden=16, epochs=8, seed=0).fit(train)
    chain = NetworkAssistedMC(tiny, T, net, local_sweeps=0, seed=6).run(random_configurations(tiny, 2000, seed=7), 60)
    assert 0.05 < chain.acceptance_ < 1
    res = chi_square_test(tiny, T, chain.spins_)
    assert res["p_value"] > 1e-3, res


def test_sequential_tempering_chi_square(tiny):
    st = SequentialTempering(tiny, [3.0, 1.5, T], n_samples=3000, global_steps=6, local_sweeps=1, initial_sweeps=30,
                             network={"hidden": 16, "epochs": 3}, seed=8).run()
    res = chi_square_test(tiny, T, st.spins_)
    assert res["p_value"] > 1e-3, res
    assert np.isclose(st.energy_[-1], exact_mean_energy(tiny, T), atol=0.03)


def test_chi_square_rejects_wrong_temperature(tiny):
    chains = random_configurations(tiny, 3000, seed=1)
    mc = LocalMonteCarlo(tiny, 1.2, seed=2).run(chains, 40, record=False)
    assert chi_square_test(tiny, T, mc.spins_)["p_value"] < 1e-6


@pytest.mark.parametrize("method", ["metropolis", "heat-bath"])
def test_paramagnetic_energy_random_regular(method):
    # above T_d: q = 4, c = 5 has no glass transition at all; q = 3, c = 3 at T = 0.6
    for q, c, t in [(4, 5, 0.5), (3, 3, 0.6)]:
        g = random_regular(q, c, 3000, seed=1)
        mc = LocalMonteCarlo(g, t, method=method, seed=3).run(random_configurations(g, 2, seed=2), 300)
        mean, err = mean_with_error(mc.energy_trace_[100:] / g.n_nodes)
        exact = paramagnetic_energy(t, q, c)
        assert abs(mean - exact) < 4 * err + 2e-3, (q, c, t, mean, err, exact)  # finite-N loops: O(1/N)


def test_parallel_tempering_paramagnetic_energy():
    g = random_regular(4, 5, 1000, seed=2)
    ladder = np.array([0.45, 0.55, 0.7, 0.9])
    pt = ParallelTempering(g, ladder, seed=4).run(400)
    for k, t in enumerate(ladder):
        mean, err = mean_with_error(pt.energy_trace_[100:, k] / g.n_nodes)
        assert abs(mean - paramagnetic_energy(t, 4, 5)) < 4 * err + 3e-3


def test_network_assisted_paramagnetic_energy():
    g = random_regular(3, 3, 30, seed=3)
    t = 1.0
    train = LocalMonteCarlo(g, t, seed=1).run(random_configurations(g, 400, seed=1), 50, record=False).spins_
    net = MADE(g.n_nodes, g.q, hidden=32, epochs=15, seed=1).fit(train)
    chain = NetworkAssistedMC(g, t, net, local_sweeps=1, seed=2).run(train[:200], 20)
    e = chain.energy_trace_[5:].mean() / g.n_nodes
    assert abs(e - paramagnetic_energy(t, 3, 3)) < 0.03
    assert chain.acceptance_ > 0.01
