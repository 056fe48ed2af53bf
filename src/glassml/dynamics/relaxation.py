"""Relaxation phenomenology: fits of tau_alpha(T), fragility, diffusion constant, Stokes-Einstein.

* Arrhenius: tau = tau0 exp(E / T) (strong liquids; high-T behaviour).
* Vogel-Fulcher-Tammann: tau = tau0 exp(D T0 / (T - T0)); D is the fragility parameter
  (small D = fragile; Angell, Science 267, 1924, 1995).
* Parabolic law: tau = tau0 exp(J² (1/T - 1/To)²) below the onset To (Elmatad, Chandler &
  Garrahan, J. Phys. Chem. B 113, 5563, 2009).
* Mode-coupling power law: tau = tau0 (T - Tc)^-gamma above the mode-coupling temperature Tc
  (Götze, Complex Dynamics of Glass-Forming Liquids, OUP 2009; for KA3D, Kob & Andersen, PRE
  51, 4626, 1995 find Tc ≈ 0.435).  The same law with gamma < 0 fits D(T) (:func:`fit_mode_coupling`
  on 1/D).
* Kinetic fragility (steepness) m = d log10 tau / d(Tg/T) at Tg, where tau(Tg) = tau_g
  (Böhmer, Ngai, Angell & Plazek, JCP 99, 4201, 1993).  tau_g is a convention; in
  Lennard-Jones units glassml's default is 1e12 (with ~1 ps per unit, about 1 s).
* Diffusion constant: MSD(t) = 2 d D t at long times (slope of MSD against t over the points
  with MSD >= min_msd).
* Stokes-Einstein: D tau_alpha / T-independent if it holds; the fitted exponent xi of
  D ∝ tau_alpha^(-xi) drops below 1 where it breaks down (Berthier, Chandler & Garrahan,
  EPL 69, 320, 2005).
* Swap speed-up: tau_alpha, in Monte Carlo sweeps, of plain and swap Monte Carlo from the same
  configuration (:func:`swap_speedup` on the runs of
  :func:`glassml.simulate.swap.swap_and_plain_runs`; Ninarello, Berthier & Coslovich, PRX 7,
  021039, 2017), with Fs and tau_alpha of :mod:`glassml.dynamics.observables`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, curve_fit

from glassml.dynamics.observables import self_intermediate_scattering, tau_alpha
from glassml.errors import GlassmlError


@dataclass
class TauFit:
    """A fitted law log tau(T); ``params`` by name, their standard errors ``errors`` (from the
    covariance of the least-squares fit: with the given errors of ln tau when there are any,
    else scaled by the residual; NaN when the fit has no spare degree of freedom), ``rms`` of
    the residual of ln tau."""

    law: str
    params: dict
    rms: float
    errors: dict = field(default_factory=dict)

    def log_tau(self, T):
        T = np.asarray(T, float)
        p = self.params
        if self.law == "arrhenius":
            return np.log(p["tau0"]) + p["E"] / T
        if self.law == "vft":
            return np.log(p["tau0"]) + p["D"] * p["T0"] / (T - p["T0"])
        if self.law == "parabolic":
            return np.log(p["tau0"]) + p["J"] ** 2 * (1 / T - 1 / p["To"]) ** 2
        if self.law == "mode_coupling":
            return np.log(p["tau0"]) - p["gamma"] * np.log(T - p["Tc"])
        raise GlassmlError(f"unknown law {self.law!r}")

    def tau(self, T):
        return np.exp(self.log_tau(T))

    def as_dict(self) -> dict:
        return {"law": self.law, **{k: float(v) for k, v in self.params.items()}, "rms_ln_tau": float(self.rms),
                "errors": {k: float(v) for k, v in self.errors.items()}}


def _check(T, tau, need: int, tau_error=None):
    T = np.asarray(T, float)
    tau = np.asarray(tau, float)
    err = np.full(T.shape, np.nan) if tau_error is None else np.asarray(tau_error, float)
    ok = np.isfinite(T) & np.isfinite(tau) & (tau > 0) & (T > 0)
    if ok.sum() < need:
        raise GlassmlError(f"this fit needs at least {need} temperatures with a finite tau_alpha, got {int(ok.sum())}")
    sigma = err[ok] / tau[ok]  # error of ln tau
    sigma = sigma if np.all(np.isfinite(sigma) & (sigma > 0)) else None
    return T[ok], np.log(tau[ok]), sigma


def _errors(f, T, lt, sigma, p, names, bounds=(-np.inf, np.inf)) -> dict:
    """Standard errors of ``p`` from the covariance of a least-squares fit started at ``p``
    (absolute when ``sigma`` is given); NaN without a spare degree of freedom."""
    if len(T) <= len(p):
        return {n: float("nan") for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _, cov = curve_fit(f, T, lt, p0=p, sigma=sigma, absolute_sigma=sigma is not None, bounds=bounds, maxfev=20000)
            e = np.sqrt(np.clip(np.diag(cov), 0, np.inf))
        except Exception:
            e = np.full(len(p), np.nan)
    return {n: float(v) for n, v in zip(names, e)}


def _tau0_error(c: float, dc: float) -> float:
    return float(np.exp(c) * dc)


def _refine(f, T, lt, sigma, p0, bounds, names) -> tuple[list[float], float, dict]:
    """Least squares of ``f`` started at the grid search's ``p0`` (kept when the refinement
    fails: an exact fit of 3 points has no covariance), with the rms of ln tau and the
    parameters' standard errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p, _ = curve_fit(f, T, lt, p0=p0, sigma=sigma, bounds=bounds, maxfev=20000)
    except Exception:
        p = p0
    p = [float(v) for v in p]
    rms = float(np.sqrt(np.mean((f(T, *p) - lt) ** 2)))
    return p, rms, _errors(f, T, lt, sigma, p, names, bounds)


