#!/usr/bin/env bash
# setup.sh — install what lossbench needs from Debian's packages (idempotent).
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
# Nothing is ever downloaded from anywhere else.
#   scripts/setup.sh          what the build, the report and the tests need
#   scripts/setup.sh --clang  that and clang 14 with its sanitizer runtimes, libFuzzer and LLVM's OpenMP
#                             (scripts/test.sh --fuzz and --tsan)
set -euo pipefail

packages=(
  cmake make g++                 # build
  libxsimd-dev xtl-dev           # SIMD kernels (xtl: Debian's xsimd CMake package names it)
  libbenchmark-dev libgtest-dev  # benchmarks and tests
  libcli11-dev nlohmann-json3-dev libfmt-dev  # the command-line tool
  pkg-config                     # tests/consumer_test.sh: the installed lossbench.pc
  clang-format-14 python3-flake8 # the tree's C++ and Python style (ctest: formatting, python_lint)
  python3                        # report helpers
  python3-matplotlib             # report charts (scripts/report_render.py; numpy comes with it)
  python3-dev pybind11-dev libdlpack-dev python3-numpy  # the Python package (src/python/)
  python3-pytest python3-hypothesis python3-torch       # its tests (torch: the PyTorch adapter and parity)
  libtorch-dev                   # lossbench.torch's C++ autograd nodes (src/python/torch/)
  libjemalloc2                   # torch at its best in the report's peer rows (scripts/torch_peer.py)
  chromium                       # the report's screenshot test (scripts/report_screenshot.py)
  libbenchmark-tools python3-scipy  # Google Benchmark's compare.py reads report.json (report test)
  libopenmpi-dev openmpi-bin     # lossbench::mpi, a batch split between processes, and its mpirun tests
  python3-mpi4py                 # lossbench.mpi: the same from Python, with mpi4py's communicators
)

for arg in "$@"; do
  case "$arg" in
    --clang) packages+=(clang-14 libclang-rt-14-dev libomp-14-dev) ;;
    *) echo "setup.sh: unknown argument '$arg' (expected --clang)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
