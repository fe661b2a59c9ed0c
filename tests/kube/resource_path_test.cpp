#include <gtest/gtest.h>

#include "p2l/kube/resource_path.hpp"

namespace p2l::kube {
namespace {

TEST(ResourcePath, CoreAndGroupedPaths) {
  EXPECT_EQ(api_prefix("", "v1"), "/api/v1");
  EXPECT_EQ(api_prefix("apps", "v1"), "/apis/apps/v1");
  EXPECT_EQ(collection_path(resources::config_maps(), "ns"), "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(collection_path(resources::config_maps()), "/api/v1/configmaps");
  EXPECT_EQ(object_path(resources::deployments(), "ns", "web"),
            "/apis/apps/v1/namespaces/ns/deployments/web");
  EXPECT_EQ(object_path(resources::post2logs(), "ns", "p", "status"),
            "/apis/post2log.io/v1alpha1/namespaces/ns/post2logs/p/status");
  // Cluster-scoped types ignore the namespace.
  EXPECT_EQ(object_path(resources::namespaces(), "ignored", "kube-system"),
            "/api/v1/namespaces/kube-system");
  EXPECT_EQ(object_path(resources::custom_resource_definitions(), "", "a.b"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b");
}

TEST(ResourcePath, ApiVersion) {
  EXPECT_EQ(resources::config_maps().api_version(), "v1");
  EXPECT_EQ(resources::post2logs().api_version(), "post2log.io/v1alpha1");
}

TEST(ResourcePath, QueryEncoding) {
  EXPECT_EQ(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(percent_encode("app=x,tier in (a b)"), "app%3Dx%2Ctier%20in%20%28a%20b%29");
  EXPECT_EQ(percent_encode("\xc3\xa9/"), "%C3%A9%2F");
  EXPECT_EQ(with_query("/api/v1/pods", {{"limit", "10"}, {"labelSelector", "a=b"}}),
            "/api/v1/pods?limit=10&labelSelector=a%3Db");
  EXPECT_EQ(with_query("/x?watch=true", {{"k", "v"}}), "/x?watch=true&k=v");
  EXPECT_EQ(with_query("/x", {}), "/x");
}

}  // namespace
}  // namespace p2l::kube
