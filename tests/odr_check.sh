#!/usr/bin/env bash
# odr_check.sh OBJECT... — fails if a weak (inline / template) symbol defined in one ISA's kernel
# object (kernels_<isa>.cpp.o; nm type W: weak code) is also defined in any other object of the library. The linker
# keeps one copy of such a symbol for the whole program, so the SSE2 path could end up running
# AVX-512 code and die with SIGILL on an older CPU: hence every SIMD helper is a template on the arch.
set -euo pipefail
isa_objects=()
for o in "$@"; do
  case "$(basename "$o")" in kernels_*.o) isa_objects+=("$o") ;; esac
done
if ((${#isa_objects[@]} == 0)); then echo "odr_check: no kernels_*.o among the objects" >&2; exit 1; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
k=0
for o in "$@"; do nm --defined-only "$o" | awk '{print $2, $3}' > "$tmp/$k"; k=$((k + 1)); done
status=0
k=0
for o in "$@"; do
  this=$k
  k=$((k + 1))
  case "$(basename "$o")" in kernels_*.o) ;; *) continue ;; esac
  weak=$(awk '$1 == "W" {print $2}' "$tmp/$this" | sort -u)
  others=$(for f in "$tmp"/*; do [[ "$f" == "$tmp/$this" ]] || awk '{print $2}' "$f"; done | sort -u)
  shared=$(comm -12 <(echo "$weak") <(echo "$others"))
  if [[ -n "$shared" ]]; then
    echo "$(basename "$o") shares $(echo "$shared" | wc -l) weak symbols with other objects:"
    echo "$shared" | head -20 | c++filt | sed 's/^/  /'
    status=1
  fi
done
((status == 0)) && echo "odr_check: ${#isa_objects[@]} ISA objects, no shared weak symbols"
exit $status
