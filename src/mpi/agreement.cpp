// agreement.cpp — describing a shard, and checking that all ranks describe parts of one batch.
#include "mpi/agreement.hpp"

#include <climits>
#include <exception>

namespace lossbench::mpi {

namespace {

// error's what() is "argument: message"; the message alone, to be prefixed with the rank.
std::string message_of(const error& x) {
  const std::string what = x.what();
  const std::string prefix = x.argument() + ": ";
  return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}

void describe(const entry& e, const call& c, std::vector<std::int64_t>& counts, shard_summary& s) {
  e.loss->validate(c, e.type);
  const lossbench::shape& first = c.inputs[0].shape;
  const lossbench::shape samples = e.loss->losses_shape(c.inputs);
  if (samples.rank() == 0)
    throw error(std::string(e.loss->inputs()[0].name),
                "a shard needs a batch dimension to be cut along; shape " + first.str() + " holds one sample");
  s.batch_axis = e.loss->losses_axis();
  s.rank = first.rank();
  for (int d = 0; d < first.rank(); ++d) s.dims[d] = first[d];
  s.params = e.loss->params_digest(c);
  s.items = e.loss->items(c.inputs);
  s.samples = samples.numel();
  const std::int64_t block = e.loss->block_items(c.inputs);
  s.blocks = (s.samples + block - 1) / block;
  if (s.blocks >= INT_MAX) throw error(std::string(e.loss->inputs()[0].name), "too many blocks for one MPI message");
  e.loss->divisor_counts(c, counts);
  s.counts = static_cast<std::int64_t>(counts.size());
  s.count = counts.empty() ? 0 : counts[0];
}

// rank r's shape differs from rank 0's outside the batch dimension.
bool other_shape(const shard_summary& a, const shard_summary& b) {
  if (a.rank != b.rank) return true;
  for (int d = 0; d < a.rank; ++d)
    if (d != a.batch_axis && a.dims[d] != b.dims[d]) return true;
  return false;
}

std::string shape_text(const shard_summary& s) {
  return lossbench::shape(std::span<const std::int64_t>(s.dims, static_cast<std::size_t>(s.rank))).str();
}

[[noreturn]] void refuse(std::string argument, std::size_t r, const std::string& what) {
  throw error(std::move(argument), "rank " + std::to_string(r) + what);
}

}  // namespace

shard_summary failure_of(const error& x) {
  shard_summary s;
  s.failed = 1;
  copy_text(s.argument, x.argument());
  copy_text(s.message, message_of(x));
  return s;
}

shard_summary summarize(const entry& e, const call& c, std::vector<std::int64_t>& counts) {
  shard_summary s;
  copy_text(s.entry, e.name());
  s.reduction = static_cast<std::int32_t>(c.reduction);
  for (std::size_t k = 0; k < c.out.grad.size(); ++k)
    if (c.out.grad[k]) s.grads |= 1u << k;
  try {
    describe(e, c, counts, s);
  } catch (const error& x) {
    return failure_of(x);
  } catch (const std::exception& x) {
    return failure_of(error("shard", x.what()));
  }
  return s;
}

void throw_first_failure(std::span<const shard_summary> all) {
  for (std::size_t r = 0; r < all.size(); ++r)
    if (all[r].failed) throw error(all[r].argument, "on rank " + std::to_string(r) + ": " + all[r].message);
}

agreement agree(const entry& e, std::span<const shard_summary> all) {
  throw_first_failure(all);
  const shard_summary& first = all[0];
  const std::string input(e.loss->inputs()[0].name);
  agreement a;
  for (std::size_t r = 0; r < all.size(); ++r) {
    const shard_summary& s = all[r];
    if (std::string_view(s.entry) != first.entry)
      refuse("variant", r, " runs " + std::string(s.entry) + ", rank 0 runs " + first.entry);
    if (s.reduction != first.reduction)
      refuse("reduction", r,
             "'s reduction (" + std::string(to_string(static_cast<reduction>(s.reduction))) +
                 ") differs from rank 0's (" + std::string(to_string(static_cast<reduction>(first.reduction))) + ")");
    if (s.grads != first.grads) refuse("grad", r, " asks for other gradients than rank 0");
    if (s.params != first.params) refuse("params", r, "'s parameter values differ from rank 0's");
    if (other_shape(s, first))
      refuse(input, r,
             "'s shape " + shape_text(s) + " differs from rank 0's " + shape_text(first) + " outside batch dimension " +
                 std::to_string(first.batch_axis));
    if (s.counts != first.counts) refuse("reduction", r, "'s divisor counts differ in length from rank 0's");
    a.items += s.items;
    a.count += s.count;
    a.blocks.push_back(static_cast<int>(s.blocks));
  }
  std::int64_t slots = 0;  // what the partials' all-gatherv receives: one MPI count (an int)
  for (int b : a.blocks) slots += static_cast<std::int64_t>(b) + 1;
  if (slots > INT_MAX)
    throw error(input, "the batch has " + std::to_string(slots - static_cast<std::int64_t>(all.size())) +
                           " blocks, more than one MPI message carries");
  a.counts = static_cast<std::size_t>(first.counts);
  return a;
}

}  // namespace lossbench::mpi
