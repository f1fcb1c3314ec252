#!/usr/bin/env bash
# odr_check.sh OBJECT... — fails if a weak (inline / template) symbol defined in one ISA's object
# (kernels_<isa>.cpp.o, probes_<isa>.cpp.o; nm type W: weak code) is also defined in any other object given. The linker
# keeps one copy of such a symbol for the whole program, so the SSE2 path could end up running
# AVX-512 code and die with SIGILL on an older CPU: hence every SIMD helper is a template on the arch.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The ISA an object was compiled for ("" for baseline objects): kernels_avx2.cpp.o -> avx2.
isa_of() {
  case "$(basename "$1")" in
    kernels_*.o | probes_*.o) basename "$1" | sed -E 's/^(kernels|probes)_(.*)\.cpp\.o$/\2/' ;;
    *) echo "" ;;
  esac
}
objects=("$@")
isas=()
isa_objects=0
for k in "${!objects[@]}"; do
  nm --defined-only "${objects[$k]}" | awk '{print $2, $3}' > "$tmp/$k"
  isas[k]=$(isa_of "${objects[$k]}")
  [[ -z "${isas[k]}" ]] || isa_objects=$((isa_objects + 1))
done
if ((isa_objects == 0)); then echo "odr_check: no kernels_*.o or probes_*.o among the objects" >&2; exit 1; fi
status=0
for k in "${!objects[@]}"; do
  isa=${isas[k]}
  [[ -n "$isa" ]] || continue
  weak=$(awk '$1 == "W" {print $2}' "$tmp/$k" | sort -u)
  # Objects compiled for the same ISA may share code; any other object may not.
  others=$(for j in "${!objects[@]}"; do
             [[ "${isas[j]}" == "$isa" ]] || awk '{print $2}' "$tmp/$j"
           done | sort -u)
  shared=$(comm -12 <(echo "$weak") <(echo "$others"))
  if [[ -n "$shared" ]]; then
    echo "$(basename "${objects[$k]}") shares $(echo "$shared" | wc -l) weak symbols with objects of other ISAs:"
    echo "$shared" | head -20 | c++filt | sed 's/^/  /'
    status=1
  fi
done
((status == 0)) && echo "odr_check: $isa_objects ISA objects, no weak symbol shared across ISAs"
exit $status
