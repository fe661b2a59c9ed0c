#include "retention_plan.hpp"

#include <algorithm>

namespace p2l {
namespace {

bool shipped(const BackupFile& file) {
  return !file.unshipped || *file.unshipped == 0;
}

}  // namespace

RetentionPlan plan_rotation(const RetentionInput& input) {
  std::vector<BackupFile> newest_first = input.backups;
  std::sort(newest_first.begin(), newest_first.end(),
            [](const BackupFile& a, const BackupFile& b) { return a.index < b.index; });

  RetentionPlan plan;
  std::vector<BackupFile> kept;
  std::uint64_t freed = 0;
  const bool short_of_space = input.free_bytes && *input.free_bytes < input.min_free_bytes;
  auto enough = [&] {
    return !short_of_space || *input.free_bytes + freed >= input.min_free_bytes;
  };
  for (const RetiredFile& file : input.retired) {
    if (!file.listed) {
      plan.delete_retired.push_back(file.name);
      freed += file.size;
    }
  }
  for (const RetiredFile& file : input.retired) {
    if (file.listed && file.size > 0 && !enough()) {
      plan.truncate_retired.push_back(file.name);
      freed += file.size;
    }
  }
  const std::size_t by_age = input.keep > 0 ? input.keep - 1 : 0;  // x.log becomes one of them
  for (std::size_t rank = 0; rank < newest_first.size(); ++rank) {
    const BackupFile& file = newest_first[rank];
    if (rank >= by_age && shipped(file)) {
      plan.remove.push_back(file);
      freed += file.size;
    } else {
      kept.push_back(file);
    }
  }

  plan.empty_removed = short_of_space;
  if (short_of_space) {
    // Oldest first: shipped ones (retained copies only), then unshipped ones.
    for (const bool take_unshipped : {false, true}) {
      for (auto it = kept.rbegin(); it != kept.rend();) {
        if (enough()) break;
        if (shipped(*it) == take_unshipped) {
          ++it;
          continue;
        }
        freed += it->size;
        plan.remove.push_back(*it);
        it = std::reverse_iterator(kept.erase(std::next(it).base()));
      }
    }
  }
  std::sort(plan.remove.begin(), plan.remove.end(),
            [](const BackupFile& a, const BackupFile& b) { return a.index > b.index; });

  // Kept file t (0-based, newest first) becomes x.log.(t+2). Files that move down (to a lower
  // index) go first, lowest first; then those that move up, highest first. Either way the
  // target name is free: see the unit tests, which replay every plan on a directory model.
  for (std::size_t t = 0; t < kept.size(); ++t) {
    const auto to = static_cast<unsigned>(t + 2);
    if (to < kept[t].index) plan.renames.push_back({kept[t].index, to});
  }
  for (std::size_t t = kept.size(); t-- > 0;) {
    const auto to = static_cast<unsigned>(t + 2);
    if (to > kept[t].index) plan.renames.push_back({kept[t].index, to});
  }
  plan.renames.push_back({0, 1});
  return plan;
}

}  // namespace p2l
