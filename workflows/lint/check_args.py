#!/usr/bin/env python3
"""Checks every hiclstm-* command line in the workflow's process scripts against the real
argument parser of that binary.

Each module's `script:` block is interpolated with sample values (below) under several
scenarios: optional flags present or absent, and each allowed value of enumerated inputs
(baseline methods, edit kinds) in turn. `task.ext.args` is the process's `ext.args` closure of
conf/modules.config, evaluated under the same scenario (the params-derived options such as
--device and --seed come that way; the free-form *_args params count as empty). Every
resulting command is run with HICLSTM_CHECK_ARGS=1, which makes a hiclstm binary exit right
after parsing its arguments (files are not read). A YAML file the script writes with a heredoc
and passes as --edit-spec is checked here instead: one `key: value` per line, each key once,
the keys those of an entry of the `edits` param in nextflow_schema.json, the required ones there.

usage: check_args.py BIN_DIR [WORKFLOWS_DIR]
"""
import glob
import json
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
    "meta.depth": "0.25",
    "map": "sample.pairs.gz",
    "contacts": "sample.contacts.parquet",
    "config": "model.yaml",
    "model": "sample",
    "predictions": "sample.predictions.parquet",
    "training_log": "training_log.parquet",
    "method": ["pca", "sci"],
    "tasks": "tasks.yaml",
    "tads": "tads.bed",
    "orient": "genes.bedGraph",
    "trans": ["sample.trans.parquet", ""],
    "params.trans": ["true", ""],
    "chrom": "chr21",
    "parts": "parts1/sample.chr21.attributions.parquet parts2/sample.chr22.attributions.parquet",
    "sites": "sites.bed",
    "anchors": "loops.bedpe",
    "observed_wt": "observed_wt/wt.contacts.parquet",
    "observed_mutant": "observed_mutant/mutant.contacts.parquet",
    "params.seed": "1",
    "params.model_preset": ["representations", "default", "reconstruction", "paper"],
    "params.device": ["auto", "cpu", "cuda", "cuda:1"],
    "params.evaluate_region": "chr1:1-1,000,000",
    "params.cooler": ["mcool", "cool"],
    "bins": "sample.bins.parquet",
    "edit.id": "dup",
    "edit.edit": ["delete", "invert", "duplicate", "knockout", "ctcf-swap"],
    "edit.at": "chr1:1,000,001-2,000,000",
    "edit.method": ["zero", "mean", "shift"],
    "edit.neighbours": "2",
    "edit.together": "true",
    "edit.orientation": "convergent-to-divergent",
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


# The free-form extra arguments of a step (params.<step>_args, appended to ext.args) are the
# user's own: empty here.
EXTRA_ARGS = re.compile(r"params\.\w+_args")


class Unknown(Exception):
    pass


def leaf(expr, scenario):
    if EXTRA_ARGS.fullmatch(expr):
        return ""
    if expr not in SAMPLES:
        raise Unknown(expr)
    v = SAMPLES[expr]
    return v[scenario % len(v)] if isinstance(v, list) else v


# Groovy expressions are split only outside string literals (whose ${...} may hold quotes,
# colons and question marks of their own) and brackets.
BRACKETS = {"(": ")", "[": "]", "{": "}"}


def skip_string(text, i):
    """The index just past the string literal that opens at text[i]."""
    quote, i = text[i], i + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        elif quote == '"' and text.startswith("${", i):
            i = close(text, i + 1) + 1
        else:
            i += 1
    raise Unknown(f"unterminated string in {text}")


def close(text, i):
    """The index of the bracket that closes the one at text[i]."""
    stack, i = [BRACKETS[text[i]]], i + 1
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = skip_string(text, i)
            continue
        if c in BRACKETS:
            stack.append(BRACKETS[c])
        elif c in ")]}":
            if c != stack.pop():
                break
            if not stack:
                return i
        i += 1
    raise Unknown(f"unbalanced brackets in {text}")


def top_level(text):
    """Indices of the characters of text outside string literals and brackets."""
    i = 0
    while i < len(text):
        if text[i] in "'\"":
            i = skip_string(text, i)
        elif text[i] in BRACKETS:
            i = close(text, i) + 1
        else:
            yield i
            i += 1


def find_top(text, test, start=0):
    return next((i for i in top_level(text) if i >= start and test(i)), -1)


def interpolate(text, env, scenario):
    """Groovy GString interpolation of ${expr} and $name.path, leaving \\$ alone."""
    def sub(m):
        expr = m.group(1) or m.group(2)
        return evaluate(expr.strip(), env, scenario)
    text = re.sub(r"(?<!\\)\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_.]*))", sub, text)
    return text.replace("\\$", "$").replace("\\\\", "\\")


def evaluate(expr, env, scenario):
    """A Groovy expression of the scripts and ext.args closures: a name (env or SAMPLES), a
    string literal, `a ?: b`, `cond ? a : b` (on in even scenarios; cond is not evaluated), and
    `[a, b, ...].join(' ')` with an optional `.trim()`."""
    expr = expr.strip()
    if expr in env:
        return env[expr]
    if expr[:1] in ("'", '"') and skip_string(expr, 0) == len(expr):
        return interpolate(expr[1:-1], env, scenario) if expr[0] == '"' else expr[1:-1]
    if expr.startswith("["):
        end = close(expr, 0)
        m = re.fullmatch(r"\s*\.join\(\s*'([^']*)'\s*\)\s*(\.trim\(\s*\))?\s*", expr[end + 1:])
        if m:
            items = [e for e in split_top(expr[1:end], ",") if e.strip()]
            joined = m.group(1).join(evaluate(e, env, scenario) for e in items)
            return joined.strip() if m.group(2) else joined
    i = find_top(expr, lambda i: expr.startswith("?:", i))
    if i >= 0:
        first = evaluate(expr[:i], env, scenario)
        return first if first else evaluate(expr[i + 2:], env, scenario)
    q = find_top(expr, lambda i: expr[i] == "?" and expr[i + 1:i + 2] not in (":", "."))
    c = find_top(expr, lambda i: expr[i] == ":", q + 1) if q >= 0 else -1
    if c >= 0:
        on = scenario % 2 == 0
        return evaluate(expr[q + 1:c] if on else expr[c + 1:], env, scenario)
    return leaf(expr, scenario)


