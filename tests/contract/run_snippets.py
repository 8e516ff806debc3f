#!/usr/bin/env python3
"""Run the read snippets of docs/file-contract.md exactly as printed.

usage: run_snippets.py python|r CONTRACT.md SESSION_DIR
Extracts every fenced block of the given language and runs it with KC_SESSION set.
Exit 0 when it ran cleanly, 77 (ctest SKIP) when the interpreter or library is absent,
1 when a snippet failed or the page holds no snippet of that language.
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 1
    lang, page, session = sys.argv[1:]
    fence = {"python": "python", "r": "r"}[lang]
    text = open(page, encoding="utf-8").read()
    blocks = re.findall(r"^```" + fence + r"\n(.*?)^```", text, flags=re.S | re.M)
    if not blocks:
        print(f"no ```{fence} block in {page}", file=sys.stderr)
        return 1
    if lang == "python":
        try:
            import h5py  # noqa: F401
        except ImportError:
            print("SKIPPED: python3-h5py is not installed", file=sys.stderr)
            return 77
        cmd = [sys.executable]
    else:
        probe = subprocess.run(["Rscript", "-e", "library(hdf5r)"], capture_output=True)
        if probe.returncode != 0:
            print("SKIPPED: Rscript with hdf5r (r-cran-hdf5r) is not installed", file=sys.stderr)
            return 77
        cmd = ["Rscript", "--vanilla"]
    env = dict(os.environ, KC_SESSION=session)
    for i, code in enumerate(blocks):
        with tempfile.NamedTemporaryFile("w", suffix="." + lang, delete=False) as tmp:
            tmp.write(code)
        try:
            run = subprocess.run(cmd + [tmp.name], env=env, capture_output=True, text=True)
        finally:
            os.unlink(tmp.name)
        sys.stdout.write(run.stdout)
        if run.returncode != 0:
            sys.stderr.write(run.stderr)
            print(f"{lang} snippet {i + 1} of {page} failed (exit {run.returncode})", file=sys.stderr)
            return 1
    print(f"{len(blocks)} {lang} snippet(s) ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
