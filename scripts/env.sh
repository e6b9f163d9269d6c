# Sourced by the other scripts: makes sure the tools the project needs exist on
# a fresh machine that has only the Rust toolchain, gcc and Python.
# Python packages (numpy, pytest, cmake, ...) go into build/venv, so nothing
# is installed system-wide except Debian packages when they are missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/build/venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    python3 -m venv "$VENV"
fi
if ! cmp -s requirements-dev.txt "$VENV/.requirements" 2>/dev/null; then
    echo "== installing Python tools (requirements-dev.txt)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    cp requirements-dev.txt "$VENV/.requirements"
fi
export PATH="$VENV/bin:$PATH"

# apt_need CMD PACKAGE: install a Debian package when its command is missing.
apt_need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "== installing $2 (apt-get)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}

JOBS="$(nproc 2>/dev/null || echo 2)"
