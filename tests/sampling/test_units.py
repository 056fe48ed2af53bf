"""Instances, diagnostics, the cavity thresholds and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.sampling import (LocalMonteCarlo, fit_exponential_decay, integrated_autocorrelation_time,
                              numpy_metropolis, paramagnetic_energy, paramagnetic_free_entropy, planted, planted_overlap,
                              random_configurations, random_regular, read_graph, reconstruction)
from glassml.sampling.potts import PottsGraph, enumerate_states


def test_paramagnetic_formulas_by_hand():
    # T -> infinity: a random edge is monochromatic with probability 1/q
    assert np.isclose(paramagnetic_energy(1e9, 3, 4), 4 / 2 / 3)
    assert paramagnetic_energy(0.0, 3, 4) == 0.0
    # free entropy: q^N states at infinite T; and the derivative d(log Z/N)/d(-1/T) = -e
    assert np.isclose(paramagnetic_free_entropy(1e9, 3, 4), np.log(3))
    t, h = 0.7, 1e-5
    dphi = (paramagnetic_free_entropy(1 / (1 / t + h), 3, 4) - paramagnetic_free_entropy(1 / (1 / t - h), 3, 4)) / (2 * h)
    assert np.isclose(-dphi, paramagnetic_energy(t, 3, 4), rtol=1e-6)


def test_free_entropy_matches_enumeration_on_a_tree():
    # on a tree the Bethe free entropy is exact: log Z = N log q + M log(1 - (1-w)/q)
    g = PottsGraph(3, np.array([[0, 1], [1, 2], [1, 3], [3, 4], [3, 5]]), 6)
    _, e = enumerate_states(g)
    t = 0.6
    log_z = np.log(np.sum(np.exp(-e / t)))
    assert np.isclose(log_z, 6 * np.log(3) + 5 * np.log(1 - (1 - np.exp(-1 / t)) / 3))


def test_planted_instances():
    g = planted(4, 9, 400, kind="regular", seed=1)
    assert set(g.degrees.tolist()) == {9} and g.planted_energy() == 0.0
    assert np.all(np.bincount(g.planted) == 100)
    e = planted(4, 9, 400, kind="erdos-renyi", seed=2)
    assert len(e.edges) == 1800 and e.planted_energy() == 0.0
    hot = planted(4, 9, 4000, temperature=0.5, kind="regular", seed=3)
    assert abs(hot.planted_energy() - paramagnetic_energy(0.5, 4, 9)) < 0.03
    assert planted_overlap(hot.planted, hot.planted, 4)[0] == 1.0
    relabelled = (hot.planted + 1) % 4
    assert planted_overlap(relabelled, hot.planted, 4)[0] == 1.0
    rnd = random_configurations(hot, 1, seed=0)
    assert abs(planted_overlap(rnd, hot.planted, 4)[0]) < 0.05


def test_local_moves_keep_energy_and_reproduce():
    g = random_regular(3, 4, 50, seed=0)
    s0 = random_configurations(g, 3, seed=0)
    a = LocalMonteCarlo(g, [0.3, 1.0, 0.0], seed=5).run(s0, 20)
    b = LocalMonteCarlo(g, [0.3, 1.0, 0.0], seed=5).run(s0, 20)
    assert np.array_equal(a.spins_, b.spins_)
    assert np.array_equal(a.energies_, g.energy(a.spins_))
    assert np.all(np.diff(a.energy_trace_[:, 2]) <= 0)  # T = 0: energy never goes up
    ref = numpy_metropolis(g, s0, 1.0, 2, seed=0)
    assert ref.shape == s0.shape and ref.dtype == np.int8


def test_autocorrelation_time_of_ar1():
    # AR(1) with coefficient phi: tau_int = (1 + phi) / (2 (1 - phi))
    rng = np.random.default_rng(0)
    phi, n = 0.8, 200000
    x = np.zeros(n)
    noise = rng.normal(size=n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + noise[i]
    assert abs(integrated_autocorrelation_time(x) - (1 + phi) / (2 * (1 - phi))) < 0.3


def test_exponential_fit():
    n = np.array([32, 64, 128, 256])
    fit = fit_exponential_decay(n, 0.7 * np.exp(-0.02 * n))
    assert np.isclose(fit["rate"], 0.02) and np.isclose(fit["prefactor"], 0.7)
    with pytest.raises(GlassmlError):
        fit_exponential_decay(n, [0.1, 0, 0, 0])


def test_reconstruction_threshold_at_zero_temperature():
    # 4-colouring of random regular graphs clusters between c = 8 and c = 9
    # (Zdeborová & Krzakala 2007: c_d = 8.353 on Erdős–Rényi graphs, 9-regular graphs clustered)
    assert reconstruction(4, 8, 0.0, population=2000, iterations=60).overlap < 0.02
    assert reconstruction(4, 9, 0.0, population=2000, iterations=60).overlap > 0.5
    # no reconstruction in the paramagnet far above T_d
    assert reconstruction(4, 9, 1.0, population=2000, iterations=60).overlap < 0.02


def test_bad_input_one_line_exit_2(tmp_path, capsys):
    cases = [["--q", "1"], ["--c", "40", "--n", "40"], ["--graph-file", str(tmp_path / "bad.txt")]]
    (tmp_path / "bad.txt").write_text("this is\nnot a graph at all\n")
    for extra in cases:
        code = main(["sampling", "run", "--out", str(tmp_path / "o"), "--problem", "potts", *extra])
        err = capsys.readouterr().err
        assert code == 2, (extra, err)
        assert err.strip().count("\n") == 0 and err.startswith("error:"), err
    with pytest.raises(GlassmlError):
        read_graph(tmp_path / "bad.txt", 3)
    assert main(["sampling", "report", str(tmp_path / "missing")]) == 2


def test_cli_run_and_report(tmp_path, capsys):
    out = tmp_path / "study"
    args = ["sampling", "run", "--out", str(out), "--problem", "potts", "--q", "3", "--c", "3", "--n", "40",
            "--temperature", "0.7", "--temperatures", "1.0,0.7", "--sizes", "12,16", "--sweeps", "60",
            "--epochs", "2", "--n-train", "64", "--hidden", "8", "--stages", "local,acceptance,sequential",
            "--seed", "1", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["acceptance"]) == {"12", "16"}
    assert all(0 < a <= 1 for a in summary["acceptance"].values())
    assert {p.split("/")[-1] for p in summary["figures"]} == {"acceptance.png", "autocorrelation.png", "energy.png"}
    before = (out / "acceptance.json").read_bytes()
    assert main([*args, "--no-report"]) == 0  # resumes: finished stages are kept as they are
    capsys.readouterr()
    assert (out / "acceptance.json").read_bytes() == before
    assert main(["sampling", "report", str(out), "--json"]) == 0
    assert "acceptance_rate_per_spin" in json.loads(capsys.readouterr().out)
    edges = tmp_path / "g.txt"
    g = random_regular(3, 3, 10, seed=0)
    edges.write_text("\n".join(f"{a} {b}" for a, b in g.edges))
    assert main(["sampling", "run", "--out", str(tmp_path / "f"), "--graph-file", str(edges), "--q", "3",
                 "--temperatures", "1.0", "--sweeps", "50", "--stages", "local", "--json", "--no-report"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["n"] == 10
