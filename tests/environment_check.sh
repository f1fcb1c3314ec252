#!/usr/bin/env bash
# environment_check.sh — every environment variable is read in src/core/environment.cpp and
# nowhere else, and each one it knows is documented in docs/configuration.md.
# Usage: tests/environment_check.sh SOURCE_DIR   (ctest: environment_read_in_one_place)
set -euo pipefail
cd "${1:?usage: environment_check.sh SOURCE_DIR}"
status=0
elsewhere=$(grep -rnE 'getenv[[:space:]]*\(|secure_getenv|environ\[' src bench --include='*.cpp' --include='*.hpp' |
            grep -v '^src/core/environment.cpp:' || true)
if [[ -n "$elsewhere" ]]; then
  echo "environment_check: read outside src/core/environment.cpp (use core::environment):" >&2
  echo "$elsewhere" >&2
  status=1
fi
names=$(grep -oE '^ *\{"[A-Z_]+"' src/core/environment.cpp | tr -d ' {"')
[[ -n "$names" ]] || { echo "environment_check: no variables found in src/core/environment.cpp" >&2; exit 1; }
for name in $names; do
  grep -q "\`$name\`" docs/configuration.md || { echo "environment_check: $name is not in docs/configuration.md" >&2; status=1; }
done
[[ $status -eq 0 ]] && echo "environment_check: $(wc -w <<< "$names") variables, read in one place, all documented"
exit $status