def split_top(text, sep):
    parts, last = [], 0
    for i in top_level(text):
        if text.startswith(sep, i):
            parts.append(text[last:i])
            last = i + len(sep)
    parts.append(text[last:])
    return parts


def ext_args(root):
    """(selector, closure body) of each `withName: 'SELECTOR' { ext.args = { ... } }` of
    conf/modules.config, in order (a later selector that matches overrides an earlier one)."""
    text = open(os.path.join(root, "conf", "modules.config")).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"(?m)^\s*//.*$", "", text)
    out = []
    for m in re.finditer(r"withName:\s*(['\"])(.+?)\1\s*\{", text):
        block = text[m.end() - 1:close(text, m.end() - 1) + 1]
        a = re.search(r"\bext\.args\s*=\s*\{", block)
        if a:
            out.append((m.group(2), block[a.end():close(block, a.end() - 1)].strip()))
    return out


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


HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


def commands(body):
    """The shell commands of a script body that run a hiclstm binary, and the files the body
    writes with heredocs (`cat <<-'END' > FILE`), as FILE -> lines."""
    lines = re.sub(r"\\[ \t]*\n", " ", body).split("\n")
    out, files, i = [], {}, 0
    while i < len(lines):
        line, i = lines[i], i + 1
        h = HEREDOC.search(line)
        if h:
            target = re.search(r">\s*(\S+)", line[h.end():])
            content = []
            while i < len(lines) and lines[i].strip() != h.group(2):
                content.append(lines[i])
                i += 1
            i += 1
            if target:
                files[target.group(1)] = content
            continue
        words = shlex.split(line, comments=True) if line.strip() else []
        if words and words[0].startswith("hiclstm-"):
            out.append(words)
    return out, files


def edit_keys(root):
    """The keys of one entry of the `edits` param, and the required ones (nextflow_schema.json)."""
    with open(os.path.join(root, "nextflow_schema.json")) as f:
        schema = json.load(f)
    for group in schema.get("$defs", {}).values():
        edits = group.get("properties", {}).get("edits")
        if edits:
            return set(edits["items"]["properties"]), set(edits["items"].get("required", []))
    sys.exit("check_args: nextflow_schema.json declares no `edits` param")


def check_edit_spec(lines, allowed, required):
    """Problems of an --edit-spec YAML written by a heredoc: one flat `key: value` map."""
    problems, seen = [], []
    for line in lines:
        if not line.strip():
            continue
        m = re.fullmatch(r"\s*([A-Za-z_]\w*):\s+(\S.*)", line)
        if not m:
            problems.append(f"not a `key: value` line: {line.strip()!r}")
            continue
        key = m.group(1)
        if key in seen:
            problems.append(f"key '{key}' given twice")
        elif key not in allowed:
            problems.append(f"key '{key}' is not a key of an edit ({', '.join(sorted(allowed))})")
        seen.append(key)
    if required - set(seen):
        problems.append(f"missing key(s) {', '.join(sorted(required - set(seen)))}")
    return problems


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    config = ext_args(root)
    allowed, required = edit_keys(root)
    failures, checked = [], 0
    for path in sorted(glob.glob(os.path.join(root, "modules", "**", "main.nf"), recursive=True)):
        module = os.path.basename(os.path.dirname(path))
        for name, assigns, body in scripts(path):
            closures = [closure for selector, closure in config if re.fullmatch(selector, name)]
            seen = set()
            for scenario in range(SCENARIOS):
                env = {}
                try:
                    if closures:
                        env["task.ext.args"] = evaluate(closures[-1], {}, scenario)
                    for var, expr in assigns:
                        if (module, var) in COMPUTED:
                            vals = COMPUTED[(module, var)]
                            env[var] = vals[scenario % len(vals)]
                        else:
                            env[var] = evaluate(expr, env, scenario)
                    cmds, files = commands(interpolate(body, env, scenario))
                except Unknown as e:
                    failures.append(f"{path}: {name}: no sample value for the expression '{e}' (add it to SAMPLES in {__file__})")
                    break
                if not cmds:
                    failures.append(f"{path}: {name}: no hiclstm-* command in the script")
                    break
                for words in cmds:
                    specs = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--edit-spec"]
                    specs += [w.split("=", 1)[1] for w in words if w.startswith("--edit-spec=")]
                    for spec in specs:
                        if spec not in files:
                            failures.append(f"{path}: {name}: --edit-spec {spec}: the script writes no such file with a heredoc")
                            continue
                        for problem in check_edit_spec(files[spec], allowed, required):
                            failures.append(f"{path}: {name}: --edit-spec {spec}: {problem}")
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
    failures = list(dict.fromkeys(failures))
    for f in failures:
        print(f, file=sys.stderr)
    print(f"check_args: {checked} command lines checked against their binaries' parsers, {len(failures)} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
