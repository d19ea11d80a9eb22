#!/usr/bin/env bash
# Makes a virtualenv under target/ark-venv with the official Ark Python SDK, pinned, and prints
# its interpreter: SEEDANCE_PYTHON for tests/tests/ark_python_sdk.rs, e.g.
#   SEEDANCE_PYTHON="$(.ci/python-sdk.sh)" cargo test -p seedance-workspace-tests --test ark_python_sdk
# Progress goes to stderr so that stdout is the interpreter path alone.
set -euo pipefail

version=5.0.54
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CARGO_TARGET_DIR:-$root/target}/ark-venv"
python="$venv/bin/python"

if ! "$python" -c "import volcenginesdkarkruntime" 2>/dev/null \
    || [ "$("$python" -m pip show volcengine-ark-runtime 2>/dev/null | sed -n 's/^Version: //p')" != "$version" ]; then
    python3 -m venv "$venv" >&2
    "$python" -m pip install --quiet --disable-pip-version-check "volcengine-ark-runtime==$version" >&2
fi
echo "$python"
