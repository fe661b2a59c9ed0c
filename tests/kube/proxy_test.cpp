#include "p2l/kube/proxy.hpp"

#include <gtest/gtest.h>

#include <map>

namespace p2l::kube {
namespace {

EnvironmentLookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

const std::string kProxy = "http://proxy.corp:3128";

TEST(Proxy, TheKubeconfigsProxyUrlWinsEvenForLoopback) {
  EXPECT_EQ(proxy_for("https://127.0.0.1:6443", "http://127.0.0.1:8888", env({})),
            "http://127.0.0.1:8888");
  EXPECT_EQ(proxy_for("https://api.example.com", "socks5://p:1080",
                      env({{"NO_PROXY", "*"}, {"HTTPS_PROXY", kProxy}})),
            "socks5://p:1080");
}

TEST(Proxy, TheEnvironmentBySchemeInEitherCase) {
  EXPECT_EQ(proxy_for("https://api.example.com:6443", "", env({{"HTTPS_PROXY", kProxy}})), kProxy);
  EXPECT_EQ(proxy_for("https://api.example.com:6443", "", env({{"https_proxy", kProxy}})), kProxy);
  EXPECT_FALSE(proxy_for("https://api.example.com:6443", "", env({{"HTTP_PROXY", kProxy}})));
  EXPECT_EQ(proxy_for("http://api.example.com", "", env({{"HTTP_PROXY", kProxy}})), kProxy);
  EXPECT_FALSE(proxy_for("https://api.example.com", "", env({})));
}

TEST(Proxy, LoopbackIsNeverProxiedByTheEnvironment) {
  for (const char* server : {"https://127.0.0.1:6443", "https://localhost:6443",
                             "https://[::1]:6443", "https://127.9.9.9"}) {
    EXPECT_FALSE(proxy_for(server, "", env({{"HTTPS_PROXY", kProxy}}))) << server;
  }
}

TEST(Proxy, NoProxyAsGoReadsIt) {
  const auto through = [](const std::string& server, const std::string& no_proxy) {
    return proxy_for(server, "", env({{"HTTPS_PROXY", kProxy}, {"NO_PROXY", no_proxy}}))
        .has_value();
  };
  EXPECT_FALSE(through("https://api.example.com", "*"));
  EXPECT_FALSE(through("https://api.example.com", "example.com"));  // a domain and below
  EXPECT_FALSE(through("https://example.com", "example.com"));
  EXPECT_TRUE(through("https://example.com", ".example.com"));  // below only
  EXPECT_FALSE(through("https://api.example.com", ".example.com"));
  EXPECT_TRUE(through("https://notexample.com", "example.com"));
  EXPECT_FALSE(through("https://10.1.2.3:6443", "10.0.0.0/8"));
  EXPECT_TRUE(through("https://11.1.2.3:6443", "10.0.0.0/8"));
  EXPECT_FALSE(through("https://10.1.2.3:6443", "10.1.2.3"));
  EXPECT_FALSE(through("https://api.example.com:6443", "api.example.com:6443"));
  EXPECT_TRUE(through("https://api.example.com:443", "api.example.com:6443"));
  EXPECT_FALSE(through("https://[fd00::1]:6443", "fd00::/8"));
  EXPECT_FALSE(through("https://API.Example.com", " other.org , EXAMPLE.COM "));
}

}  // namespace
}  // namespace p2l::kube