def fit_arrhenius(T, tau, tau_error=None) -> TauFit:
    """Least squares of ln tau = ln tau0 + E / T (weighted by ``tau_error`` when given)."""
    T, lt, sigma = _check(T, tau, 2, tau_error)

    def f(T, c, E):
        return c + E / T

    E, c = np.polyfit(1 / T, lt, 1, w=None if sigma is None else 1 / sigma)
    rms = float(np.sqrt(np.mean((c + E / T - lt) ** 2)))
    e = _errors(f, T, lt, sigma, [c, E], ["c", "E"])
    return TauFit("arrhenius", {"tau0": float(np.exp(c)), "E": float(E)}, rms,
                  {"tau0": _tau0_error(c, e["c"]), "E": e["E"]})


def fit_vft(T, tau, tau_error=None) -> TauFit:
    """Least squares of ln tau = ln tau0 + D T0 / (T - T0), 0 < T0 < min T."""
    T, lt, sigma = _check(T, tau, 3, tau_error)

    def f(T, c, D, T0):
        return c + D * T0 / (T - T0)

    best = None
    for frac in np.linspace(0.05, 0.95, 19):  # grid start over T0
        T0 = frac * T.min()
        x = T0 / (T - T0)
        A = np.stack([np.ones_like(x), x], axis=1)
        (c, D), *_ = np.linalg.lstsq(A, lt, rcond=None)
        err = np.sum((c + D * x - lt) ** 2)
        if best is None or err < best[0]:
            best = (err, c, D, T0)
    bounds = ([-np.inf, 0, 0], [np.inf, np.inf, T.min() * (1 - 1e-9)])
    (c, D, T0), rms, e = _refine(f, T, lt, sigma, best[1:], bounds, ["c", "D", "T0"])
    return TauFit("vft", {"tau0": float(np.exp(c)), "D": float(D), "T0": float(T0)}, rms,
                  {"tau0": _tau0_error(c, e["c"]), "D": e["D"], "T0": e["T0"]})


def fit_parabolic(T, tau, tau_error=None) -> TauFit:
    """Least squares of ln tau = ln tau0 + J² (1/T - 1/To)² (To above every fitted T); To is
    the onset temperature of glassy dynamics in this picture."""
    T, lt, sigma = _check(T, tau, 3, tau_error)

    def f(T, c, J, To):
        return c + J**2 * (1 / T - 1 / To) ** 2

    best = None
    for factor in np.linspace(1.05, 4.0, 30):
        To = factor * T.max()
        x = (1 / T - 1 / To) ** 2
        A = np.stack([np.ones_like(x), x], axis=1)
        (c, J2), *_ = np.linalg.lstsq(A, lt, rcond=None)
        err = np.sum((c + J2 * x - lt) ** 2)
        if J2 > 0 and (best is None or err < best[0]):
            best = (err, c, np.sqrt(J2), To)
    if best is None:
        raise GlassmlError("the parabolic law does not fit: tau_alpha does not grow on cooling")
    bounds = ([-np.inf, 0, T.max()], [np.inf, np.inf, np.inf])
    (c, J, To), rms, e = _refine(f, T, lt, sigma, best[1:], bounds, ["c", "J", "To"])
    return TauFit("parabolic", {"tau0": float(np.exp(c)), "J": float(abs(J)), "To": float(To)}, rms,
                  {"tau0": _tau0_error(c, e["c"]), "J": e["J"], "To": e["To"]})


