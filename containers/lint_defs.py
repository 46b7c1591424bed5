#!/usr/bin/env python3
"""Parses the Apptainer/Singularity definition files with spython and checks the project's
rules: a build stage and a runtime stage, every base image pinned to an exact tag, and the
runtime stage has labels, a runscript and a test. usage: lint_defs.py FILE.def..."""
import re
import sys

from spython.main.parse.parsers import SingularityParser


def check(path):
    problems = []
    text = open(path).read()
    recipes = SingularityParser(path).recipe
    stages = list(recipes.values()) if isinstance(recipes, dict) else [recipes]
    if len(stages) < 2:
        problems.append("expected a build stage and a runtime stage")
    for st in stages:
        base = st.fromHeader or ""
        if ":" not in base or base.endswith(":latest"):
            problems.append(f"base image '{base}' is not pinned to an exact tag")
    runtime = text.split("Stage: runtime", 1)[-1] if "Stage: runtime" in text else ""
    for section in ("%labels", "%runscript", "%test", "%files from build"):
        if section not in runtime:
            problems.append(f"runtime stage has no {section} section")
    if not re.search(r"org\.opencontainers\.image\.(version|source|licenses)", runtime):
        problems.append("runtime stage has no OCI labels")
    return problems


def main():
    bad = 0
    for path in sys.argv[1:]:
        try:
            problems = check(path)
        except Exception as e:  # spython raises plain exceptions on syntax it cannot read
            problems = [f"spython cannot parse it: {e}"]
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        bad += len(problems)
        print(f"lint_defs: {path}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
