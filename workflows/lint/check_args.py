#!/usr/bin/env python3
"""Checks every hiclstm-* command line in the workflow's process scripts against the real
argument parser of that binary.

Each module's `script:` block is interpolated with sample values (below) under several
scenarios: optional flags present or absent, and each allowed value of enumerated inputs
(baseline methods, edit kinds) in turn. Every resulting command is run with
HICLSTM_CHECK_ARGS=1, which makes a hiclstm binary exit right after parsing its arguments.

usage: check_args.py BIN_DIR [WORKFLOWS_DIR]
"""
import glob
import itertools
import os
import re
import shlex
import subprocess
import sys

# Sample values of the Groovy expressions the scripts use; a list gives one value per scenario.
SAMPLES = {
    "task.cpus": "2",
    "task.process": "HICLSTM_STEP",
    "task.accelerator": ["", "1"],
    "meta.id": "sample",
    "meta.preset": ["toy", "small", "human"],
    "meta.resolution": "50000",
    "meta.seed": "1",
    "meta.format": ["pairs", "hic", "cool", "valid-pairs", "juicer-text"],
    "meta.chromosomes": "chr21,chr22",
    "map": "sample.pairs.gz",
    "contacts": "sample.contacts.parquet",
    "config": "model.yaml",
    "model": "sample",
    "predictions": "sample.predictions.parquet",
    "training_log": "training_log.parquet",
    "method": ["pca", "sci"],
    "tasks": "tasks.yaml",
    "tads": "tads.bed",
    "sites": "sites.bed",
    "anchors": "loops.bedpe",
    "params.seed": "1",
    "params.model_preset": ["representations", "reconstruction"],
    "params.device": ["auto", "cpu", "cuda", "cuda:1"],
    "params.evaluate_region": "chr1:1-1,000,000",
    "edit.id": "dup",
    "edit.edit": ["delete", "invert", "duplicate", "knockout", "ctcf-swap"],
    "edit.at": "chr1:1,000,001-2,000,000",
    "edit.method": ["zero", "mean", "shift"],
    "edit.neighbours": "2",
    "edit.window": "chr1:1-5,000,000",
    "edit.max_distance": "2000000",
    "task.ext.args": "",
    "task.ext.prefix": "",
}
# Variables built with Groovy collection code: their values per scenario, by module.
COMPUTED = {
    ("classify", "reps"): ["hiclstm=reps1/representations.parquet pca=reps2/sample.pca.representations.parquet"],
    ("attribute", "elements"): ["--elements ctcf=elements1/ctcf.bed tss=elements2/tss.bed", ""],
}
SCENARIOS = 6


class Unknown(Exception):
    pass


def leaf(expr, scenario):
    if expr not in SAMPLES:
        raise Unknown(expr)
    v = SAMPLES[expr]
    return v[scenario % len(v)] if isinstance(v, list) else v


def interpolate(text, env, scenario):
    """Groovy GString interpolation of ${expr} and $name.path, leaving \\$ alone."""
    def sub(m):
        expr = m.group(1) or m.group(2)
        return evaluate(expr.strip(), env, scenario)
    text = re.sub(r"(?<!\\)\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_.]*))", sub, text)
    return text.replace("\\$", "$").replace("\\\\", "\\")


def evaluate(expr, env, scenario):
    expr = expr.strip()
    if expr in env:
        return env[expr]
    m = re.fullmatch(r"(.+?)\s*\?:\s*(.+)", expr)
    if m:
        first = evaluate(m.group(1), env, scenario)
        return first if first else evaluate(m.group(2), env, scenario)
    m = re.fullmatch(r"([^?]+?)\s*\?\s*(.+?)\s*:\s*(.+)", expr)
    if m:
        on = scenario % 2 == 0
        return evaluate(m.group(2) if on else m.group(3), env, scenario)
    if re.fullmatch(r'"(.*)"', expr, re.S):
        return interpolate(expr[1:-1], env, scenario)
    if re.fullmatch(r"'(.*)'", expr, re.S):
        return expr[1:-1]
    return leaf(expr, scenario)


def scripts(path):
    """(process name, preamble assignments, script body) for each process in a module."""
    src = open(path).read()
    for m in re.finditer(r"^process\s+(\w+)\s*\{(.*?)^\}", src, re.S | re.M):
        name, block = m.group(1), m.group(2)
        s = re.search(r"^\s*script:\s*$(.*?)^\s*stub:\s*$", block, re.S | re.M)
        if not s:
            s = re.search(r"^\s*script:\s*$(.*)", block, re.S | re.M)
        script = s.group(1)
        pre, body = script.split('"""', 1)[0], script.split('"""')[1]
        assigns = re.findall(r"^\s*(?:def\s+)?([A-Za-z_]\w*)\s*=\s*(.+?)\s*$", pre, re.M)
        yield name, assigns, body


def commands(body):
    """The shell commands of a script body that run a hiclstm binary."""
    text = re.sub(r"\\[ \t]*\n", " ", body)
    out = []
    for line in text.split("\n"):
        words = shlex.split(line, comments=True) if line.strip() else []
        if words and words[0].startswith("hiclstm-"):
            out.append(words)
    return out


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failures, checked = [], 0
    for path in sorted(glob.glob(os.path.join(root, "modules", "**", "main.nf"), recursive=True)):
        module = os.path.basename(os.path.dirname(path))
        for name, assigns, body in scripts(path):
            seen = set()
            for scenario in range(SCENARIOS):
                env = {}
                try:
                    for var, expr in assigns:
                        if (module, var) in COMPUTED:
                            vals = COMPUTED[(module, var)]
                            env[var] = vals[scenario % len(vals)]
                        else:
                            env[var] = evaluate(expr, env, scenario)
                    cmds = commands(interpolate(body, env, scenario))
                except Unknown as e:
                    failures.append(f"{path}: {name}: no sample value for the expression '{e}' (add it to SAMPLES in {__file__})")
                    break
                if not cmds:
                    failures.append(f"{path}: {name}: no hiclstm-* command in the script")
                    break
                for words in cmds:
                    key = tuple(words)
                    if key in seen:
                        continue
                    seen.add(key)
                    exe = os.path.join(bin_dir, words[0])
                    if not os.path.isfile(exe):
                        failures.append(f"{path}: {name}: {words[0]} is not a hiclstm binary (not in {bin_dir})")
                        continue
                    r = subprocess.run([exe] + words[1:], env=dict(os.environ, HICLSTM_CHECK_ARGS="1"), capture_output=True, text=True)
                    checked += 1
                    if r.returncode != 0:
                        failures.append(f"{path}: {name}: `{shlex.join(words)}` is refused by {words[0]}:\n    " + r.stderr.strip().replace("\n", "\n    "))
    for f in failures:
        print(f, file=sys.stderr)
    print(f"check_args: {checked} command lines checked against their binaries' parsers, {len(failures)} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
