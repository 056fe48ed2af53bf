"""The softness field: training labels from p_hop, balanced sampling, the SVM with C chosen on validation."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.dynamics.rearrangements import events_from_phop
from glassml.errors import GlassmlError
from glassml.softness.field import SoftnessField, balanced_sample, chance_level, describe_examples, training_labels


def test_training_labels_by_hand():
    p = np.array([
        [0.0, 0.0, 0.0],
        [0.3, 0.0, 0.0],
        [0.5, 0.0, 0.3],
        [0.1, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
    ])
    ev = events_from_phop(p, 0.2, first_frame=10)
    lab = training_labels(p, ev, history=3, first_frame=10)
    # particle 0: event rows 1-2, peak row 2 -> +1 there; quiet for 3 rows only from row 5
    # particle 1: never active -> -1 from row 2 (rows 0..2 make the first full history)
    # particle 2: event at row 2 (+1); quiet again from row 5
    expected = np.array([
        [0, 0, 0],
        [0, 0, 0],
        [1, -1, 1],
        [0, -1, 0],
        [0, -1, 0],
        [-1, -1, -1],
    ])
    np.testing.assert_array_equal(lab, expected)


def test_balanced_sample_draws_equal_classes_reproducibly():
    rng = np.random.default_rng(0)
    lab = rng.choice([-1, 0, 1], size=(30, 40), p=[0.6, 0.3, 0.1])
    rows, parts, y = balanced_sample(lab, seed=3)
    assert (y == 1).sum() == (y == -1).sum() == (lab == 1).sum()
    np.testing.assert_array_equal(lab[rows, parts], y)
    r2, p2, _ = balanced_sample(lab, seed=3)
    np.testing.assert_array_equal(rows, r2)
    np.testing.assert_array_equal(parts, p2)
    mask = np.zeros(lab.shape, dtype=bool)
    mask[:, :10] = True
    _, parts_m, _ = balanced_sample(lab, 5, seed=1, mask=mask)
    assert parts_m.max() < 10 and parts_m.size == 10
    with pytest.raises(GlassmlError, match="no rearrangements found"):
        balanced_sample(np.where(lab == 1, 0, lab))
    with pytest.raises(GlassmlError, match="only"):
        balanced_sample(lab, 10_000)


def separable(n, w, seed, sharpness=3.0):
    """Features N(0, 1) (scaled per column) and labels from a noisy linear rule: Bayes accuracy known."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, w.size))
    u = sharpness * x @ w
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-u)), 1, -1)
    return x * np.arange(1, w.size + 1) + 5.0, y   # unequal scales and offsets: the scaler must undo them


def test_svm_recovers_the_rule_and_reaches_bayes_accuracy():
    w = np.zeros(8)
    w[[0, 3]] = [0.8, -0.6]
    X, y = separable(3000, w, 0)
    Xv, yv = separable(2000, w, 1)
    Xt, yt = separable(4000, w, 2)
    model = SoftnessField(seed=0).fit(X, y, validation=(Xv, yv))
    assert set(model.validation_accuracy_) == {0.001, 0.01, 0.1, 1.0, 10.0}
    assert model.validation_accuracy_[model.C_] == max(model.validation_accuracy_.values())
    # coefficients in standardised units point along the rule
    assert np.linalg.norm(model.coef_) == pytest.approx(1.0)
    assert model.coef_ @ w > 0.97
    # Bayes accuracy of a logistic rule with |u| ~ 3|N(0,1)|: E[max(p, 1-p)], by Monte Carlo
    u = 3.0 * np.random.default_rng(9).standard_normal(400_000)
    bayes = float(np.mean(1 / (1 + np.exp(-np.abs(u)))))
    acc = model.score(Xt, yt)
    assert bayes - 0.03 < acc <= bayes + 0.02, (acc, bayes)
    assert chance_level(yt) < 0.53
    s = model.softness(Xt)
    assert np.mean(s[yt == 1]) > 0 > np.mean(s[yt == -1])


def test_field_errors():
    X, y = separable(50, np.ones(3) / np.sqrt(3), 0)
    with pytest.raises(GlassmlError, match="both rearranging"):
        SoftnessField().fit(X, np.ones(50, dtype=int), validation=(X, y))
    with pytest.raises(GlassmlError, match="not fitted"):
        SoftnessField().softness(X)
    with pytest.raises(GlassmlError, match="labels must be"):
        SoftnessField().fit(X, y * 2, validation=(X, y))


def test_pipeline_on_a_real_trajectory(shared_data):
    """p_hop -> events -> labels -> balanced examples -> structure functions -> SVM, on real data."""
    import gzip

    from glassml.dynamics.rearrangements import phop
    from glassml.structure import AngularStructure, Configuration, RadialStructure

    frames, types = [], None
    with gzip.open(shared_data / "partycls" / "ka-2_N300_rumd_trajectory0000.xyz.gz", "rt") as fh:
        while line := fh.readline():
            n = int(line)
            box = np.array(fh.readline().split("sim_box=")[1].split()[0].split(",")[1:4], dtype=float)
            rows = np.array([fh.readline().split() for _ in range(n)], dtype=float)
            frames.append(rows[:, 1:4] + rows[:, 4:7] * box)
            types = rows[:, 0].astype(int)
    x = np.array(frames)
    p = phop(x, 2)                                     # rows = frames 1..8
    ev = events_from_phop(p, float(np.quantile(p, 0.9)), first_frame=1)
    lab = training_labels(p, ev, history=2, first_frame=1)
    r, i, y = balanced_sample(lab, 40, seed=0)
    descriptors = [RadialStructure(bounds=(0.5, 2.7), step=0.2), AngularStructure(xis=(1.0, 1.5), cutoff=2.5)]
    X = describe_examples(x, box, types, r, i, first_frame=1, descriptors=descriptors)
    # one example checked against describing its frame directly
    conf = Configuration(x[r[5] + 1], box, types=types)
    direct = np.concatenate([d.compute(conf) for d in descriptors], axis=1)[i[5]]
    np.testing.assert_allclose(X[5], direct)
    half = np.arange(y.size) % 2 == 0
    model = SoftnessField(c_grid=(0.01, 1.0)).fit(X[half], y[half], validation=(X[~half], y[~half]))
    assert model.softness(X).shape == (80,)
    assert 0.0 <= model.score(X[~half], y[~half]) <= 1.0


def test_linear_svm_takes_explicit_labels_and_points_to_the_rearranging_side():
    from glassml.learn.softness import linear_svm

    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 3))
    y = np.where(x[:, 1] - 0.5 * x[:, 2] > 0.2, 1, -1)
    w, b = linear_svm(x, y, 10.0)
    assert np.linalg.norm(w) == pytest.approx(1.0)
    assert w @ np.array([0.0, 1.0, -0.5]) / np.sqrt(1.25) > 0.98      # along the rule, towards +1
    assert np.mean(np.where(x @ w + b > 0, 1, -1) == y) > 0.97
    w2, b2 = linear_svm(x, -y, 10.0)                                   # labels swapped: the normal flips
    np.testing.assert_allclose(w2, -w, atol=1e-3)
    with pytest.raises(GlassmlError, match=r"-1 \(non-rearranging\) and \+1"):
        linear_svm(x, (y > 0).astype(int), 1.0)                         # 0/1 labels are refused
    with pytest.raises(GlassmlError, match="both present"):
        linear_svm(x, np.ones(400, dtype=int), 1.0)
