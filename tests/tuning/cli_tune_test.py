#!/usr/bin/python3
"""`lossbench tune` and `lossbench explain` end to end, run by ctest (test tune_cli).

A small real tune (one loss, f32, two sizes) writes a profile whose every bucket names its
candidates and choice; explain reads it back (from -o via LOSSBENCH_PROFILE, and from the default
profile directory under XDG_CACHE_HOME or LOSSBENCH_PROFILE_DIR, beside another machine's profile,
and warns once when the directory holds only other machines' profiles); --time-limit stops early
and says so in the file; --rigor estimate measures nothing; bad input exits 2 naming the option and writes no file.

usage: cli_tune_test.py --cli build/lossbench --out DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import unittest

CLI = None
OUT = None


def run(*args, env=None, timeout=300):
    full = dict(os.environ, LOSSBENCH_PROFILE="none")
    full.update(env or {})
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=timeout, env=full)


def fresh_dir(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def listed():
    done = run("list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def usable_isas():
    return listed()["isa"]["usable"]


class Tune(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = fresh_dir("tune")
        cls.path = os.path.join(cls.dir, "profile.json")
        cls.proc = run("tune", "-o", cls.path, "--loss", "mse", "--dtype", "f32", "--sizes", "4k,256k")
        with open(cls.path) as f:
            cls.profile = json.load(f)

    def test_exit_progress_and_summary(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertIn("tune: [", self.proc.stderr, "progress is shown on stderr")
        self.assertIn(f"tune: wrote {self.path}", self.proc.stdout)
        self.assertEqual(sorted(os.listdir(self.dir)), ["profile.json"], "no temporary files left")

    def test_profile_header(self):
        p = self.profile
        self.assertEqual((p["format"], p["format_version"], p["rigor"], p["complete"]),
                         ("lossbench-profile", 1, "measure", True))
        self.assertIn("median", p["statistic"])
        for key in ("model", "isas", "logical_cpus"):
            self.assertIn(key, p["cpu"])
        for key in ("version", "compiler", "build_type", "cxx_flags"):
            self.assertIn(key, p["build"])

    def test_every_bucket_has_its_candidates_and_choice(self):
        entries = self.profile["entries"]
        self.assertEqual({(e["mode"], e["items"]) for e in entries},
                         {(m, n) for m in ("value", "value_grad") for n in (4096, 262144)})
        # The mse f32 entries' simd:<isa> variants (every usable ISA with f32 kernels of its own)
        # and the ISA omp runs for f32.
        listed_f32 = [e for e in listed()["entries"] if e["loss"] == "mse" and e["dtype"] == "f32"]
        simd_isas = [e["variant"] for e in listed_f32 if e["variant"].startswith("simd:")]
        omp_isa = next(e["isa"] for e in listed_f32 if e["variant"] == "omp")
        self.assertTrue(set(simd_isas) <= {f"simd:{isa}" for isa in usable_isas()})
        for e in entries:
            names = {(c["variant"], c["threads"]) for c in e["candidates"]}
            self.assertIn(("scalar", 1), names)
            for variant in simd_isas:
                self.assertIn((variant, 1), names)
            self.assertIn(("omp:" + omp_isa, 1), names, "omp at 1 thread is a candidate too")
            times = [c["time_ns"] for c in e["candidates"]]
            self.assertEqual(times, sorted(times), "fastest first")
            self.assertTrue(all(t > 0 for t in times))
            chosen = (e["chosen"]["variant"], e["chosen"]["threads"])
            self.assertIn(chosen, names)
            # The choice is the fastest or tied with it within 3%, named by the simplest candidate
            # running the same code: simd:<isa> stands for omp:<isa> too where omp ran serially.
            same_code = {chosen}
            if chosen[0].startswith("simd:"):
                same_code |= {(v, t) for v, t in names if v == "omp:" + chosen[0][5:]}
            own = min(c["time_ns"] for c in e["candidates"] if (c["variant"], c["threads"]) in same_code)
            self.assertLessEqual(own, min(times) * 1.03 + 1e-9, f"{e['mode']} {e['items']}: {e}")
            self.assertEqual(e["source"], "measured")
        # Buckets tile the sizes: [0, √(4096·262144)) and [that, ∞).
        for mode in ("value", "value_grad"):
            mine = sorted((e for e in entries if e["mode"] == mode), key=lambda e: e["items"])
            self.assertEqual(mine[0]["items_min"], 0)
            self.assertEqual(mine[0]["items_max"], mine[1]["items_min"])
            self.assertEqual(mine[0]["items_max"], 32768)

    def test_explain_reads_the_profile(self):
        done = run("explain", "--loss", "mse", "--n", "5000", "--mode", "value", env={"LOSSBENCH_PROFILE": self.path})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"auto: profile {self.path} (rigor measure, 4 entries)", done.stdout)
        entry = next(e for e in self.profile["entries"] if (e["mode"], e["items"]) == ("value", 4096))
        chosen = entry["chosen"]["variant"] + (f"×{entry['chosen']['threads']}"
                                               if entry["chosen"]["variant"].startswith("omp") else "")
        self.assertIn(f"mse/f32/value at 5000 items: {chosen}", done.stdout)
        self.assertIn("profile entry mse/f32/value for [0, 32768) items", done.stdout)
        self.assertIn("candidate", done.stdout)
        # Other dtype: not tuned, so the heuristics, and explain says why.
        done = run("explain", "--loss", "mse", "--n", "5000", "--dtype", "f64", env={"LOSSBENCH_PROFILE": self.path})
        self.assertIn("the profile has no entry for mse/f64/value", done.stdout)

    def test_list_and_version_name_the_profile(self):
        for args in (["list"], ["--version"]):
            done = run(*args, env={"LOSSBENCH_PROFILE": self.path})
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn(f"auto: profile {self.path} (rigor measure, 4 entries)", done.stdout)
        self.assertIn("auto: no profile (LOSSBENCH_PROFILE=none)", run("list").stdout)

    def test_other_machine_profile_is_ignored_with_a_warning(self):
        other = dict(self.profile, cpu=dict(self.profile["cpu"], model="Imaginary CPU 9000"))
        path = os.path.join(fresh_dir("other_cpu"), "p.json")
        with open(path, "w") as f:
            json.dump(other, f)
        done = run("explain", "--loss", "mse", "--n", "100", env={"LOSSBENCH_PROFILE": path})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr.count("warning: ignoring the tuning profile"), 1, done.stderr)
        self.assertIn("another CPU", done.stderr)
        self.assertIn("heuristic:", done.stdout)


class TuneSixteenBit(unittest.TestCase):
    """bf16 (16-bit storage, computed in f32): tuned like f32, and `auto` then reads its rows; a loss
    without 16-bit kernels named beside one that has them is left out with a note."""

    def test_bf16_rows_tuned_and_read_by_auto(self):
        d = fresh_dir("tune_bf16")
        path = os.path.join(d, "p.json")
        registry = {(e["loss"], e["dtype"]) for e in listed()["entries"]}
        without = next((loss["name"] for loss in listed()["losses"] if (loss["name"], "bf16") not in registry), None)
        done = run("tune", "-o", path, "--loss", ",".join(["mse"] + [without] * bool(without)), "--dtype", "bf16",
                   "--sizes", "4k")
        self.assertEqual(done.returncode, 0, done.stderr)
        if without:  # named beside mse: left out with a note
            self.assertIn(f"tune: bf16: {without} has no bf16 kernels", done.stderr)
        with open(path) as f:
            entries = json.load(f)["entries"]
        self.assertEqual({(e["loss"], e["dtype"], e["mode"], e["source"]) for e in entries},
                         {("mse", "bf16", m, "measured") for m in ("value", "value_grad")})
        for e in entries:
            names = {c["variant"] for c in e["candidates"]}
            self.assertIn("scalar", names)
            self.assertTrue({f"simd:{isa}" for isa in usable_isas()} <= names, names)
        done = run("explain", "--loss", "mse", "--n", "4096", "--dtype", "bf16", env={"LOSSBENCH_PROFILE": path})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("profile entry mse/bf16/value for [0, ", done.stdout)
        # f16 was not tuned: the heuristics, and explain says why.
        done = run("explain", "--loss", "mse", "--n", "4096", "--dtype", "f16", env={"LOSSBENCH_PROFILE": path})
        self.assertIn("the profile has no entry for mse/f16/value", done.stdout)

    def test_estimate_covers_each_loss_in_its_dtypes(self):
        path = os.path.join(fresh_dir("estimate16"), "p.json")
        done = run("tune", "-o", path, "--rigor", "estimate")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(path) as f:
            pairs = {(e["loss"], e["dtype"]) for e in json.load(f)["entries"]}
        registry = {(e["loss"], e["dtype"]) for e in listed()["entries"]}  # every loss in every dtype it has
        self.assertEqual(pairs, registry)
        self.assertIn(("mse", "f16"), pairs)


class TuneOptions(unittest.TestCase):
    def test_default_path_under_xdg_cache_home(self):
        d = fresh_dir("xdg")
        env = {"XDG_CACHE_HOME": d, "LOSSBENCH_PROFILE": "", "LOSSBENCH_PROFILE_DIR": ""}
        done = run("tune", "--rigor", "estimate", "--loss", "huber", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        profiles = os.path.join(d, "lossbench", "profiles")
        names = os.listdir(profiles)
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], r"^[a-z0-9-]+-[0-9a-f]{16}\.json$")  # <model>-<hash>.json
        path = os.path.join(profiles, names[0])
        done = run("explain", "--loss", "huber", "--n", "1000", env=env)
        self.assertIn(f"auto: profile {path} (rigor estimate", done.stdout)
        self.assertIn("chosen by the heuristics (rigor estimate)", done.stdout)

    @staticmethod
    def other_machines_profile(ours, directory):
        """Our profile as another CPU's, in the name that CPU's file would have."""
        with open(ours) as f:
            other = json.load(f)
        other["cpu"]["model"] = "Imaginary CPU 9000"
        path = os.path.join(directory, "imaginary-cpu-9000-0123456789abcdef.json")
        with open(path, "w") as f:
            json.dump(other, f)
        return path

    def test_mixed_cluster_directory_each_machine_finds_its_own_silently(self):
        d = fresh_dir("profiles_mixed")
        env = {"LOSSBENCH_PROFILE": "", "LOSSBENCH_PROFILE_DIR": d}
        done = run("tune", "--rigor", "estimate", "--loss", "huber", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        (ours,) = [os.path.join(d, n) for n in os.listdir(d)]
        self.other_machines_profile(ours, d)
        done = run("explain", "--loss", "huber", "--n", "1000", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"auto: profile {ours} (rigor estimate", done.stdout)
        self.assertEqual(done.stderr, "", "another machine's profile beside ours is passed over silently")

    def test_directory_without_this_machines_profile_warns_once(self):
        d = fresh_dir("profiles_others_only")
        ours = os.path.join(fresh_dir("profiles_source"), "p.json")
        self.assertEqual(run("tune", "-o", ours, "--rigor", "estimate", "--loss", "huber").returncode, 0)
        self.other_machines_profile(ours, d)
        done = run("explain", "--loss", "huber", "--n", "1000",
                   env={"LOSSBENCH_PROFILE": "", "LOSSBENCH_PROFILE_DIR": d})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr.count("warning: ignoring the tuning profile"), 1, done.stderr)
        self.assertIn("none of its 1 profile is for this CPU", done.stderr)
        self.assertIn("heuristic:", done.stdout)
        empty = fresh_dir("profiles_empty")  # nothing tuned yet: no warning at all
        done = run("explain", "--loss", "huber", "--n", "1000",
                   env={"LOSSBENCH_PROFILE": "", "LOSSBENCH_PROFILE_DIR": empty})
        self.assertEqual(done.stderr, "")

    def test_profile_counts_the_cpus_of_the_process_affinity(self):
        path = os.path.join(fresh_dir("affinity"), "p.json")
        one_cpu = min(os.sched_getaffinity(0))  # tune is bound to it before it starts
        done = subprocess.run([CLI, "tune", "-o", path, "--rigor", "estimate", "--loss", "mse"],
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, LOSSBENCH_PROFILE="none"),
                              preexec_fn=lambda: os.sched_setaffinity(0, {one_cpu}))
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(path) as f:
            self.assertEqual(json.load(f)["cpu"]["logical_cpus"], 1, "a process bound to one CPU counts one")

    def test_estimate_measures_nothing(self):
        path = os.path.join(fresh_dir("estimate"), "p.json")
        done = run("tune", "-o", path, "--rigor", "estimate")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn("tune: [", done.stderr)
        with open(path) as f:
            p = json.load(f)
        self.assertEqual(p["rigor"], "estimate")
        self.assertTrue(p["entries"])
        self.assertTrue(all(e["source"] == "heuristic" and e["candidates"] == [] for e in p["entries"]))
        catalogue = {loss["name"] for loss in listed()["losses"]}
        self.assertEqual({e["loss"] for e in p["entries"]}, catalogue, "every loss of the catalogue")

    def test_time_limit_stops_early_and_says_so(self):
        path = os.path.join(fresh_dir("limited"), "p.json")
        done = run("tune", "-o", path, "--loss", "mse,mae", "--dtype", "f32", "--sizes", "4k,64k",
                   "--time-limit", "0.001")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("--time-limit", done.stderr)
        with open(path) as f:
            p = json.load(f)
        self.assertFalse(p["complete"])
        # The first size group always runs; nothing after the limit.
        self.assertEqual({(e["loss"], e["items"]) for e in p["entries"]}, {("mse", 4096)})

    def test_bad_input_exits_2_naming_the_option(self):
        d = fresh_dir("bad")
        for args, name in ((["--rigor", "fast"], "--rigor"), (["--loss", "focal"], "--loss"),
                           (["--dtype", "f8"], "--dtype"), (["--loss", "ctc", "--dtype", "f8"], "--dtype"),
                           (["--time-limit", "-3"], "--time-limit"),
                           (["--sizes", "lots"], "--sizes")):
            with self.subTest(args):
                done = run("tune", "-o", os.path.join(d, "p.json"), "--rigor", "estimate", *args)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(name, done.stderr)
        self.assertEqual(os.listdir(d), [], "no profile written on bad input")
        blocker = os.path.join(d, "file")
        open(blocker, "w").close()
        done = run("tune", "-o", os.path.join(blocker, "p.json"), "--rigor", "estimate")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn(blocker, done.stderr)

    def test_explain_bad_input(self):
        for args, name in ((["--loss", "focal", "--n", "5"], "--loss"), (["--loss", "mse", "--n", "-5"], "--n"),
                           (["--loss", "mse"], "--n"), (["--loss", "mse", "--n", "5", "--mode", "grad"], "--mode")):
            with self.subTest(args):
                done = run("explain", *args)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(name, done.stderr)


def main():
    global CLI, OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--out", required=True)
    args, rest = parser.parse_known_args()
    CLI, OUT = args.cli, args.out
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
