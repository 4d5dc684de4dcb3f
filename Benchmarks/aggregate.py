#!/usr/bin/env python3
"""Fan-out benchmark: merge per-case outputs into JSON lines, and print markdown tables.

    aggregate.py record --forwarder F --mode M --n N --dir CASE_DIR [--status S] [--note TEXT]
        reads CASE_DIR/{rx,tx,meta}.json (any may be missing) and prints one JSON line.
    aggregate.py table RESULTS.jsonl
        prints the markdown tables.

Standard library only.
"""
import argparse
import json
import os
import sys

FORWARDER_ORDER = {"c-relay": 0, "gstreamer": 1, "sluice": 2}
RSS_NOISE_KB = 256  # RSS differences below this are page-granularity / timing noise
BUSY_WARN_CORES = 0.25  # other processes' CPU during a window above which a row gets a note
MODE_TITLES = {
    "max": "Throughput: sender as fast as possible (bursts), delivered rate measured at the receivers",
    "fixed": "Latency at a fixed input rate",
}


def load(path):
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    if not text:
        return None
    try:
        return json.loads(text.splitlines()[-1])
    except ValueError:
        return None


def record(args):
    rx = load(os.path.join(args.dir, "rx.json"))
    tx = load(os.path.join(args.dir, "tx.json"))
    meta = load(os.path.join(args.dir, "meta.json")) or {}
    status = args.status
    note = args.note or ""
    if status == "ok":
        if rx is None:
            status, note = "failed", note or "receiver produced no result"
        elif rx.get("packets", 0) == 0:
            status = "no-packets"
            note = note or f"{args.forwarder}: no packets forwarded"
    rec = {
        "forwarder": args.forwarder, "mode": args.mode, "n": args.n,
        "status": status, "note": note, "rx": rx, "tx": tx, "meta": meta,
    }
    print(json.dumps(rec, sort_keys=True))


def fmt_int(v):
    return "—" if v is None else f"{v:,.0f}"


def fmt_us(v):
    if v is None or v < 0:
        return "—"
    if v >= 10000:
        return f"{v / 1000:,.0f} ms"
    return f"{v:,.0f}"


def fmt_pct(frac):
    return "—" if frac is None or frac < 0 else f"{frac * 100:.0f}"


def fmt_per(v):
    if v is None:
        return "—"
    return v if isinstance(v, str) else f"{v:,.1f}"


def fmt_kb(v):
    return "—" if v is None or v < 0 else f"{v:,.0f}"


