"""Commands of glassml.microscopy: ``glassml microscopy render|locate|link|track``."""

from __future__ import annotations

from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json

microscopy_app = typer.Typer(help="Synthetic microscopy, localisation (trackpy, LodeSTAR), linking, tracks into datasets.",
                             no_args_is_help=True)
app.add_typer(microscopy_app, name="microscopy")

_PSF = typer.Option("gaussian", "--psf", help="Point-spread function: gaussian or airy.")
_PSF_SIZE = typer.Option(1.5, "--psf-size", help="PSF size in pixels: Gaussian sigma, or Airy first-zero radius.")


def _microscope(psf: str, psf_size: float, pixel_size: float, snr: float | None, photons: float, background: float,
                read_noise: float, blur_steps: int, exposure: float, depth_of_field: float | None, z_spread: float):
    from glassml.microscopy import Microscope, make_psf

    m = Microscope(psf=make_psf(psf, psf_size), pixel_size=pixel_size, photons=photons, background=background,
                   read_noise=read_noise, blur_steps=blur_steps, exposure=exposure, depth_of_field=depth_of_field,
                   z_spread=z_spread)
    return m.with_snr(snr) if snr is not None else m


@microscopy_app.command()
def render(
    source: Path = typer.Argument(..., help="A glassml dataset (or a file glassml convert reads) with trajectories."),
    out: Path = typer.Option(..., "--out", help="Output folder: frames/, truth.npz, render.json."),
    sample: str = typer.Option(None, "--sample", help="Sample to render (default: the first)."),
    replica: int = typer.Option(0, "--replica", help="Replica trajectory to render."),
    psf: str = _PSF,
    psf_size: float = _PSF_SIZE,
    pixel_size: float = typer.Option(0.1, "--pixel-size", help="Length units (particle diameters) per pixel."),
    snr: float = typer.Option(None, "--snr", help="Set the photons per particle to reach this SNR (overrides --photons)."),
    photons: float = typer.Option(500.0, "--photons", help="Expected photons per in-focus particle per frame."),
    background: float = typer.Option(10.0, "--background", help="Background photons per pixel."),
    read_noise: float = typer.Option(2.0, "--read-noise", help="Camera read noise (electrons rms)."),
    blur_steps: int = typer.Option(1, "--blur-steps", help="Motion blur: points on the path during the exposure (1: none)."),
    exposure: float = typer.Option(1.0, "--exposure", help="Exposure as a fraction of the frame interval."),
    depth_of_field: float = typer.Option(None, "--depth-of-field", help="Rayleigh range of the defocus model (default: none)."),
    z_spread: float = typer.Option(0.0, "--z-spread", help="2D trajectories: random heights in [-z, z] for defocus."),
    max_frames: int = typer.Option(None, "--max-frames", help="Render at most this many frames."),
    seed: int = typer.Option(0, "--seed", help="Seed of the camera noise."),
    force: bool = typer.Option(False, "--force", help="Start again in a folder made with other settings."),
    json_: bool = typer.Option(False, "--json", help="Print the render record as JSON."),
) -> None:
    """Render a trajectory as a TIFF image sequence with its ground truth (resumable)."""
    from glassml.microscopy.pipeline import render_stack

    m = _microscope(psf, psf_size, pixel_size, snr, photons, background, read_noise, blur_steps, exposure, depth_of_field, z_spread)
    record = render_stack(source, out, m, sample=sample, replica=replica, seed=seed, max_frames=max_frames, force=force,
                          show_progress=not json_)
    if json_:
        record.pop("times", None)
        print_json(record)
        return
    console.print(f"{record['n_frames']} frames of {record['shape'][1]}x{record['shape'][0]} pixels, SNR "
                  f"{record['microscope']['snr']:.3g}, in {out}", highlight=False)


@microscopy_app.command()
def locate(
    frames: Path = typer.Argument(..., help="A render folder, a folder of TIFF frames, or a multi-page TIFF."),
    out: Path = typer.Option(..., "--out", help="Output folder: detections per frame, locate.json."),
    method: str = typer.Option("trackpy", "--method", help="Localiser: trackpy or lodestar."),
    width: float = typer.Option(None, "--width", help="Spot width (Gaussian sigma, pixels); read from render.json if there."),
    steps: int = typer.Option(None, "--steps", help="LodeSTAR: training steps."),
    diameter: int = typer.Option(None, "--diameter", help="trackpy: feature diameter (odd; default by rule)."),
    minmass: float = typer.Option(None, "--minmass", help="trackpy: minimum mass (default by rule)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the LodeSTAR training."),
    force: bool = typer.Option(False, "--force", help="Start again in a folder made with other settings."),
    json_: bool = typer.Option(False, "--json", help="Print the locate record as JSON."),
) -> None:
    """Locate particles in every frame (trackpy or LodeSTAR); per-frame results, resumable."""
    from glassml.microscopy.pipeline import locate_stack

    options = _locator_options(method, steps, diameter, minmass)
    record = locate_stack(frames, out, method=method, width=width, seed=seed, force=force, show_progress=not json_,
                          options=options)
    if json_:
        print_json(record)
        return
    console.print(f"{record['n_detections']} detections in {record['n_frames']} frames ({method}), in {out}", highlight=False)


