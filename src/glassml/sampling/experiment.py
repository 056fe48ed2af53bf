"""The whole study on one (q, c): thresholds, local and tempered sampling, network acceptance
against N, sequential tempering, written to a directory and turned into figures.

Each stage writes ``<stage>.json`` atomically (temporary file, fsync, rename) and is skipped
when its file is already there with the same settings, so an interrupted run resumes.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError
from glassml.jsonutil import dumps
from glassml.progress import ProgressBar, say
from glassml.sampling.cavity import transitions
from glassml.sampling.diagnostics import (fit_exponential_decay, integrated_autocorrelation_time, jeffreys_per_spin,
                                          kl_per_spin, mean_with_error, planted_overlap)
from glassml.sampling.local import LocalMonteCarlo, random_configurations
from glassml.sampling.made import MADE
from glassml.sampling.potts import GRAPH_KINDS, PottsGraph, paramagnetic_energy, planted
from glassml.sampling.tempering import ParallelTempering, SequentialTempering


@dataclass
class PottsStudy:
    """Settings of a study (every field is recorded in the output).

    ``temperature`` is the working temperature of the acceptance scan (below T_d for the
    paper's result); ``temperatures`` the ladder of the energy and autocorrelation curves.
    """

    q: int = 4
    c: float = 12
    n: int = 256
    kind: str = "regular"
    temperature: float = 0.43
    temperatures: list[float] = field(default_factory=lambda: [1.0, 0.8, 0.65, 0.55, 0.5, 0.47, 0.45, 0.43, 0.41])
    sizes: list[int] = field(default_factory=lambda: [32, 64, 128, 256, 512])
    n_train: int = 1024
    n_proposals: int = 2048
    sweeps: int = 2000
    hidden: int = 64
    epochs: int = 30
    st_samples: int = 256
    cavity_population: int = 5000
    seed: int = 0
    graph_file: str | None = None

    def check(self) -> None:
        if int(self.q) < 2:
            raise GlassmlError(f"--q {self.q}: a Potts model needs q >= 2 colours")
        if self.graph_file is None and self.c >= self.n:
            raise GlassmlError(f"--c {self.c} with --n {self.n}: the connectivity must be smaller than the number of nodes")
        if self.kind not in GRAPH_KINDS:
            raise GlassmlError(f"--graph {self.kind!r} is not one of {', '.join(GRAPH_KINDS)}")
        if self.temperature <= 0 or any(t <= 0 for t in self.temperatures):
            raise GlassmlError("temperatures must be positive")
        if any(s <= self.c for s in self.sizes) and self.graph_file is None:
            raise GlassmlError(f"--sizes {self.sizes}: every size must exceed the connectivity {self.c}")


def _write_json(path: Path, payload: dict) -> None:
    from glassml.store.npzio import atomic_write_bytes

    atomic_write_bytes(path, dumps(payload).encode())


def _stage(out: Path, name: str, study: PottsStudy, compute, show: bool) -> dict:
    path = out / f"{name}.json"
    settings = asdict(study)
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except json.JSONDecodeError:
            old = {}
        if old.get("settings") == settings:
            say(show, f"[dim]{name}: already done[/dim]")
            return old
    say(show, f"[bold]{name}[/bold]")
    t0 = time.perf_counter()
    result = compute()
    result = {"settings": settings, "seconds": time.perf_counter() - t0, **result}
    _write_json(path, result)
    return json.loads(dumps(result))


def instance(study: PottsStudy, n: int | None = None, seed_offset: int = 0, temperature: float | None = None) -> PottsGraph:
    """The study's graph: planted at ``temperature`` (default: the working temperature), or the graph file."""
    if study.graph_file is not None:
        from glassml.sampling.potts import read_graph

        return read_graph(study.graph_file, study.q)
    t = study.temperature if temperature is None else temperature
    return planted(study.q, study.c, n or study.n, temperature=t, kind=study.kind, seed=study.seed + seed_offset)


def equilibrium_samples(graph: PottsGraph, temperature: float, n_samples: int, sweeps: int, seed: int) -> np.ndarray:
    """Equilibrium configurations of a planted instance at its planting temperature: local MC
    chains started from the planted colouring (an equilibrium configuration by quiet planting)."""
    if graph.planted is None:
        raise GlassmlError("equilibrium samples below T_d need a planted instance")
    start = np.repeat(graph.planted[None], n_samples, axis=0)
    return LocalMonteCarlo(graph, temperature, seed=seed).run(start, sweeps, record=False).spins_


def acceptance_at_size(study: PottsStudy, n: int, show: bool = False) -> dict:
    """Train a MADE on equilibrium samples of a planted instance of size n at the working
    temperature and measure the Metropolis–Hastings acceptance of its proposals."""
    t = study.temperature
    g = instance(study, n=n, seed_offset=n)
    train = equilibrium_samples(g, t, study.n_train, max(20, study.sweeps // 20), seed=study.seed + n)
    held = equilibrium_samples(g, t, study.n_proposals, max(20, study.sweeps // 20), seed=study.seed + n + 1)
    net = MADE(n, study.q, hidden=study.hidden, epochs=study.epochs, seed=study.seed).fit(train, show_progress=show)
    prop, lpa_prop = net.sample(study.n_proposals, seed=study.seed + 3)
    lpa_held = net.log_prob(held)
    log_ratio = (-(g.energy(prop) - g.energy(held)) / t + lpa_held - lpa_prop).astype(float)
    acc = np.minimum(1.0, np.exp(np.minimum(log_ratio, 0.0)))
    return {"n": n, "acceptance": float(acc.mean()), "acceptance_error": float(acc.std() / np.sqrt(len(acc))),
            "kl_per_spin": kl_per_spin(g, t, held, lpa_held),
            "jeffreys_per_spin": jeffreys_per_spin(g, t, held, lpa_held, prop, lpa_prop),
            "train_nll_per_spin": float(net.loss_[-1]),
            "proposal_energy": float(g.energy(prop).mean() / n), "equilibrium_energy": float(g.energy(held).mean() / n),
            "planted_energy": g.planted_energy(), "paramagnetic_energy": paramagnetic_energy(t, study.q, study.c),
            "network_parameters": net.n_parameters()}


def run_study(out: str | Path, study: PottsStudy, show_progress: bool = True, stages: tuple[str, ...] | None = None) -> dict:
    """Run every stage (``thresholds``, ``local``, ``tempering``, ``acceptance``, ``sequential``)
    into ``out``; returns the summary also written to ``out/summary.json``."""
    study.check()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GlassmlError("exists and is not a directory", out)
    out.mkdir(parents=True, exist_ok=True)
    stages = stages or ("thresholds", "local", "tempering", "acceptance", "sequential")
    res: dict = {}
    show = show_progress

    if "thresholds" in stages:
        res["thresholds"] = _stage(out, "thresholds", study, lambda: transitions(
            study.q, study.c, kind=study.kind, population=study.cavity_population, iterations=150,
            tolerance=0.01, seed=study.seed).as_dict(), show)

    ladder = sorted(study.temperatures, reverse=True)

    def local_stage() -> dict:
        rows = []
        with ProgressBar(show, total=len(ladder), label="local MC") as bar:
            for k, t in enumerate(ladder):
                g = instance(study, temperature=t, seed_offset=1000 + k)
                row = {"temperature": t, "paramagnetic_energy": paramagnetic_energy(t, study.q, g.c)}
                for start in ("random", "planted") if g.planted is not None else ("random",):
                    s0 = random_configurations(g, 1, study.seed + k) if start == "random" else g.planted[None]
                    mc = LocalMonteCarlo(g, t, seed=study.seed + k).run(s0, study.sweeps)
                    trace = mc.energy_trace_[:, 0] / g.n_nodes
                    half = trace[len(trace) // 2:]
                    mean, err = mean_with_error(half)
                    row[start] = {"energy": mean, "energy_error": err,
                                  "tau_sweeps": integrated_autocorrelation_time(half),
                                  "overlap": None if g.planted is None else float(planted_overlap(mc.spins_[0], g.planted, g.q)[0]),
                                  "trace": trace[:: max(1, len(trace) // 200)].tolist()}
                rows.append(row)
                bar.advance()
        return {"rows": rows}

    if "local" in stages:
        res["local"] = _stage(out, "local", study, local_stage, show)

    def tempering_stage() -> dict:
        g = instance(study)
        pt = ParallelTempering(g, ladder, seed=study.seed).run(study.sweeps, show_progress=show)
        half = pt.energy_trace_[study.sweeps // 2:] / g.n_nodes
        return {"temperatures": ladder, "energy": half.mean(0).tolist(),
                "energy_error": [mean_with_error(half[:, k])[1] for k in range(len(ladder))],
                "swap_acceptance": pt.swap_acceptance_.tolist(),
                "overlap": planted_overlap(pt.spins_, g.planted, g.q).tolist(),
                "planted_temperature": g.planted_temperature, "planted_energy": g.planted_energy()}

    if "tempering" in stages and study.graph_file is None:
        res["tempering"] = _stage(out, "tempering", study, tempering_stage, show)

    def acceptance_stage() -> dict:
        rows = []
        with ProgressBar(show, total=len(study.sizes), label="network acceptance vs N") as bar:
            for n in study.sizes:
                rows.append(acceptance_at_size(study, n))
                bar.advance()
        fit = fit_exponential_decay([r["n"] for r in rows], [r["acceptance"] for r in rows])
        return {"temperature": study.temperature, "rows": rows, "fit": fit}

    if "acceptance" in stages and study.graph_file is None:
        res["acceptance"] = _stage(out, "acceptance", study, acceptance_stage, show)

    def sequential_stage() -> dict:
        g = instance(study)
        st_ladder = [t for t in ladder if t >= study.temperature]  # down to the planting temperature
        st = SequentialTempering(g, st_ladder, n_samples=study.st_samples, global_steps=4, local_sweeps=2,
                                 initial_sweeps=200, network={"hidden": study.hidden, "epochs": study.epochs},
                                 seed=study.seed).run(show_progress=show)
        return {"temperatures": st_ladder, "energy": st.energy_.tolist(), "acceptance": st.acceptance_.tolist(),
                "planted_energy": g.planted_energy(), "paramagnetic_energy": paramagnetic_energy(
                    np.array(st_ladder), study.q, g.c).tolist(),
                "overlap": float(np.mean(planted_overlap(st.spins_, g.planted, g.q)))}

    if "sequential" in stages and study.graph_file is None:
        res["sequential"] = _stage(out, "sequential", study, sequential_stage, show)

    summary = summarize(res, study)
    _write_json(out / "summary.json", summary)
    return summary


def summarize(res: dict, study: PottsStudy) -> dict:
    """The headline numbers of a study."""
    s: dict = {"settings": asdict(study)}
    if "thresholds" in res:
        s["dynamic_temperature"] = res["thresholds"]["dynamic_temperature"]
        s["condensation_temperature"] = res["thresholds"]["condensation_temperature"]
    if "acceptance" in res:
        s["acceptance_rate_per_spin"] = res["acceptance"]["fit"]["rate"]
        s["acceptance"] = {r["n"]: r["acceptance"] for r in res["acceptance"]["rows"]}
        s["kl_per_spin"] = {r["n"]: r["kl_per_spin"] for r in res["acceptance"]["rows"]}
        s["jeffreys_per_spin"] = {r["n"]: r["jeffreys_per_spin"] for r in res["acceptance"]["rows"]}
    if "sequential" in res:
        s["sequential_final_energy"] = res["sequential"]["energy"][-1]
        s["planted_energy"] = res["sequential"]["planted_energy"]
    if "tempering" in res:
        s["swap_acceptance"] = res["tempering"]["swap_acceptance"]
    return s


def load_study(out: str | Path) -> dict:
    """Every stage file of a study directory."""
    out = Path(out)
    if not out.is_dir():
        raise GlassmlError("not a study directory (run `glassml sampling run` first)", out)
    res = {}
    for name in ("thresholds", "local", "tempering", "acceptance", "sequential", "summary"):
        p = out / f"{name}.json"
        if p.is_file():
            try:
                res[name] = json.loads(p.read_text())
            except json.JSONDecodeError:
                raise GlassmlError("not valid JSON; delete it and run again", p) from None
    if not res:
        raise GlassmlError("no results here (run `glassml sampling run` first)", out)
    return res


def write_report(out: str | Path) -> list[Path]:
    """Figures of a study directory: acceptance decay, autocorrelation times, energy against
    temperature with T_d and T_K marked.  Returns the PNG paths (written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml.store.npzio import atomic_target

    out = Path(out)
    res = load_study(out)
    th = res.get("thresholds", {})
    written = []

    def save(fig, name):
        with atomic_target(out / name, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(out / name)

    def mark(ax):
        for key, label, style in (("dynamic_temperature", "$T_d$", "--"), ("condensation_temperature", "$T_K$", ":")):
            if th.get(key) is not None:
                ax.axvline(th[key], color="k", ls=style, lw=1, label=f"{label} = {th[key]:.3f}")

    if "acceptance" in res:
        a = res["acceptance"]
        n = np.array([r["n"] for r in a["rows"]])
        acc = np.array([r["acceptance"] for r in a["rows"]])
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        ax.semilogy(n, np.where(acc > 0, acc, np.nan), "o", label="MADE proposals")
        f = a["fit"]
        xs = np.linspace(n.min(), n.max(), 50)
        ax.semilogy(xs, f["prefactor"] * np.exp(-f["rate"] * xs), "-", label=f"exp(-{f['rate']:.4f} N)")
        ax.set_xlabel("N")
        ax.set_ylabel("acceptance")
        ax.set_title(f"T = {a['temperature']}")
        ax.legend()
        save(fig, "acceptance.png")
    if "local" in res:
        rows = res["local"]["rows"]
        t = np.array([r["temperature"] for r in rows])
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        for start in ("random", "planted"):
            if start in rows[0]:
                ax.semilogy(t, [r[start]["tau_sweeps"] for r in rows], "o-", label=f"from {start}")
        mark(ax)
        ax.set_xlabel("T")
        ax.set_ylabel("energy autocorrelation time (sweeps)")
        ax.legend()
        save(fig, "autocorrelation.png")
        fig, ax = plt.subplots(figsize=(4.5, 3.4))
        tt = np.linspace(t.min(), t.max(), 100)
        q, c = res["local"]["settings"]["q"], res["local"]["settings"]["c"]
        ax.plot(tt, paramagnetic_energy(tt, q, c), "k-", lw=1, label="paramagnet (exact)")
        ax.plot(t, [r["random"]["energy"] for r in rows], "o", label="local MC from random")
        if "planted" in rows[0]:
            ax.plot(t, [r["planted"]["energy"] for r in rows], "s", mfc="none", label="local MC from planted")
        if "tempering" in res:
            ax.plot(res["tempering"]["temperatures"], res["tempering"]["energy"], "^", label="parallel tempering")
        if "sequential" in res:
            ax.plot(res["sequential"]["temperatures"], res["sequential"]["energy"], "v", label="sequential tempering")
        mark(ax)
        ax.set_xlabel("T")
        ax.set_ylabel("energy per node")
        ax.legend(fontsize=7)
        save(fig, "energy.png")
    return written
