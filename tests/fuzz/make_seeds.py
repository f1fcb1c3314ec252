#!/usr/bin/env python3
"""make_seeds.py — writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) and the
hand-made hostile inputs among their regression inputs (tests/fuzz/regressions/<target>/).

Run from the repository root with Debian's /usr/bin/python3 (numpy):
    /usr/bin/python3 tests/fuzz/make_seeds.py PROFILE.json
PROFILE.json: a profile written by `lossbench tune` (e.g. --loss mse --dtype f32 --sizes 4k -o F).
The seeds are valid inputs of every shape the readers accept; the fuzzers mutate from there.
"""
import io
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
# Catalogue order (`lossbench list`): the golden and cli_args targets pick a loss by index.
LOSSES = ["mse", "mae", "huber", "bce", "bce_logits", "hinge", "cross_entropy", "kl_div", "ctc", "triplet",
          "contrastive"]


def write(target, name, data, where=CORPUS):
    d = where / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def npy_seeds():
    arrays = {
        "f32_3x4": np.arange(12, dtype="<f4").reshape(3, 4),
        "f64_5": np.linspace(-1, 1, 5).astype("<f8"),
        "i32_4": np.array([0, 1, -1, 7], dtype="<i4"),
        "i64_2x2": np.array([[1, 2], [3, 4]], dtype="<i8"),
        "f32_big_endian": np.array([1.5, -2.0], dtype=">f4"),
        "f64_scalar": np.array(3.25, dtype="<f8"),
        "f32_empty": np.zeros((0, 3), dtype="<f4"),
        "f32_special": np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45], dtype="<f4"),
        "f16_big_endian": np.array([[1.5, -2.0], [0.25, 3.0]], dtype=">f2"),
        "f16_special": np.array([np.nan, np.inf, -np.inf, -0.0, 2.0**-24, 65504, 1.5], dtype="<f2"),
        # bf16 has no numpy type: its words as uint16 (1.5, -2.0, NaN), read with words_are_bf16.
        "bf16_words_u2": np.array([0x3fc0, 0xc000, 0x7fc0], dtype="<u2"),
    }
    for name, a in arrays.items():
        buf = io.BytesIO()
        np.save(buf, a)
        write("npy", name + ".npy", buf.getvalue())
    for version in [(2, 0), (3, 0)]:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arrays["f32_3x4"], version=version)
        write("npy", "f32_v%d.npy" % version[0], buf.getvalue())


def golden_seeds():
    # Per loss, the first small case of each generator: the check runs on these (golden_fuzz.cpp).
    for index, loss in enumerate(LOSSES):
        full = json.loads((ROOT.parent / "golden" / (loss + ".json")).read_text())
        seen, cases = set(), []
        for c in full["cases"]:
            small = c["shape"]["n"] <= 16 and c["shape"]["inner"] <= 16 and all(
                not isinstance(v, int) or v <= 256 for v in c.get("options", {}).values())
            if small and c["generator"] not in seen:
                seen.add(c["generator"])
                cases.append(c)
        full["cases"] = cases[:4]
        write("golden", loss + ".json", bytes([index]) + json.dumps(full, separators=(",", ":")).encode())


def bench_json_seeds():
    for f in sorted((ROOT.parent / "compare_fixtures").glob("*.json")):
        if f.stat().st_size <= 16384:
            write("bench_json", f.name, f.read_bytes())


def cli_args_seeds():
    lines = {
        "sizes": "64k\n16M\n100000\nsmall,l2,large\n4k,256k",
        "isas_dtypes": "avx2\nsse2\navx512bw\navx512bf16\nf32\nf64\nbf16\nf16\nmean\nsum\nnone\nbatchmean",
        "threads": "1\n1,2\n16",
        "bench_flags": "--lossbench_sizes=4k,64k\n--lossbench_quick=1\n--lossbench_roofline=false\n--lossbench_width=8",
    }
    for name, text in lines.items():
        write("cli_args", name, bytes([0]) + text.encode())
    params = {2: "delta=0.5", 4: "pos_weight=2.0", 5: "margin=0.25", 6: "ignore_index=-100\nlabel_smoothing=0.1",
              7: "log_target=true", 8: "blank=0\nzero_infinity=1", 9: "margin=1\np=2\neps=1e-6\nswap=false",
              10: "margin=0.5"}
    for index, text in params.items():
        write("cli_args", "params_" + LOSSES[index], bytes([index]) + text.encode())


def profile_seeds(profile_path):
    write("profile", "measured.json", pathlib.Path(profile_path).read_bytes())


