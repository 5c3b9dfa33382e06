#!/usr/bin/env bash
# Sets up the Python side of the project, idempotently: a virtual environment
# at the repository root (.venv, git-ignored) with the pinned development and
# test dependencies of bindings/python and python/, and the `syndic` package
# (Rust extension built in release mode) installed into it in editable form.
#
#   scripts/setup-python.sh            # create or update .venv, build syndic
#   SYNDIC_VENV=/path scripts/setup-python.sh
#   SYNDIC_PYTHON_PROFILE=dev scripts/setup-python.sh   # reuse cargo test's build
#   PYTHON=python3.12 scripts/setup-python.sh
#
# Needs python3 (3.9+, with the venv module) and cargo; reaches only PyPI.
# Rerunning is cheap: pip skips what is installed, cargo rebuilds what changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SYNDIC_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
started=$SECONDS

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-python: creating $venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
    -r "$root/bindings/python/requirements-dev.txt" \
    -r "$root/python/requirements-test.txt"
echo "setup-python: dependencies installed ($((SECONDS - started)) s)"

# maturin installs into the environment named by VIRTUAL_ENV. The release
# profile by default; SYNDIC_PYTHON_PROFILE=dev builds with the dev profile
# (opt-level 1, dependencies at 2), which reuses what `cargo test` compiled
# instead of compiling every dependency again: the test script's choice.
profile=()
[ "${SYNDIC_PYTHON_PROFILE:-release}" = release ] && profile=(--release)
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
    "$venv/bin/maturin" develop "${profile[@]}" --quiet -m "$root/bindings/python/Cargo.toml"
"$venv/bin/python" -c 'import syndic, syndic.ray; print("setup-python: syndic", syndic.__version__, "ready")'
echo "setup-python: done in $((SECONDS - started)) s"