def fit_mode_coupling(T, tau, tau_error=None) -> TauFit:
    """Least squares of ln tau = ln tau0 - gamma ln(T - Tc), 0 <= Tc < min T: the mode-coupling
    temperature of the data.  Fit 1/D instead of tau for the diffusion constant's Tc and
    exponent.  Meaningful only over temperatures between Tc and the onset."""
    T, lt, sigma = _check(T, tau, 3, tau_error)

    def f(T, c, gamma, Tc):
        return c - gamma * np.log(T - Tc)

    best = None
    for Tc in np.linspace(0.0, T.min() * (1 - 1e-3), 400):  # linear in (c, gamma) at fixed Tc
        A = np.stack([np.ones_like(T), -np.log(T - Tc)], axis=1)
        w = 1.0 if sigma is None else 1 / sigma
        (c, g), *_ = np.linalg.lstsq(A * np.atleast_1d(w)[:, None], lt * w, rcond=None)
        err = np.sum(((A @ np.array([c, g]) - lt) * w) ** 2)
        if g > 0 and (best is None or err < best[0]):
            best = (err, c, g, Tc)
    if best is None:
        raise GlassmlError("the mode-coupling power law does not fit: tau_alpha does not grow on cooling")
    bounds = ([-np.inf, 0, 0], [np.inf, np.inf, T.min() * (1 - 1e-9)])
    (c, g, Tc), rms, e = _refine(f, T, lt, sigma, best[1:], bounds, ["c", "gamma", "Tc"])
    return TauFit("mode_coupling", {"tau0": float(np.exp(c)), "gamma": float(g), "Tc": float(Tc)}, rms,
                  {"tau0": _tau0_error(c, e["c"]), "gamma": e["gamma"], "Tc": e["Tc"]})


def glass_temperature(fit: TauFit, tau_g: float = 1e12) -> float:
    """T at which the fitted tau reaches tau_g (NaN if it never does above the divergence)."""
    lo = fit.params.get("T0", fit.params.get("Tc", 0.0)) * (1 + 1e-9) + 1e-9
    g = lambda T: float(fit.log_tau(T) - np.log(tau_g))  # noqa: E731
    hi = 10.0 * max(1.0, lo)
    if fit.law == "parabolic":
        hi = fit.params["To"]
    try:
        return float(brentq(g, lo, hi))
    except ValueError:
        return float("nan")


def fragility(fit: TauFit, tau_g: float = 1e12) -> dict:
    """Kinetic fragility m = d log10 tau / d(Tg/T) at Tg (tau(Tg) = tau_g), with Tg."""
    Tg = glass_temperature(fit, tau_g)
    if not np.isfinite(Tg):
        return {"Tg": None, "m": None, "tau_g": tau_g}
    h = 1e-6
    f = lambda x: float(fit.log_tau(Tg / x)) / np.log(10)  # noqa: E731
    m = (f(1 + h) - f(1 - h)) / (2 * h)
    return {"Tg": Tg, "m": float(m), "tau_g": tau_g}


def diffusion_constant(times, msd, dimension: int, min_msd: float = 1.0) -> float | None:
    """D from MSD = 2 d D t over the diffusive points (MSD >= min_msd): the least-squares slope
    through them (one point: MSD / (2 d t)).  None if no point is diffusive."""
    t = np.asarray(times, float)
    m = np.asarray(msd, float)
    sel = m >= min_msd
    if not sel.any():
        return None
    if sel.sum() == 1:
        return float(m[sel][0] / (2 * dimension * t[sel][0]))
    slope = np.polyfit(t[sel], m[sel], 1)[0]
    return float(slope / (2 * dimension))


