#!/usr/bin/env python3
"""Turns the raw results of bench/run into one table (stdout) and one JSON document.

Every figure is the median of the repetitions, with min and max; every ratio is computed per
repetition from figures measured in the same run, then summarised the same way."""

import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
import sys

# figure -> (results file pattern, benchmark name, counter)
GBENCH = {
    "decide_per_s": ("decide.json", "BM_decide", "decide_per_s"),
    "decide_floor_per_s": ("decide.json", "BM_decide_floor", "decide_floor_per_s"),
    "decide_evolve_per_s": ("decide.json", "BM_decide_and_evolve", "decide_evolve_per_s"),
    "keyed_hash_per_s": ("decide.json", "BM_keyed_hash", "keyed_hash_per_s"),
    "append_per_s": ("store.json", "BM_append", "append_per_s"),
    "raw_append_per_s": ("store.json", "BM_raw_append", "raw_append_per_s"),
    "raw_scan_per_s": ("store.json", "BM_raw_scan", "raw_scan_per_s"),
    "replay_per_s": ("store.json", "BM_replay", "replay_per_s"),
    "verify_per_s": ("store.json", "BM_verify", "verify_per_s"),
    "prove_per_s": ("store.json", "BM_prove", "prove_per_s"),
    "inclusion_proofs_per_s": ("store.json", "BM_inclusion_proof", "inclusion_proofs_per_s"),
    "bytes_per_token": ("memory-[0-9]*.json", "BM_bytes_per_token", "bytes_per_token"),
    "state_bytes_per_token": ("memory-state-*.json", "BM_state_bytes_per_token",
                              "state_bytes_per_token"),
    "startup_s": ("history.json", "BM_startup", "startup_s"),
    "startup_events": ("history.json", "BM_startup", "startup_events"),
    "as_of_p50_ms": ("history.json", "BM_as_of", "as_of_p50_ms"),
    "as_of_p99_ms": ("history.json", "BM_as_of", "as_of_p99_ms"),
    "sim_calls_per_s": ("sim.json", "BM_sim", "sim_calls_per_s"),
    "sim_peak_rss_mb": ("sim.json", "BM_sim", "sim_peak_rss_mb"),
}

HTTP = {"keyledger": "http_accepted", "ceiling": "http_ceiling", "bare": "http_bare"}

# ratio -> (numerator, denominator, goal as (comparison, value) or None)
RATIOS = {
    "http_ratio": ("http_accepted_per_s", "http_ceiling_per_s", (">=", 0.8)),
    "http_ceiling_to_bare": ("http_ceiling_per_s", "http_bare_per_s", None),
    "decide_ratio": ("decide_per_s", "decide_floor_per_s", (">=", 0.8)),
    "append_ratio": ("append_per_s", "raw_append_per_s", (">=", 0.5)),
    "replay_ratio": ("replay_per_s", "raw_scan_per_s", (">=", 0.5)),
    "verify_ratio": ("verify_per_s", "raw_scan_per_s", None),
    "prove_ratio": ("prove_per_s", "raw_scan_per_s", None),
}

# Absolute goals of issue 5.
LIMITS = {
    "bytes_per_token": ("<=", 300),
    "startup_s": ("<", 2.0),
    "as_of_p99_ms": ("<", 100.0),
}


def gbench_runs(results, pattern, bench, counter):
    values = []
    for path in sorted(glob.glob(os.path.join(results, pattern))):
        with open(path) as f:
            doc = json.load(f)
        for b in doc.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration":
                continue
            if b.get("run_name", b["name"]).split("/")[0] != bench:
                continue
            if b.get("error_occurred"):
                print(f"report: {bench} failed: {b.get('error_message')}", file=sys.stderr)
                continue
            if counter in b:
                values.append(float(b[counter]))
    return values


def http_runs(results, kind):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, f"http-{kind}-*.json"))):
        run = path.rsplit("-", 1)[1].removesuffix(".json")
        with open(path) as f:
            text = f.read().strip()
        if text:
            runs[run] = json.loads(text)
    return runs


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def meets(value, goal):
    op, bound = goal
    return {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[op]


def fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--repetitions", type=int, required=True)
    parser.add_argument("--json")
    args = parser.parse_args()

    per_run = {}  # figure -> list of values, in run order
    for figure, (pattern, bench, counter) in GBENCH.items():
        per_run[figure] = gbench_runs(args.results, pattern, bench, counter)
    http_latency = {}
    for kind, name in HTTP.items():
        runs = http_runs(args.results, kind)
        keys = sorted(runs)
        per_run[f"{name}_per_s"] = [runs[k]["accepted_per_s"] for k in keys]
        per_run[f"{name}_p50_ms"] = [runs[k]["p50_ms"] for k in keys]
        per_run[f"{name}_p99_ms"] = [runs[k]["p99_ms"] for k in keys]
        per_run[f"{name}_server_cpu_s"] = [runs[k].get("server_cpu_s", 0) for k in keys]
        errors = sum(runs[k]["non_2xx"] + runs[k]["socket_errors"] for k in keys)
        if errors:
            print(f"report: {kind}: {errors} answers were not 2xx or failed", file=sys.stderr)
        http_latency[kind] = errors

    doc = {"mode": args.mode, "repetitions": args.repetitions, "machine": machine(),
           "figures": {}, "ratios": {}, "goals": {}}
    for figure, values in per_run.items():
        s = summary(values)
        if s is not None:
            doc["figures"][figure] = s
            doc[figure] = s["median"]
    for ratio, (num, den, goal) in RATIOS.items():
        a, b = per_run.get(num, []), per_run.get(den, [])
        pairs = [x / y for x, y in zip(a, b) if y]
        s = summary(pairs)
        if s is None:
            continue
        doc["ratios"][ratio] = s
        doc[ratio] = s["median"]
        if goal:
            doc["goals"][ratio] = {"goal": f"{goal[0]} {goal[1]}", "met": meets(s["median"], goal)}
    for figure, goal in LIMITS.items():
        if figure in doc["figures"]:
            doc["goals"][figure] = {"goal": f"{goal[0]} {goal[1]}",
                                    "met": meets(doc["figures"][figure]["median"], goal)}

    rows = [("figure", "median", "min", "max", "goal")]
    for figure, s in doc["figures"].items():
        goal = doc["goals"].get(figure)
        rows.append((figure, fmt(s["median"]), fmt(s["min"]), fmt(s["max"]),
                     "" if goal is None else f"{goal['goal']} {'met' if goal['met'] else 'MISSED'}"))
    for ratio, s in doc["ratios"].items():
        goal = doc["goals"].get(ratio)
        rows.append((ratio, fmt(s["median"]), fmt(s["min"]), fmt(s["max"]),
                     "" if goal is None else f"{goal['goal']} {'met' if goal['met'] else 'MISSED'}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print(f"keyledger bench/run ({args.mode}, {args.repetitions} repetitions, "
          f"load average {doc['machine'].get('load_average', '?')})")
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j]) if j < 4 else c
                        for j, c in enumerate(r)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"written to {args.json}")


if __name__ == "__main__":
    main()
