"""Project rules for `reftrace lint` over workflows/ (run by scripts/lint.sh, in CI).

Every process: a container, exactly one standard resource label (plus optionally process_gpu),
a versions.yml output and a stub: block. Every include resolves to a file (plugins aside), and
every param a file reads is declared in nextflow_schema.json; a module (a file under modules/)
reads no params at all: its options come as task.ext.args from conf/modules.config, as in
nf-core. reftrace's model has no script, output or stub sections, so those rules read the
process's own source text.
"""
import json
import os
import re

from reftrace import ConfigFile, Module
from reftrace.linting import LintError, LintResults, configrule, rule

RESOURCE_LABELS = {"process_single", "process_low", "process_medium", "process_high"}
EXTRA_LABELS = {"process_gpu"}
# reftrace reports module paths relative to the linted directory; lint from inside it
# (`cd workflows && reftrace lint -r lint/reftrace_rules.py -d .`).
WORKFLOWS = os.getcwd()


def _schema_params():
    with open(os.path.join(WORKFLOWS, "nextflow_schema.json")) as f:
        schema = json.load(f)
    names = set()
    for group in schema.get("$defs", {}).values():
        names.update(group.get("properties", {}))
    return names


def _process_source(module: Module, process):
    """The text of one process block: from its `process NAME {` line to the matching brace."""
    path = module.path if os.path.isabs(module.path) else os.path.join(WORKFLOWS, module.path)
    with open(path) as f:
        lines = f.read().split("\n")
    start = process.line - 1
    depth, out = 0, []
    for line in lines[start:]:
        out.append(line)
        depth += line.count("{") - line.count("}")
        if depth <= 0 and len(out) > 1:
            break
    return "\n".join(out)


@rule
def process_has_container(module: Module, results: LintResults):
    for p in module.processes:
        if not p.containers:
            results.errors.append(LintError(line=p.line, error=f"process '{p.name}' has no container"))


@rule
def process_has_one_resource_label(module: Module, results: LintResults):
    for p in module.processes:
        labels = [label.label for label in p.labels]
        resource = [l for l in labels if l in RESOURCE_LABELS]
        unknown = [l for l in labels if l not in RESOURCE_LABELS | EXTRA_LABELS]
        if len(resource) != 1:
            results.errors.append(LintError(line=p.line, error=f"process '{p.name}' needs exactly one of {sorted(RESOURCE_LABELS)}, has {labels}"))
        if unknown:
            results.errors.append(LintError(line=p.line, error=f"process '{p.name}' has labels no config defines: {unknown}"))


@rule
def process_emits_versions_and_has_stub(module: Module, results: LintResults):
    for p in module.processes:
        src = _process_source(module, p)
        output = re.search(r"^\s*output:\s*$(.*?)^\s*(when|script|shell|exec|stub):", src, re.S | re.M)
        if not output or not re.search(r'path\s*\(?\s*"versions\.yml"\s*\)?\s*,\s*emit:\s*versions', output.group(1)):
            results.errors.append(LintError(line=p.line, error=f"process '{p.name}' does not emit versions.yml (path \"versions.yml\", emit: versions)"))
        if not re.search(r"^\s*stub:\s*$", src, re.M):
            results.errors.append(LintError(line=p.line, error=f"process '{p.name}' has no stub: block (needed by -stub-run)"))


@rule
def includes_resolve(module: Module, results: LintResults):
    base = os.path.dirname(module.path if os.path.isabs(module.path) else os.path.join(WORKFLOWS, module.path))
    for inc in module.includes:
        target = inc.from_module
        if target.startswith("plugin/"):
            continue
        path = os.path.normpath(os.path.join(base, target))
        if not (os.path.isfile(path + ".nf") or os.path.isfile(path) or os.path.isfile(os.path.join(path, "main.nf"))):
            results.errors.append(LintError(line=inc.line, error=f"include from '{target}' does not resolve to a file"))


@rule
def params_are_declared(module: Module, results: LintResults):
    declared = _schema_params()
    for prm in module.params:
        if prm.name not in declared:
            results.errors.append(LintError(line=prm.line, error=f"params.{prm.name} is not declared in nextflow_schema.json"))


@rule
def modules_do_not_read_params(module: Module, results: LintResults):
    """nf-core: a module gets its options from task.ext.args (set in conf/modules.config, which
    may read params) and its data from its inputs; only the workflow reads params."""
    path = module.path if os.path.isabs(module.path) else os.path.join(WORKFLOWS, module.path)
    if os.path.relpath(path, WORKFLOWS).split(os.sep)[0] != "modules":
        return
    found = {}
    for prm in module.params:
        found.setdefault(prm.line, set()).add(f"params.{prm.name}")
    # The source text as well: params['x'], params.get(...) and the like.
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.lstrip().startswith(("//", "/*", "*")):
                continue
            for m in re.finditer(r"(?<![\w.])params\s*(\.\s*\w+|\[[^\]]*\]?)", line):
                found.setdefault(n, set()).add(re.sub(r"\s+", "", m.group(0)))
    for line, refs in sorted(found.items()):
        results.errors.append(LintError(line=line, error=f"module reads {', '.join(sorted(refs))}: pass it as task.ext.args in conf/modules.config (or as an input)"))


@configrule
def params_in_directives_are_closures(config: ConfigFile, results: LintResults):
    """A directive that reads params must be a closure, or it is evaluated before -params-file applies."""
    for scope in config.process_scopes:
        directives = list(scope.directives)
        for named in scope.named_scopes:
            directives.extend(named.directives)
        for d in directives:
            if d.value and d.value.params and not d.value.in_closure:
                results.errors.append(LintError(line=d.line_number, error=f"directive {d.name} reads params outside a closure"))