def stokes_einstein(T, D, tau) -> dict:
    """D tau_alpha per temperature and the exponent xi of D ∝ tau_alpha^(-xi) (1 = SE holds)."""
    T = np.asarray(T, float)
    D = np.asarray(D, float)
    tau = np.asarray(tau, float)
    ok = np.isfinite(D) & np.isfinite(tau) & (D > 0) & (tau > 0)
    out = {"T": T.tolist(), "D_tau": (D * tau).tolist(), "xi": None}
    if ok.sum() >= 2:
        out["xi"] = float(-np.polyfit(np.log(tau[ok]), np.log(D[ok]), 1)[0])
    return out


#: The laws :func:`temperature_fits` fits, by name.
LAWS = {"arrhenius": fit_arrhenius, "vft": fit_vft, "parabolic": fit_parabolic, "mode_coupling": fit_mode_coupling}


def temperature_fits(T, tau, D=None, *, tau_error=None, D_error=None, tau_g: float = 1e12) -> dict:
    """Every law of :data:`LAWS` fitted to tau_alpha(T), with fragility, and Stokes-Einstein.

    Args:
        T: (M,) temperatures.
        tau: (M,) tau_alpha at each temperature (NaN where unknown).
        D: (M,) diffusion constants (NaN where unknown), or None.
        tau_error: (M,) standard errors of tau (weights of the fits), or None.
        D_error: (M,) standard errors of D, or None.
        tau_g: tau_alpha that defines Tg for the fragility.

    Returns:
        A JSON-ready dict: ``T``, ``tau_alpha_A`` (and ``tau_alpha_A_error``), ``D_A`` (and
        ``D_A_error``), ``fits`` {law: parameters, their ``errors``, rms and (VFT, parabolic)
        fragility, or ``{"error": message}`` where the law cannot be fitted}, ``fits_D``
        (the mode-coupling law of 1/D when three or more D are known), ``onset``
        (the parabolic law's To, its error and whether it is ``resolved``: at most 4 times the
        highest T, error below half of it; an Arrhenius-like ladder drives To to infinity) and
        ``stokes_einstein``.
    """
    T = np.asarray(T, float)
    tau = np.asarray(tau, float)
    D = np.full(T.shape, np.nan) if D is None else np.asarray(D, float)
    nan = np.full(T.shape, np.nan)
    tau_err = nan if tau_error is None else np.asarray(tau_error, float)
    D_err = nan if D_error is None else np.asarray(D_error, float)
    out = {"T": T.tolist(), "tau_alpha_A": tau.tolist(), "tau_alpha_A_error": tau_err.tolist(), "D_A": D.tolist(),
           "D_A_error": D_err.tolist(), "fits": {}}
    for name, fit in LAWS.items():
        try:
            f = fit(T, tau, None if tau_error is None else tau_err)
            frag = {"fragility": fragility(f, tau_g)} if name in ("vft", "parabolic") else {}
            out["fits"][name] = {**f.as_dict(), **frag}
        except GlassmlError as exc:
            out["fits"][name] = {"error": str(exc)}
    out["fits_D"] = {}
    if np.sum(np.isfinite(D) & (D > 0)) >= 3:  # D ∝ (T - Tc)^gamma_D: the same law on 1/D
        try:
            f = fit_mode_coupling(T, 1 / D, None if D_error is None else D_err / D**2)
            out["fits_D"]["mode_coupling"] = f.as_dict()
        except GlassmlError as exc:
            out["fits_D"]["mode_coupling"] = {"error": str(exc)}
    par = out["fits"]["parabolic"]
    out["onset"] = None
    if "To" in par:  # resolved: within 4 times the highest T, error below half of it (else the data do not bend)
        err, To = par["errors"].get("To"), par["To"]
        ok = err is not None and np.isfinite(err) and 0 < err < 0.5 * To and To <= 4 * np.nanmax(T)
        out["onset"] = {"To": To, "error": err, "resolved": bool(ok)}
    out["stokes_einstein"] = stokes_einstein(T, D, tau)
    return out


