#!/usr/bin/env python3
"""Turns the engine benchmark's JSON lines (from engine/benches/engine.rs, als.mjs and
moto_driver.py) into the table of BENCHMARKS.md: median time per execution, state transitions per
second (states entered / median time), and the ratios against each peer and the faster one.
Lines of one engine and workload from several rounds are pooled: the median is over all of them.

    report.py RESULTS.jsonl [--markdown OUT.md]

Targets (issue 3): >= 1,000,000 transitions/s on the Pass chain, and wfc >= 50x faster than the
faster peer on every workload, judged on `wfc` (Engine::run with its default options: history
off). Issue 15 adds: `wfc+history` (history recorded, as moto and aws-local-stepfunctions always
do) >= 20x faster than the faster peer on every workload.
"""
import argparse
import json
import statistics

ORDER = ["pass_chain", "map", "poll"]
LABELS = {
    "pass_chain": "Pass chain, 1,000 states",
    "map": "Map, 10,000 items (Pass body)",
    "poll": "Choice/Wait loop, 10,000 iterations (Wait 0 s)",
}
PASS_CHAIN_TARGET = 1_000_000
RATIO_TARGET = 50
HISTORY_RATIO_TARGET = 20


def fmt_ms(ms):
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 10:
        return f"{ms:.1f} ms"
    if ms >= 1:
        return f"{ms:.2f} ms"
    if ms >= 0.1:
        return f"{ms * 1000:.0f} µs"
    return f"{ms * 1000:.1f} µs"


def fmt_rate(per_s):
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M/s"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.1f} k/s"
    return f"{per_s:.0f} /s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows = {}
    for line in open(args.results):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if "reps_ms" in r:
            # Several rounds of one engine: the median is over all their repetitions.
            key = (r["engine"], r["workload"])
            if key in rows:
                for field in ("reps_ms", "wall_ms"):
                    if field in r:
                        rows[key][field] = rows[key][field] + r[field]
            else:
                rows[key] = r

    def median(engine, workload, key="reps_ms"):
        r = rows.get((engine, workload))
        return statistics.median(r[key]) if r and key in r else None

    out = []
    out.append("| workload (states entered) | wfc | wfc, history on | aws-local-stepfunctions | moto (StartExecution→stop) | "
               "wfc ÷ aws-local-sfn | wfc ÷ moto | wfc ÷ faster peer | ≥ 50× | history on ≥ 20× |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    verdicts = []
    for workload in ORDER:
        n = next((r["transitions"] for (e, w), r in rows.items() if w == workload), None)
        if n is None:
            continue
        cells = {}
        for engine in ["wfc", "wfc+history", "als", "moto"]:
            cells[engine] = median(engine, workload)

        def cell(engine):
            ms = cells[engine]
            if ms is None:
                return "–"
            text = f"{fmt_ms(ms)} ({fmt_rate(n / (ms / 1000))})"
            if engine == "moto":
                wall = median("moto", workload, "wall_ms")
                if wall is not None:
                    text += f"; wall {fmt_ms(wall)}"
            return text

        def ratio(peer, engine="wfc"):
            if cells[peer] is None or cells[engine] is None:
                return None
            return cells[peer] / cells[engine]

        peers = [p for p in ["als", "moto"] if cells[p] is not None]
        faster = min(peers, key=lambda p: cells[p]) if peers else None
        r_faster = ratio(faster) if faster else None
        r_faster_h = ratio(faster, "wfc+history") if faster else None
        met = r_faster is not None and r_faster >= RATIO_TARGET
        met_h = r_faster_h is not None and r_faster_h >= HISTORY_RATIO_TARGET
        verdicts.append((workload, r_faster, met, r_faster_h, met_h))
        name = {"als": "aws-local-sfn", "moto": "moto"}.get(faster, "–")
        rf = "–" if r_faster is None else f"**{r_faster:,.1f}×** ({name})"
        if r_faster_h is not None:
            rf += f"; history on {r_faster_h:,.1f}×"
        out.append(
            f"| {LABELS.get(workload, workload)} ({n:,}) | {cell('wfc')} | {cell('wfc+history')} | {cell('als')} | {cell('moto')} | "
            + " | ".join("–" if ratio(p) is None else f"{ratio(p):,.1f}×" for p in ["als", "moto"])
            + f" | {rf} | {'yes' if met else 'NO'} | {'yes' if met_h else 'NO'} |"
        )
    out.append("")
    chain = median("wfc", "pass_chain")
    if chain is not None:
        rate = rows[("wfc", "pass_chain")]["transitions"] / (chain / 1000)
        out.append(
            f"Pass chain: {rate:,.0f} state transitions/s (target ≥ {PASS_CHAIN_TARGET:,}): "
            + ("met." if rate >= PASS_CHAIN_TARGET else "MISSED.")
        )
    for workload, r, met, rh, met_h in verdicts:
        if r is not None:
            out.append(
                f"{LABELS.get(workload, workload)}: wfc is {r:,.1f}× faster than the faster peer "
                f"(target ≥ {RATIO_TARGET}×): " + ("met" if met else "MISSED")
                + ("" if rh is None else f"; history on {rh:,.1f}× (target ≥ {HISTORY_RATIO_TARGET}×): "
                   + ("met" if met_h else "MISSED")) + "."
            )
    text = "\n".join(out)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
