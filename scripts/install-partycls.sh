#!/usr/bin/env bash
# Build partycls 2.0.2 with its Fortran extensions in a venv: the independent reference the
# structure tests compare Boattini's and the smoothed bond-order descriptors against.
# pip installs partycls without compiling its Fortran, so compile it here with f2py (meson
# backend) and fix its one NumPy-2 incompatibility (numpy.product -> numpy.prod).
set -euo pipefail
VENV=$(realpath "${1:-.venv}")
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"  # f2py runs meson and ninja from the venv
if "$PY" -c "import partycls.neighbors_wrap, partycls.descriptors.realspace_wrap" 2>/dev/null; then exit 0; fi
command -v gfortran >/dev/null || { apt-get update -qq && apt-get install -y -qq gfortran >/dev/null; }
"$VENV/bin/pip" install -q meson meson-python ninja
"$VENV/bin/pip" install -q --no-deps partycls==2.0.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VENV/bin/pip" download -q --no-deps --no-binary :all: partycls==2.0.2 -d "$tmp"
tar xzf "$tmp"/partycls-2.0.2.tar.gz -C "$tmp"
site=$("$PY" -c "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('partycls').origin))")
src="$tmp/partycls-2.0.2/partycls"
(cd "$src" && "$PY" -m numpy.f2py --backend meson -c neighbors.f90 -m neighbors_wrap >/dev/null && cp neighbors_wrap*.so "$site/")
(cd "$src/descriptors" && "$PY" -m numpy.f2py --backend meson -c realspace.f90 -m realspace_wrap >/dev/null && cp realspace_wrap*.so "$site/descriptors/")
sed -i 's/numpy\.product/numpy.prod/g' "$site/descriptors/descriptor.py"
"$PY" -c "import partycls.neighbors_wrap, partycls.descriptors.realspace_wrap"
