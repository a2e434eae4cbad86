"""``spikesim info`` and ``spikesim plot``: the recording subcommands of the CLI.

The ``spikesim`` entry point (``simcore.cli``) adds them with::

    from monitors.cli import register
    register(subparsers)          # subparsers = parser.add_subparsers(...)
    args = parser.parse_args(argv)
    return args.func(args)        # an exit code

Each subcommand's ``func`` takes the parsed arguments and returns 0 on
success; errors are raised, and the entry points (``simcore.cli.main``,
:func:`main`) print them as one line on stderr with exit code 2
(:func:`report_error`; ``--debug`` prints the traceback).  ``python -m
monitors.cli`` runs them without the rest of the CLI.  ``info`` escapes
every non-printable character of the names it prints (a file cannot send
escape codes to the terminal).
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["register", "cmd_info", "cmd_plot", "format_info", "main", "report_error", "one_line"]


def one_line(exc: BaseException) -> str:
    """``exc`` as one line: its message with newlines and runs of spaces collapsed."""
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if not text or isinstance(exc, (MemoryError, KeyError, RuntimeError)) and type(exc).__name__ not in text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def report_error(prog: str, exc: BaseException, debug: bool = False) -> int:
    """Print ``exc`` as one line on stderr (its traceback too with ``debug``); return exit code 2."""
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
    return 130 if isinstance(exc, KeyboardInterrupt) else 2


def _fmt(x, unit=""):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:g}{unit}"
    return f"{x}{unit}"


def _network_lines(net) -> list[str]:
    if not net:
        return ["network: (not stored)"]
    if not isinstance(net, dict) or "raw" in net:
        return [f"network: {str(net)[:200]}"]
    name = net.get("name")
    lines = [f"network: {name}" if isinstance(name, str) else "network:"]
    for p in net.get("populations", []) or []:
        if isinstance(p, dict):
            name = p.get("name", "?")
            model = p.get("model", "?")
            size = p.get("n", p.get("size", "?"))
            params = p.get("params", p.get("parameters"))
            ptxt = ""
            if isinstance(params, dict) and params:
                items = [f"{k}={v}" for k, v in list(params.items())[:6]]
                ptxt = "  " + ", ".join(items) + (", ..." if len(params) > 6 else "")
            lines.append(f"  population {name}: {model} x {size}{ptxt}")
    for q in net.get("projections", []) or []:
        if isinstance(q, dict):
            src, tgt = q.get("source", q.get("pre", "?")), q.get("target", q.get("post", "?"))
            conn = q.get("connector", "?")
            size = q.get("n_synapses", q.get("size", "?"))
            rec = f" ({q['receptor']})" if q.get("receptor") else ""
            lines.append(f"  projection {src} -> {tgt}{rec}: {conn}, {size} synapses, delay {_delay(q)}")
    for s in net.get("stimuli", []) or []:
        if isinstance(s, dict):
            kind = s.get("stimulus", s.get("type", "?"))
            rec = f" ({s['receptor']})" if s.get("receptor") else ""
            lines.append(f"  stimulus {s.get('name', '?')}: {kind} -> {s.get('target', '?')}{rec}")
    for m in net.get("monitors", []) or []:
        if isinstance(m, dict):
            what = ", ".join(m["variables"]) if m.get("variables") else ""
            lines.append(
                f"  monitor {m.get('name', '?')}: {m.get('monitor', '?')} of "
                f"{m.get('population', '?')}" + (f" ({what})" if what else "")
            )
    known = ("populations", "projections", "stimuli", "monitors", "name", "settings")
    others = [k for k in net if k not in known]
    if others:
        lines.append("  also: " + ", ".join(others))
    return lines


def _delay(q) -> str:
    d = q.get("delay_steps", q.get("delays", q.get("delay")))
    if isinstance(d, dict) and "min" in d and "max" in d:
        return f"{d['min']} steps" if d["min"] == d["max"] else f"{d['min']}-{d['max']} steps"
    if isinstance(d, (int, float)):
        return f"{d:g} steps" if "delay_steps" in q else f"{d:g}"
    if isinstance(d, list) and d and all(isinstance(x, (int, float)) for x in d):
        return f"{min(d):g}-{max(d):g} steps" if min(d) != max(d) else f"{d[0]:g} steps"
    return "?" if d is None else str(d)


def format_info(info: dict) -> str:
    """The text ``spikesim info`` prints for ``info = file_info(path)``."""
    status = (
        "completed"
        if info["completed"]
        else (
            "INCOMPLETE" + (f" (stopped by {info['stop_reason']})" if info.get("stop_reason") else "")
            if info["completed"] is not None
            else "unknown (not a spikesim file)"
        )
    )
    out = [
        f"file: {info['path']}",
        f"format: {info['format'] or 'SONATA'} v{_fmt(info['format_version'])}, "
        f"spikesim {_fmt(info['spikesim_version'])}, created {_fmt(info['created_utc'])}",
        f"run: {status}; dt = {_fmt(info['dt'], ' ms')}, duration = {_fmt(info['duration'], ' ms')}, "
        f"batch = {_fmt(info['batch_size'])}, seed = {_fmt(info['seed'])}",
    ]
    if info["spikes"]:
        out.append("spikes:")
        for pop, e in info["spikes"].items():
            rate = "-" if e["rate_hz"] is None else f"{e['rate_hz']:.3g} Hz"
            span = "" if e["t_first"] is None else f", t in [{e['t_first']:g}, {e['t_last']:g}] ms"
            pol = f", {e['n_negative']} negative" if e["bipolar"] else ""
            out.append(
                f"  {pop}: {e['n_spikes']} spikes, {_fmt(e['n_nodes'])} neurons x "
                f"{e['batch_size']} samples, rate {rate}{span}{pol}, sorting {e['sorting']}"
            )
    else:
        out.append("spikes: none")
    if info["reports"]:
        out.append("reports:")
        for pop, variables in info["reports"].items():
            for var, e in variables.items():
                t0, t1, dt = e["time"]
                unit = f" [{e['unit']}]" if e["unit"] else ""
                where = f", in {e['file']}" if e.get("file") else ""
                out.append(
                    f"  {pop}.{var}{unit}: {e['rows']} rows x {e['n_nodes']} neurons x "
                    f"{e['batch_size']} samples ({e['dtype']}), t in [{t0:g}, {t1:g}) ms "
                    f"step {dt:g} ms{where}"
                )
    else:
        out.append("reports: none")
    for pop, e in (info.get("rates") or {}).items():
        out.append(f"rates {pop}: {e['rows']} rows x {e['columns']} samples ({e['units']})")
    out.extend(_network_lines(info["network"]))
    return "\n".join(out)


def _escape(text: str) -> str:
    """``text`` with every non-printable character (escape codes, newlines) escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def sanitize(obj):
    """``obj`` (the dict of ``file_info``) with every string, keys included, passed through ``_escape``."""
    if isinstance(obj, str):
        return _escape(obj)
    if isinstance(obj, dict):
        return {sanitize(k): sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [sanitize(v) for v in obj]
    return obj


def cmd_info(args) -> int:
    """``spikesim info FILE [--json]``: summarise a recording on stdout."""
    from .reader import file_info

    info = file_info(args.file)
    if args.json:
        print(json.dumps(info, indent=2, default=str))  # JSON escapes control characters itself
    else:
        print(format_info(sanitize(info)))
    return 0


def parse_window(text: str) -> tuple[float, float]:
    """``"START:STOP"`` (ms) -> ``(start, stop)``; ValueError naming ``--window`` otherwise."""
    parts = str(text).split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        start, stop = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"--window must be START:STOP in ms (e.g. 100:300); got {_escape(str(text))!r}") from None
    if not (
        start == start and stop == stop and abs(start) != float("inf") and abs(stop) != float("inf") and start < stop
    ):
        raise ValueError(f"--window must have finite START < STOP (ms); got {_escape(str(text))!r}")
    return start, stop