def table(args):
    recs = []
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    recs.sort(key=lambda r: (r["mode"] != "max", r["n"], FORWARDER_ORDER.get(r["forwarder"], 9)))
    yard = {}
    for r in recs:
        rx = r.get("rx") or {}
        if r["forwarder"] == "c-relay" and rx.get("per_core_pps", -1) > 0:
            yard[(r["mode"], r["n"])] = rx["per_core_pps"]

    out = []
    notes = []
    for mode in ("max", "fixed"):
        rows = [r for r in recs if r["mode"] == mode]
        if not rows:
            continue
        title = MODE_TITLES.get(mode, mode)
        if mode == "fixed":
            rates = sorted({(r["n"], (r.get("meta") or {}).get("rate_pps")) for r in rows
                            if (r.get("meta") or {}).get("rate_pps") is not None})
            title += " (" + ", ".join(f"N={n}: {fmt_int(rate)} pkts/s in" for n, rate in rates) + ")"
        out.append(f"### {title}\n")
        out.append("| forwarder | N | out pkts/s | CPU % | out pkts/s per core | p50 µs | p99 µs | ratio vs C relay |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            rx = r.get("rx") or {}
            name = r["forwarder"]
            if r["status"] in ("skipped", "failed"):
                out.append(f"| {name} | {r['n']} | {r['status']} | | | | | |")
                notes.append(f"- {name}, {mode}, N={r['n']}: {r['status']}: {r['note']}")
                continue
            pkts = rx.get("packets", 0)
            cpu = rx.get("fwd_cpu_frac")
            per_core = rx.get("per_core_pps") if pkts else 0
            ratio = "—"
            ref = yard.get((mode, r["n"]))
            if ref and per_core is not None and per_core >= 0:
                ratio = f"{per_core / ref:.2f}×"
            p50 = rx.get("lat_p50_us") if pkts else None
            p99 = rx.get("lat_p99_us") if pkts else None
            out.append(
                f"| {name} | {r['n']} | {fmt_int(rx.get('out_pps'))} | "
                f"{'—' if cpu is None or cpu < 0 else f'{cpu * 100:.1f}'} | "
                f"{fmt_int(per_core) if per_core is not None and per_core >= 0 else '—'} | "
                f"{fmt_us(p50)} | {fmt_us(p99)} | {ratio} |")
            if r["status"] == "no-packets":
                notes.append(f"- {name}, {mode}, N={r['n']}: {r['note'] or name + ': no packets forwarded'}")
            elif r.get("note"):
                notes.append(f"- {name}, {mode}, N={r['n']}: {r['note']}")
        out.append("")

    out.append("### Delivery and memory\n")
    out.append("| forwarder | mode | N | in pkts/s sent | in pkts/s delivered | loss % | sender CPU % "
               "| receiver CPU % | other processes CPU % | RSS before KB | RSS after consumers KB "
               "| RSS after traffic KB | KB per consumer | KB per consumer after traffic |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in recs:
        if r["status"] in ("skipped", "failed"):
            continue
        rx = r.get("rx") or {}
        tx = r.get("tx") or {}
        meta = r.get("meta") or {}
        before, after = meta.get("rss_before_kb"), meta.get("rss_after_kb")
        per = per_traffic = None
        if before is not None and after is not None and r["n"]:
            per = (after - before) / r["n"]
            if abs(after - before) < RSS_NOISE_KB:
                per = "≈0"
        end = rx.get("fwd_rss_kb_end")
        if before is not None and end is not None and end >= 0 and r["n"]:
            per_traffic = (end - before) / r["n"]
            if abs(end - before) < RSS_NOISE_KB:
                per_traffic = "≈0"
        # loss: only meaningful when the input is paced; then expected = sent rate x N
        loss = None
        if r["mode"] != "max" and tx.get("rate_pps") and rx.get("out_pps") is not None:
            loss = 100.0 * (1.0 - rx["out_pps"] / (tx["rate_pps"] * r["n"]))
        other = None
        parts = [rx.get("host_busy_cores"), rx.get("fwd_cpu_frac"), rx.get("rx_cpu_frac"), tx.get("cpu_frac")]
        if all(v is not None and v >= 0 for v in parts):
            other = max(0.0, parts[0] - parts[1] - parts[2] - parts[3])
            if other > BUSY_WARN_CORES:
                notes.append(f"- {r['forwarder']}, {r['mode']}, N={r['n']}: machine not idle: other processes "
                             f"used {other * 100:.0f} % of a core during the window; treat this row with care")
        out.append(
            f"| {r['forwarder']} | {r['mode']} | {r['n']} | {fmt_int(tx.get('rate_pps'))} | "
            f"{fmt_int(rx.get('in_pps_delivered')) if rx.get('packets') else '0'} | "
            f"{'—' if loss is None else f'{max(loss, 0.0):.1f}'} | "
            f"{fmt_pct(tx.get('cpu_frac'))} | {fmt_pct(rx.get('rx_cpu_frac'))} | {fmt_pct(other)} | "
            f"{fmt_kb(before)} | {fmt_kb(after)} | {fmt_kb(rx.get('fwd_rss_kb_end'))} | "
            f"{fmt_per(per)} | {fmt_per(per_traffic)} |")
    out.append("")
    if notes:
        out.append("Notes:\n")
        out.extend(notes)
        out.append("")
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("record")
    rp.add_argument("--forwarder", required=True)
    rp.add_argument("--mode", required=True)
    rp.add_argument("--n", type=int, required=True)
    rp.add_argument("--dir", required=True)
    rp.add_argument("--status", default="ok")
    rp.add_argument("--note", default="")
    tp = sub.add_parser("table")
    tp.add_argument("results")
    args = ap.parse_args()
    if args.cmd == "record":
        record(args)
    else:
        table(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
