#!/usr/bin/env bash
# consumer_test.sh BUILD_DIR SOURCE_DIR — install an already-built lossbench tree into a temporary
# prefix, then build tests/consumer/ against it twice and run it: with CMake's
# find_package(lossbench) and with pkg-config; and import the installed Python package. Exits non-zero on any failure. (ctest: consumer_find_package)
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
consumer="$src/tests/consumer"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lossbench-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

step() { echo "== consumer_test: $*"; }
fail() { echo "consumer_test: FAILED: $*" >&2; exit 1; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log" >&2; fail "cmake --install (are the lossbench and lossbench_cli targets built?)"; }
[[ -x "$prefix/bin/lossbench" ]] || fail "the lossbench command was not installed in $prefix/bin"
"$prefix/bin/lossbench" --version >/dev/null || fail "the installed lossbench command does not run"

# The consumer is built with the same compiler as lossbench (its C++ standard library).
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cxx=${cxx:-c++}

step "find_package(lossbench): configure, build and run tests/consumer"
cmake -S "$consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; fail "configuring the consumer with find_package(lossbench)"; }
grep -F -- "-- lossbench 0.1" "$tmp/configure.log" | grep -qF "from $prefix/" \
  || { cat "$tmp/configure.log" >&2; fail "find_package(lossbench) did not pick the package installed in $prefix"; }
cmake --build "$tmp/cmake-build" >"$tmp/build.log" 2>&1 \
  || { cat "$tmp/build.log" >&2; fail "building the consumer against lossbench::lossbench"; }
"$tmp/cmake-build/consumer" || fail "the find_package consumer reported wrong values"

step "pkg-config lossbench: compile, link and run the same main.cpp"
command -v pkg-config >/dev/null || fail "pkg-config is not installed (scripts/setup.sh installs it)"
pcdir=$(dirname "$(find "$prefix" -name lossbench.pc -print -quit)")
[[ -f "$pcdir/lossbench.pc" ]] || fail "lossbench.pc was not installed"
export PKG_CONFIG_PATH="$pcdir"
flags=$(pkg-config --cflags --libs lossbench) || fail "pkg-config --cflags --libs lossbench"
echo "pkg-config lossbench (version $(pkg-config --modversion lossbench)): $flags"
# shellcheck disable=SC2086  # the flags are meant to split
"$cxx" -std=c++20 -O2 "$consumer/main.cpp" -o "$tmp/consumer-pc" $flags \
  || fail "compiling the consumer with pkg-config's flags"
"$tmp/consumer-pc" || fail "the pkg-config consumer reported wrong values"

# The Python package, where the build has it: importable from the prefix, and it computes.
if [[ -f "$build/python/lossbench/__init__.py" ]]; then
  step "the installed Python package"
  site=$(dirname "$(find "$prefix" -path '*/lossbench/__init__.py' -print -quit)")
  [[ -n "$site" && "$site" != "." ]] || fail "the Python package was not installed under $prefix"
  python=$(sed -n 's/^LOSSBENCH_PYTHON3:[A-Z]*=//p' "$build/CMakeCache.txt")
  PYTHONPATH="$(dirname "$site")" "${python:-python3}" -c '
import numpy as np, lossbench
assert lossbench.__file__.startswith("'"$prefix"'"), lossbench.__file__
value, grad = lossbench.mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0]), grad=True)
assert value == 2.5 and grad.tolist() == [1.0, 2.0], (value, grad)
print("import lossbench from", lossbench.__file__)' || fail "importing the installed Python package"
  # The PyTorch extension, where the build has it: installed beside _core, and the one in use.
  if compgen -G "$build/python/lossbench/_torch*.so" > /dev/null; then
    PYTHONPATH="$(dirname "$site")" "${python:-python3}" -c '
import torch, lossbench.torch as lt
assert lt.backend == "c++", lt._torch_import_error
x = torch.tensor([1.0, 2.0], requires_grad=True)
lt.mse_loss(x, torch.zeros(2)).backward()
assert x.grad.tolist() == [1.0, 2.0], x.grad
print("import lossbench.torch (c++ autograd node) from", lt.__file__)' || fail "the installed PyTorch extension"
  fi
fi

step "passed"
