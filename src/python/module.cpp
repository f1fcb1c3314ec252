// module.cpp — `lossbench._core`, the compiled half of the Python package: the loss call, the
// catalogue and registry, `auto`'s explanation, and the process's ISA and thread controls. The
// package's __init__.py gives the losses torch.nn.functional's names and signatures on top.
#include "python/arguments.hpp"
#include "python/distributed.hpp"
#include "python/loss_call.hpp"
#include "python/torch_bridge.hpp"

#include <lossbench/lossbench.hpp>

#include <pybind11/stl.h>

namespace py = pybind11;
using namespace lossbench;

namespace {

py::dict describe(const loss_spec& s) {
  py::list inputs, params, reductions;
  for (const auto& in : s.inputs()) {
    const char* kind = in.kind == input_kind::real ? "real" : in.kind == input_kind::index ? "index" : "real_or_index";
    inputs.append(py::dict(py::arg("name") = in.name, py::arg("kind") = kind,
                           py::arg("differentiable") = in.differentiable, py::arg("doc") = in.doc));
  }
  for (const auto& p : s.params()) {
    py::object dflt = p.kind == param_kind::tensor    ? py::object(py::none())
                      : p.kind == param_kind::boolean ? py::object(py::bool_(p.default_value != 0))
                      : p.kind == param_kind::integer ? py::object(py::int_(static_cast<long long>(p.default_value)))
                                                      : py::object(py::float_(p.default_value));
    params.append(py::dict(py::arg("name") = p.name, py::arg("default") = dflt, py::arg("doc") = p.doc));
  }
  for (auto r : s.reductions()) reductions.append(py::str(std::string(to_string(r))));
  const accuracy_bound b = s.accuracy();
  return py::dict(py::arg("name") = s.name(), py::arg("summary") = s.summary(), py::arg("torch_name") = s.torch_name(),
                  py::arg("inputs") = inputs, py::arg("params") = params, py::arg("reductions") = reductions,
                  py::arg("accuracy") = py::dict(py::arg("value_ulps") = b.value_ulps,
                                                 py::arg("grad_ulps") = b.grad_ulps, py::arg("reason") = b.reason),
                  py::arg("gradient_is_of_inputs") = s.gradient_is_of_inputs(), py::arg("has_simd") = s.has_simd(),
                  py::arg("losses_axis") = s.losses_axis(),
                  py::arg("target_gradient_is_minus_input") = lossbench::python::target_gradient_is_minus_input(s));
}

py::list registry_entries() {
  py::list out;
  for (const entry& e : registry())
    out.append(py::dict(py::arg("name") = e.name(), py::arg("loss") = e.loss->name(),
                        py::arg("variant") = e.variant.name(), py::arg("dtype") = to_string(e.type)));
  return out;
}

py::dict candidate_dict(const candidate& c) {
  return py::dict(py::arg("name") = c.name(), py::arg("variant") = c.variant.name(), py::arg("threads") = c.threads,
                  py::arg("time_ns") = c.time_ns);
}

py::dict explain(const std::string& loss, std::int64_t n, const std::string& type, bool grad, int threads) {
  if (n < 0) throw error("n", "must be ≥ 0, got " + std::to_string(n));
  if (threads < 0) throw error("threads", "must be ≥ 0, got " + std::to_string(threads));
  const dtype dt = parse_dtype(type);
  if (!is_floating(dt)) throw error("dtype", "losses compute in float32 or float64");
  const auto c = explain_auto(find_loss(loss, "loss"), dt, grad, n, threads);
  py::list candidates;
  for (const auto& k : c.candidates) candidates.append(candidate_dict(k));
  return py::dict(py::arg("chosen") = candidate_dict(c.chosen), py::arg("from_profile") = c.from_profile,
                  py::arg("reason") = c.reason, py::arg("bucket") = py::make_tuple(c.bucket_min, c.bucket_max),
                  py::arg("measured_items") = c.measured_items, py::arg("candidates") = candidates);
}

py::dict profile() {
  const profile_status& s = auto_profile();
  const char* state = s.status == profile_status::state::loaded    ? "loaded"
                      : s.status == profile_status::state::ignored ? "ignored"
                                                                   : "none";
  return py::dict(py::arg("state") = state, py::arg("path") = s.path.string(), py::arg("message") = s.message,
                  py::arg("rigor") = s.rigor, py::arg("entries") = s.entries);
}

std::vector<std::string> isa_names(const auto& isas) {
  std::vector<std::string> out;
  for (isa i : isas) out.emplace_back(to_string(i));
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "lossbench's compiled core; use the functions of the lossbench package";
  m.attr("__version__") = LOSSBENCH_VERSION;
  lossbench::python::init_numpy_api();

  // lossbench::error → lossbench.Error, a ValueError whose `argument` names the bad argument.
  static py::exception<lossbench::error> error_type(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lossbench::error& e) {
      py::object err = py::handle(error_type.ptr())(e.what());  // an instance, to carry `argument`
      err.attr("argument") = e.argument();
      PyErr_SetObject(error_type.ptr(), err.ptr());
    }
  });

  // lossbench._torch runs its calls through this, so that both modules share one library.
  m.add_object("torch_bridge", py::reinterpret_steal<py::object>(lossbench::python::make_bridge_capsule()));

  m.def("run", &lossbench::python::run_loss, py::arg("loss"), py::arg("inputs"), py::arg("params"),
        py::arg("reduction"), py::arg("variant"), py::arg("threads"), py::arg("grad"), py::arg("out"),
        "Run a catalogue loss on arrays (zero-copy); see lossbench's functions for the friendly form.");
  m.def("run_distributed", &lossbench::python::run_distributed, py::arg("comm"), py::arg("loss"), py::arg("inputs"),
        py::arg("params"), py::arg("reduction"), py::arg("variant"), py::arg("threads"), py::arg("grad"),
        py::arg("out"), "run, collective over an mpi4py communicator: this rank's shard of one batch (lossbench.mpi).");
  m.def("aligned_shard", &lossbench::python::aligned_shard, py::arg("loss"), py::arg("inputs"), py::arg("rank"),
        py::arg("ranks"), "(begin, end) of a rank's block-aligned shard along the batch dimension.");
  m.def("has_mpi", [] {
#ifdef LOSSBENCH_PYTHON_MPI
    return true;
#else
    return false;
#endif
  });
  m.def("native_call_ns", &lossbench::python::native_call_ns, py::arg("loss"), py::arg("inputs"), py::arg("params"),
        py::arg("reduction"), py::arg("variant"), py::arg("threads"), py::arg("grad"), py::arg("calls"),
        "Mean ns of the C++ call alone (views and outputs prepared once): what Python adds is run's time minus this.");
  m.def("reference", &lossbench::python::reference, py::arg("loss"), py::arg("inputs"), py::arg("params"),
        py::arg("reduction"), "The long-double reference of a call and the magnitudes its error bounds refer to.");
  m.def(
      "losses",
      [] {
        py::list out;
        for (const loss_spec* s : catalogue()) out.append(describe(*s));
        return out;
      },
      "The catalogue: every loss's inputs, parameters (torch's defaults), reductions and accuracy bound.");
  m.def("registry", &registry_entries, "Every runnable (loss, variant, dtype) entry on this CPU.");
  m.def("explain", &explain, py::arg("loss"), py::arg("n"), py::arg("dtype") = "float32", py::arg("grad") = true,
        py::arg("threads") = 0, "What the auto variant runs for a call with n elements, and why.");
  m.def("auto_profile", &profile, "What became of the tuning profile auto reads.");
  m.def("reload_auto_profile", &reload_auto_profile, "Read the tuning profile again on the next auto call.");

  m.def("compiled_isas", [] { return isa_names(compiled_isas()); });
  m.def("usable_isas", [] { return isa_names(usable_isas()); });
  m.def("best_isa", [] { return std::string(to_string(best_isa())); });
  m.def("max_isa", [] { return std::string(to_string(max_isa())); });
  m.def(
      "set_max_isa", [](const std::string& s) { set_max_isa(parse_isa(s, "isa")); }, py::arg("isa"));
  m.def("num_threads", &num_threads);
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 0) throw error("n", "must be ≥ 0 (0: OpenMP's default), got " + std::to_string(n));
        set_num_threads(n);
      },
      py::arg("n"));
}
