#!/usr/bin/env bash
# format_check.sh — every C++ file of the tree is as .clang-format says (clang-format 14).
# Usage: tests/format_check.sh SOURCE_DIR CLANG_FORMAT   (ctest: formatting)
# To format: find src include bench tests -name '*.[ch]pp' | xargs clang-format-14 -i
set -euo pipefail
cd "${1:?usage: format_check.sh SOURCE_DIR CLANG_FORMAT}"
clang_format=${2:?usage: format_check.sh SOURCE_DIR CLANG_FORMAT}
mapfile -t files < <(find src include bench tests -name '*.cpp' -o -name '*.hpp' | sort)
((${#files[@]} > 0)) || { echo "format_check: no C++ files found" >&2; exit 1; }
"$clang_format" --dry-run --Werror "${files[@]}"
echo "format_check: ${#files[@]} files formatted as .clang-format says"