# ---------------------------------------------------------------------------- swap Monte Carlo
@dataclass
class SwapSpeedup:
    """Relaxation times (sweeps) with and without swaps, and their ratio; see :func:`swap_speedup`.

    ``equilibration_taus`` is the swap equilibration's length over tau_swap and
    ``energy_stationary`` whether its energy trace was stationary; ``equilibrated`` needs both
    (at least :data:`glassml.simulate.swap.EQUILIBRATION_TAUS` tau_swap).  ``*_err`` are
    standard errors over independent starts (NaN for one start); ``starts`` how many.
    ``fs_plain_end`` is Fs(q) at the end of the plain run: how far a run that did not relax got
    (1/e = 0.37 is relaxed).
    """

    temperature: float
    tau_swap: float
    tau_plain: float
    speedup: float
    swap_acceptance: float
    energy_per_particle: float
    n: int
    model: str
    tau_swap_err: float = float("nan")
    tau_plain_err: float = float("nan")
    speedup_err: float = float("nan")
    equilibration_taus: float = float("nan")
    energy_stationary: bool = False
    equilibrated: bool = False
    starts: int = 1
    plain_sweeps: int = 0
    fs_plain_end: float = float("nan")

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {k: (float(v) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def trajectory_fs(positions, initial_positions, q: float = 2 * np.pi, *, remove_drift: bool = False) -> np.ndarray:
    """Fs(q, t) (T,) of one trajectory, wave vectors q along each axis, every particle one
    realisation; see :func:`trajectory_relaxation_time`."""
    x = np.asarray(positions, dtype=float)
    if x.ndim != 3:
        raise GlassmlError(f"a trajectory has shape (T, N, d), got {x.shape}")
    disp = x - np.asarray(initial_positions, dtype=float)[None]
    if remove_drift:
        disp = disp - disp.mean(axis=1, keepdims=True)
    disp = disp[:, :, None, :]  # (T, N realisations, 1, d)
    return self_intermediate_scattering(disp, q * np.eye(x.shape[2]))


def trajectory_relaxation_time(times, positions, initial_positions, q: float = 2 * np.pi, *,
                               remove_drift: bool = False) -> float:
    """tau_alpha of one trajectory: where Fs(q, t) crosses 1/e, from unwrapped ``positions``
    (T, N, d) and their start (N, d).

    ``remove_drift`` subtracts the centre-of-mass displacement of each frame first.  Monte
    Carlo does not conserve momentum: the centre of mass random-walks with a mean square
    displacement of acc δ²/3 / N per axis and sweep (acceptance acc, step δ), which alone
    decorrelates Fs(2π) within ~10⁴ sweeps at N ~ 100 and would cap every tau there.

    Fs is :func:`~glassml.dynamics.observables.self_intermediate_scattering` with the wave
    vectors q along each Cartesian axis, every particle of the trajectory one realisation (so
    one flat mean over particles and axes), and tau is
    :func:`~glassml.dynamics.observables.tau_alpha`.  Where that gives none: ``inf`` if Fs
    never falls below 1/e (not relaxed within the run), the first time if Fs starts below it
    (relaxed before the first record: an upper bound).
    """
    fs = trajectory_fs(positions, initial_positions, q, remove_drift=remove_drift)
    tau = tau_alpha(times, fs)
    if tau is not None:
        return tau
    return float(times[0]) if fs[0] < 1 / np.e else float("inf")


def swap_speedup(runs, q: float = 2 * np.pi, *, remove_drift: bool = True) -> SwapSpeedup:
    """The speed-up swaps bring: tau_plain / tau_swap from :class:`~glassml.simulate.swap.SwapRuns`.

    Both relaxation times come from :func:`trajectory_relaxation_time` in sweeps, by default
    with the centre-of-mass drift of Monte Carlo removed.  ``tau_plain``
    is inf if plain Monte Carlo does not relax within its run; the speed-up is then a lower
    bound, reported as plain_sweeps / tau_swap.  NaN if the swap run does not relax either.
    The swap equilibration counts as done when its energy trace is stationary and it lasted at
    least :data:`~glassml.simulate.swap.EQUILIBRATION_TAUS` tau_swap.
    """
    from glassml.simulate.swap import EQUILIBRATION_TAUS

    plain_times = runs.times if getattr(runs, "plain_times", None) is None else runs.plain_times
    plain_sweeps = runs.max_sweeps if getattr(runs, "plain_sweeps", None) is None else runs.plain_sweeps
    tau_s = trajectory_relaxation_time(runs.times, runs.swap, runs.initial_positions, q, remove_drift=remove_drift)
    tau_p = trajectory_relaxation_time(plain_times, runs.plain, runs.initial_positions, q, remove_drift=remove_drift)
    speed = (min(tau_p, plain_sweeps) / tau_s) if np.isfinite(tau_s) else float("nan")
    trace = getattr(runs, "equilibration", None)
    eq_taus, stationary = float("nan"), False
    if trace is not None and np.isfinite(tau_s):
        eq_taus = float(trace.sweeps[-1] / tau_s)
        stationary = trace.stationary
    fs_end = float(trajectory_fs(runs.plain[-1:], runs.initial_positions, q, remove_drift=remove_drift)[0])
    return SwapSpeedup(runs.temperature, tau_s, tau_p, float(speed), runs.swap_acceptance, runs.energy_per_particle,
                       runs.n, runs.model, equilibration_taus=eq_taus, energy_stationary=bool(stationary),
                       equilibrated=bool(stationary and eq_taus >= EQUILIBRATION_TAUS), plain_sweeps=int(plain_sweeps),
                       fs_plain_end=fs_end)


def combine_speedups(results) -> SwapSpeedup:
    """Mean relaxation times over independent starts (:class:`SwapSpeedup` each), with standard
    errors; the speed-up is the ratio of the means (a lower bound if any plain run did not
    relax: its tau counts as its run length)."""
    results = list(results)
    if not results:
        raise GlassmlError("no swap speed-up measurement to combine")
    ts = np.array([r.tau_swap for r in results], float)
    tp_raw = np.array([r.tau_plain for r in results], float)
    tp = np.array([min(r.tau_plain, r.plain_sweeps) if r.plain_sweeps else r.tau_plain for r in results], float)
    k = len(results)

    def mean_err(v):
        return float(v.mean()), (float(v.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan"))

    ms, es = mean_err(ts)
    mp, ep = mean_err(tp)
    speed = mp / ms if np.isfinite(ms) and ms > 0 else float("nan")
    err = speed * float(np.hypot(es / ms, ep / mp)) if k > 1 and np.isfinite(speed) else float("nan")
    first = results[0]
    return SwapSpeedup(first.temperature, ms, mp if np.all(np.isfinite(tp_raw)) else float("inf"), speed,
                       float(np.mean([r.swap_acceptance for r in results])),
                       float(np.mean([r.energy_per_particle for r in results])), first.n, first.model,
                       es, ep, err, float(np.min([r.equilibration_taus for r in results])),
                       all(r.energy_stationary for r in results), all(r.equilibrated for r in results), k,
                       int(max(r.plain_sweeps for r in results)), float(np.mean([r.fs_plain_end for r in results])))


def measure_swap_speedup(model="poly-swap-3d", n: int = 500, temperature: float = 0.15, *, seed: int = 0,
                         equilibration_sweeps: int = 2000, max_sweeps: int | None = 20000, q: float = 2 * np.pi,
                         record_every: int = 0, swap_sweeps: int | None = None, plain_sweeps: int | None = None,
                         starts: int = 1, per_decade: int = 8, skin: float = 0.8) -> SwapSpeedup:
    """Relaxation time (sweeps) of Fs(q, t) with swaps (p_swap 0.2) and without, same T, same start:
    :func:`glassml.simulate.swap.swap_and_plain_runs`, then :func:`swap_speedup`; with
    ``starts`` > 1, that many independent starts (seeds ``seed + 2 k``) combined by
    :func:`combine_speedups`.  ``swap_sweeps`` / ``plain_sweeps`` override ``max_sweeps`` for
    one run; positions on a logarithmic grid unless ``record_every`` is given."""
    from glassml.simulate.swap import swap_and_plain_runs

    out = []
    for k in range(int(starts)):
        runs = swap_and_plain_runs(model, n, temperature, seed=seed + 2 * k, equilibration_sweeps=equilibration_sweeps,
                                   max_sweeps=max_sweeps, swap_sweeps=swap_sweeps, plain_sweeps=plain_sweeps,
                                   record_every=record_every, per_decade=per_decade, skin=skin)
        out.append(swap_speedup(runs, q))
    return out[0] if len(out) == 1 else combine_speedups(out)