def known_bad():
    """Inputs that crashed, hung or passed silently before the readers treated files as untrusted."""
    def bad(target, name, data):
        return write(target, name, data, ROOT / "regressions")

    base = json.loads((ROOT.parent / "golden" / "mse.json").read_text())
    sprinkle = next(c for c in base["cases"] if c["generator"] == "sprinkle")

    def golden(name, mutate):
        doc = json.loads(json.dumps(base))
        doc["cases"] = [json.loads(json.dumps(sprinkle))]
        mutate(doc, doc["cases"][0])
        bad("golden", name, bytes([0]) + json.dumps(doc, separators=(",", ":")).encode())

    def sample_index(v):
        return lambda d, c: c["expected"]["f64"]["grads"][0]["samples"][0].__setitem__(0, v)
    golden("sample_index_huge", sample_index(10**12))
    golden("sample_index_negative", sample_index(-1))
    golden("sample_index_past_end", sample_index(1000))
    golden("sprinkle_every_negative", lambda d, c: c["options"].__setitem__("every", -1))
    golden("sprinkle_every_zero", lambda d, c: c["options"].__setitem__("every", 0))
    golden("sprinkle_no_values", lambda d, c: c["options"].__setitem__("values", []))
    golden("negative_value_tol", lambda d, c: c["expected"]["f64"].__setitem__("value_tol", -1.0))
    golden("no_cases", lambda d, c: d.__setitem__("cases", {}))
    golden("shape_huge", lambda d, c: c["shape"].__setitem__("n", 2**62))
    # Integers given as floats past every integer type (converting one would be undefined).
    golden("float_version", lambda d, c: d.__setitem__("version", 1e30))
    golden("float_seed", lambda d, c: c.__setitem__("seed", -1e300))
    golden("float_shape", lambda d, c: c["shape"].__setitem__("n", 1e300))
    golden("float_count", lambda d, c: c["expected"]["f32"]["grads"][0].__setitem__("count", 1e300))

    def other_case(loss, name, pick, mutate):
        doc = json.loads((ROOT.parent / "golden" / (loss + ".json")).read_text())
        doc["cases"] = [next(c for c in doc["cases"] if pick(c))]
        mutate(doc["cases"][0])
        bad("golden", name, bytes([LOSSES.index(loss)]) + json.dumps(doc, separators=(",", ":")).encode())

    other_case("ctc", "ctc_blank_huge", lambda c: True, lambda c: c["params"].__setitem__("blank", 1e300))
    other_case("bce", "float_input_shape", lambda c: c["generator"] == "explicit",
               lambda c: c["options"]["inputs"][0].__setitem__("shape", [1e300]))
    other_case("bce_logits", "float_param_seed", lambda c: isinstance(c["params"].get("pos_weight"), dict),
               lambda c: c["params"]["pos_weight"].__setitem__("seed", 1e300))
    prof = json.loads((CORPUS / "profile" / "measured.json").read_text())
    prof["cpu"]["logical_cpus"] = 2**32 + 2
    bad("profile", "logical_cpus_wraps", json.dumps(prof))
    bad("npy", "shape_overflows.npy",
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))
    bad("npy", "empty_batch_huge_classes.npy",
        npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1073741824), }"))
    row = {"name": "mse/simd/f32/4096", "run_type": "iteration", "real_time": 100, "cpu_time": 100, "time_unit": "ns"}
    bad("bench_json", "negative_time", json.dumps({"benchmarks": [dict(row, real_time=-5)]}))
    bad("bench_json", "name_not_a_string", json.dumps({"benchmarks": [dict(row, name=7)]}))
    bad("bench_json", "time_unit_not_a_string", json.dumps({"benchmarks": [dict(row, time_unit=[1])]}))
    bad("bench_json", "aggregates_only",
        json.dumps({"benchmarks": [dict(row, run_type="aggregate", aggregate_name="mean")]}))
    bad("cli_args", "sizes_out_of_range", bytes([0]) + b"1e20\n1k\n99999999999999999999\n-5\n0x10")
    bad("cli_args", "threads_out_of_range", bytes([0]) + b"100000\n0\n-1\n1,,2\n4097")
    bad("cli_args", "integer_param_past_2_53", bytes([6]) + b"ignore_index=9007199254740993")


def npy_with_header(header):
    text = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    npy_seeds()
    golden_seeds()
    bench_json_seeds()
    cli_args_seeds()
    profile_seeds(sys.argv[1])
    known_bad()