def parse_neurons(text: str):
    """``"LO:HI"`` (a range) or ``"K"`` (the first K) -> ``(lo, hi)``; ValueError naming ``--neurons``."""
    parts = str(text).split(":")
    try:
        if len(parts) == 1:
            lo, hi = 0, int(parts[0])
        elif len(parts) == 2:
            lo, hi = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"--neurons must be a count K or a range LO:HI of neuron ids (e.g. 200 or 0:200); "
            f"got {_escape(str(text))!r}"
        ) from None
    if not 0 <= lo < hi:
        raise ValueError(f"--neurons must satisfy 0 <= LO < HI (a count > 0); got {_escape(str(text))!r}")
    return lo, hi


def parse_sample(text: str):
    """``"all"`` -> None, ``"B"`` -> B; ValueError naming ``--sample`` otherwise."""
    if text == "all":
        return None
    try:
        sample = int(text)
    except ValueError:
        raise ValueError(f"--sample must be an int >= 0 or 'all'; got {_escape(str(text))!r}") from None
    if sample < 0:
        raise ValueError(f"--sample must be an int >= 0 or 'all'; got {sample}")
    return sample


def cmd_plot(args) -> int:
    """``spikesim plot FILE -o OUT``: raster, population rate and traces to an image."""
    from .plotting import plot_recording, require_matplotlib

    sample = parse_sample(args.sample)
    window = None if args.window is None else parse_window(args.window)
    neurons = None if args.neurons is None else parse_neurons(args.neurons)
    try:
        dpi = int(args.dpi)
        if dpi <= 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"--dpi must be an int > 0; got {_escape(str(args.dpi))!r}") from None
    require_matplotlib()
    plot_recording(
        args.file, out=args.output, population=args.population, sample=sample, dpi=dpi, window=window, neurons=neurons
    )
    print(f"wrote {_escape(str(args.output))}")
    return 0


