#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "asio.hpp"

namespace p2l {

// A Beast request parser that keeps only what the receiver reads of a request: the method,
// the target, the first Content-Type, Connection and Expect fields, whether a
// Transfer-Encoding came, and the body. Beast's own parser files every field into a
// searchable container first; this one spares that work on every request. Parsing, limits
// and framing (Content-Length, chunked) are Beast's basic_parser's, unchanged.
class RequestParser : public boost::beast::http::basic_parser<true> {
 public:
  using Allocator = std::pmr::polymorphic_allocator<char>;

  explicit RequestParser(Allocator allocator)
      : method_string_(allocator),
        target_(allocator),
        content_type_(allocator),
        connection_(allocator),
        expect_(allocator),
        body_(allocator) {}

  [[nodiscard]] std::string_view method_string() const {
    if (method_ != boost::beast::http::verb::unknown) return boost::beast::http::to_string(method_);
    return {method_string_.data(), method_string_.size()};
  }
  [[nodiscard]] std::string_view target() const { return {target_.data(), target_.size()}; }
  // The first of each field, empty when none came.
  [[nodiscard]] std::string_view content_type() const {
    return {content_type_.data(), content_type_.size()};
  }
  [[nodiscard]] std::string_view expect() const { return {expect_.data(), expect_.size()}; }
  [[nodiscard]] bool has_transfer_encoding() const { return has_transfer_encoding_; }
  // Whether the client asks to keep the connection open, as Beast's message::keep_alive()
  // answers it: from the version and the first Connection field.
  [[nodiscard]] bool wants_keep_alive() const {
    boost::beast::http::token_list tokens(  // exists() is not const in Beast 1.74
        boost::beast::string_view(connection_.data(), connection_.size()));
    if (version_ < 11) return has_connection_ && tokens.exists("keep-alive");
    return !has_connection_ || !tokens.exists("close");
  }
  [[nodiscard]] std::string_view body() const { return {body_.data(), body_.size()}; }

 private:
  using String = std::basic_string<char, std::char_traits<char>, Allocator>;
  using ErrorCode = boost::beast::error_code;

  // Field values as Beast's fields container stores them: without surrounding blanks.
  static std::string_view trim(std::string_view value) {
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.remove_suffix(1);
    return value;
  }

  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_string,
                       boost::beast::string_view target, int version, ErrorCode&) override {
    method_ = method;
    if (method == boost::beast::http::verb::unknown) method_string_.assign(method_string);
    target_.assign(target);
    version_ = version;
  }
  void on_response_impl(int, boost::beast::string_view, int, ErrorCode&) override {}
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view,
                     boost::beast::string_view value, ErrorCode&) override {
    using boost::beast::http::field;
    switch (name) {
      case field::content_type:
        if (!has_content_type_) content_type_.assign(trim(value));
        has_content_type_ = true;
        break;
      case field::connection:
        if (!has_connection_) connection_.assign(trim(value));
        has_connection_ = true;
        break;
      case field::expect:
        if (!has_expect_) expect_.assign(trim(value));
        has_expect_ = true;
        break;
      case field::transfer_encoding:
        has_transfer_encoding_ = true;
        break;
      default:
        break;
    }
  }
  void on_header_impl(ErrorCode& error) override { error = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         ErrorCode& error) override {
    if (!content_length) return;
    if (*content_length > body_.max_size()) {
      error = boost::beast::http::error::buffer_overflow;
      return;
    }
    body_.reserve(static_cast<std::size_t>(*content_length));
  }
  std::size_t on_body_impl(boost::beast::string_view body, ErrorCode& error) override {
    if (body.size() > body_.max_size() - body_.size()) {
      error = boost::beast::http::error::buffer_overflow;
      return 0;
    }
    body_.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, ErrorCode&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 ErrorCode& error) override {
    return on_body_impl(body, error);
  }
  void on_finish_impl(ErrorCode& error) override { error = {}; }

  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  String method_string_;  // only for a method Beast does not know
  String target_;
  int version_ = 11;
  bool has_content_type_ = false;
  bool has_connection_ = false;
  bool has_expect_ = false;
  bool has_transfer_encoding_ = false;
  String content_type_;
  String connection_;
  String expect_;
  String body_;
};

}  // namespace p2l
