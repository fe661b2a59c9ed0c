#include <gtest/gtest.h>

#include "p2l/kube/errors.hpp"

namespace p2l::kube {
namespace {

TEST(ApiErrorMapping, StatusObjectGivesReasonAndMessage) {
  const std::string body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                           R"("message":"configmaps \"x\" not found","reason":"NotFound",)"
                           R"("details":{"name":"x","kind":"configmaps"},"code":404})";
  const ApiError error = api_error_from_response(404, body);
  EXPECT_EQ(error.http_status(), 404);
  EXPECT_EQ(error.reason(), "NotFound");
  EXPECT_EQ(error.message(), "configmaps \"x\" not found");
  EXPECT_TRUE(error.not_found());
  EXPECT_FALSE(error.gone());
  EXPECT_EQ(error.body(), body);
  EXPECT_STREQ(error.what(), "HTTP 404 NotFound: configmaps \"x\" not found");
}

TEST(ApiErrorMapping, NonStatusBodyIsKeptShort) {
  const ApiError error = api_error_from_response(502, std::string(2000, 'x'));
  EXPECT_EQ(error.reason(), "");
  EXPECT_EQ(error.message().size(), 512U);
  EXPECT_EQ(error.body().size(), 2000U);
  const ApiError empty = api_error_from_response(503, "");
  EXPECT_STREQ(empty.what(), "HTTP 503");
}

TEST(ApiErrorMapping, Predicates) {
  EXPECT_TRUE(api_error_from_response(409, "").conflict());
  EXPECT_TRUE(api_error_from_response(410, "").gone());
  EXPECT_TRUE(api_error_from_response(422, "").invalid());
  EXPECT_TRUE(api_error_from_response(401, "").unauthorized());
}

}  // namespace
}  // namespace p2l::kube