def _locator_options(method: str, steps, diameter, minmass) -> dict:
    from glassml.errors import GlassmlError

    options: dict = {}
    if method == "lodestar":
        if diameter is not None or minmass is not None:
            raise GlassmlError("--diameter and --minmass are trackpy options")
        if steps is not None:
            options["steps"] = steps
    elif method == "trackpy":
        if steps is not None:
            raise GlassmlError("--steps is a LodeSTAR option")
        if diameter is not None:
            options["diameter"] = diameter
        if minmass is not None:
            options["minmass"] = minmass
    return options


@microscopy_app.command()
def link(
    locate_dir: Path = typer.Argument(..., help="A locate folder."),
    out: Path = typer.Option(..., "--out", help="Output folder: tracks.npz, drift.npz, dataset/."),
    search_range: float = typer.Option(None, "--search-range", help="Largest displacement between frames (pixels; default: half the nearest-neighbour distance)."),
    memory: int = typer.Option(0, "--memory", help="Frames a particle may vanish for."),
    drift: bool = typer.Option(True, "--drift/--no-drift", help="Subtract the drift of the field of view."),
    pixel_size: float = typer.Option(None, "--pixel-size", help="Length units per pixel (default: from render.json, else 1)."),
    frame_interval: float = typer.Option(None, "--frame-interval", help="Time between frames (default: render times, else 1 frame)."),
    force: bool = typer.Option(False, "--force", help="Start again in a folder made with other settings."),
    json_: bool = typer.Option(False, "--json", help="Print the link record as JSON."),
) -> None:
    """Link detections into tracks, subtract drift, write the tracks as a glassml dataset."""
    from glassml.microscopy.pipeline import link_stack

    record = link_stack(locate_dir, out, search_range=search_range, memory=memory, subtract=drift, pixel_size=pixel_size,
                        frame_interval=frame_interval, force=force, show_progress=not json_)
    if json_:
        print_json(record)
        return
    console.print(f"{record['n_tracks']} complete tracks ({record['n_particles_linked']} linked) -> {record['dataset']}",
                  highlight=False)


@microscopy_app.command()
def track(
    source: Path = typer.Argument(..., help="A trajectory to render (dataset or file), or frames (render folder, TIFF folder or stack)."),
    out: Path = typer.Option(..., "--out", help="Output folder: render/, locate-METHOD/, link-METHOD/, report/."),
    method: str = typer.Option("trackpy", "--method", help="Localiser: trackpy or lodestar."),
    sample: str = typer.Option(None, "--sample", help="Sample to render (default: the first)."),
    replica: int = typer.Option(0, "--replica", help="Replica trajectory to render."),
    psf: str = _PSF,
    psf_size: float = _PSF_SIZE,
    pixel_size: float = typer.Option(0.1, "--pixel-size", help="Length units (particle diameters) per pixel when rendering."),
    snr: float = typer.Option(None, "--snr", help="Render at this SNR (overrides --photons)."),
    photons: float = typer.Option(500.0, "--photons", help="Expected photons per particle per frame when rendering."),
    background: float = typer.Option(10.0, "--background", help="Background photons per pixel when rendering."),
    read_noise: float = typer.Option(2.0, "--read-noise", help="Read noise (electrons rms) when rendering."),
    max_frames: int = typer.Option(None, "--max-frames", help="Render at most this many frames."),
    width: float = typer.Option(None, "--width", help="Spot width in pixels (frames not rendered here)."),
    steps: int = typer.Option(None, "--steps", help="LodeSTAR: training steps."),
    search_range: float = typer.Option(None, "--search-range", help="Linking search range (pixels)."),
    memory: int = typer.Option(0, "--memory", help="Frames a particle may vanish for."),
    drift: bool = typer.Option(True, "--drift/--no-drift", help="Subtract the drift of the field of view."),
    snrs: str = typer.Option(None, "--snrs", help="Comma-separated SNRs of the error-against-SNR study in the report."),
    seed: int = typer.Option(0, "--seed", help="Seed of the camera noise and the LodeSTAR training."),
    force: bool = typer.Option(False, "--force", help="Start again in folders made with other settings."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Render (if given a trajectory), locate, link, convert to a dataset, and report against the truth."""
    from glassml.errors import GlassmlError
    from glassml.microscopy.pipeline import track as run_track

    m = _microscope(psf, psf_size, pixel_size, snr, photons, background, read_noise, 1, 1.0, None, 0.0)
    try:
        snr_list = [float(s) for s in snrs.split(",")] if snrs else None
    except ValueError:
        raise GlassmlError(f"--snrs must be comma-separated numbers, got {snrs!r}") from None
    summary = run_track(source, out, method=method, microscope=m, sample=sample, replica=replica, max_frames=max_frames,
                        width=width, search_range=search_range, memory=memory, subtract=drift, snrs=snr_list, seed=seed,
                        force=force, show_progress=not json_, options=_locator_options(method, steps, None, None))
    if json_:
        summary.get("render", {}).pop("times", None)
        print_json(summary)
        return
    t = summary["tracks"]
    console.print(f"{t['n_tracks']} complete tracks -> {t['dataset']}", highlight=False)
    if "localisation" in summary:
        loc = summary["localisation"]
        console.print(f"static error {loc['static_error']:.4g} px ({loc['static_error_over_crb']:.3g} x CRB), precision "
                      f"{loc['precision']:.4f}, recall {loc['recall']:.4f}; report: {summary['report']}", highlight=False)