def register(subparsers) -> None:
    """Add the ``info`` and ``plot`` subcommands to an argparse ``subparsers`` object."""
    p = subparsers.add_parser(
        "info",
        help="summarise a recording file",
        description="Print populations, spike counts and rates, reports, "
        "dt, duration, batch size, completion and the network.",
    )
    p.add_argument("file", help="HDF5 recording")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_info)

    p = subparsers.add_parser(
        "plot",
        help="plot a recording (needs matplotlib: the 'plot' extra)",
        description="Raster and population rate of one population, plus its recorded traces, saved to an image.",
    )
    p.add_argument("file", help="HDF5 recording")
    p.add_argument("-o", "--output", required=True, help="image to write (png, pdf, svg, ...)")
    p.add_argument("-p", "--population", default=None, help="population (default: the first with spikes)")
    p.add_argument(
        "-s",
        "--sample",
        default="0",
        help="sample to draw, or 'all': every sample stacked, a line between two (default 0)",
    )
    p.add_argument(
        "-w", "--window", default=None, metavar="START:STOP", help="time window in ms (default: the recorded span)"
    )
    p.add_argument(
        "-n",
        "--neurons",
        default=None,
        metavar="LO:HI|K",
        help="neurons LO <= id < HI, or the first K (default: all); above "
        "300 rows the raster is a density image (rate per time x neuron bin)",
    )
    p.add_argument("--dpi", default="100", help="resolution of a raster image (default 100)")
    p.set_defaults(func=cmd_plot)


def main(argv=None) -> int:
    """Run ``info``/``plot`` alone: ``python -m monitors.cli info FILE`` (``--debug``: tracebacks)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = argparse.ArgumentParser(prog="spikesim")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args([a for a in argv if a != "--debug"])
    try:
        return args.func(args)
    except (Exception, MemoryError, KeyboardInterrupt) as exc:  # noqa: BLE001 - the CLI's last word
        return report_error("spikesim", exc, debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
