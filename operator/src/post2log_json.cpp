#include "p2l/post2log_fields.hpp"

namespace p2l {

void to_json(nlohmann::json& out, const Post2Log& value) {
  out = nlohmann::json{{"apiVersion", kApiVersion},
                       {"kind", kKind},
                       {"metadata", value.metadata},
                       {"spec", value.spec}};
}

}  // namespace p2l
