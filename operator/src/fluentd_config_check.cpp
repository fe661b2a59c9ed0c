#include "p2l/fluentd_config_check.hpp"

#include <algorithm>
#include <cctype>

namespace p2l {
namespace {

std::string_view trim(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

bool is_section_name(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  return letter(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || digit(c); });
}

struct OpenSection {
  std::string name;
  int line;
};

class Checker {
 public:
  std::vector<ConfigIssue> run(std::string_view config) {
    int line_number = 0;
    bool has_content = false;
    while (!config.empty() || line_number == 0) {
      ++line_number;
      std::size_t end = config.find('\n');
      std::string_view line = trim(config.substr(0, end));
      config = end == std::string_view::npos ? std::string_view{} : config.substr(end + 1);
      if (line.empty() || line.front() == '#') continue;
      has_content = true;
      if (line.front() != '<') continue;  // a parameter line
      if (line.starts_with("</")) {
        close_tag(line, line_number);
      } else {
        open_tag(line, line_number);
      }
    }
    if (!has_content) return {{1, "the configuration is empty"}};
    for (const OpenSection& open : open_) {
      issues_.push_back({open.line, "<" + open.name + "> is never closed"});
    }
    if (!has_match_) {
      issues_.push_back({1, "there is no <match> section, so events tagged post2log go nowhere"});
    }
    std::stable_sort(issues_.begin(), issues_.end(),
                     [](const ConfigIssue& a, const ConfigIssue& b) { return a.line < b.line; });
    return std::move(issues_);
  }

 private:
  // Whatever follows a tag on its line must be nothing or a comment.
  void check_rest(std::string_view rest, std::string_view tag, int line) {
    rest = trim(rest);
    if (!rest.empty() && rest.front() != '#') {
      issues_.push_back(
          {line, "unexpected text after " + std::string{tag} + ": " + std::string{rest}});
    }
  }

  void open_tag(std::string_view line, int line_number) {
    std::size_t close = line.find('>');
    if (close == std::string_view::npos) {
      issues_.push_back({line_number, "section tag without a closing '>': " + std::string{line}});
      return;
    }
    std::string_view inside = trim(line.substr(1, close - 1));
    std::string_view name = inside.substr(0, inside.find_first_of(" \t"));
    if (!is_section_name(name)) {
      issues_.push_back(
          {line_number, "malformed section tag " + std::string{line.substr(0, close + 1)}});
      return;
    }
    check_rest(line.substr(close + 1), line.substr(0, close + 1), line_number);
    if (name == "match") has_match_ = true;
    open_.push_back({std::string{name}, line_number});
  }

  void close_tag(std::string_view line, int line_number) {
    std::size_t close = line.find('>');
    if (close == std::string_view::npos) {
      issues_.push_back({line_number, "closing tag without '>': " + std::string{line}});
      return;
    }
    std::string_view tag = line.substr(0, close + 1);
    std::string_view name = trim(line.substr(2, close - 2));
    if (!is_section_name(name)) {
      issues_.push_back({line_number, "malformed closing tag " + std::string{tag}});
      return;
    }
    check_rest(line.substr(close + 1), tag, line_number);
    if (open_.empty()) {
      issues_.push_back(
          {line_number, std::string{tag} + " closes a section that was never opened"});
      return;
    }
    if (open_.back().name == name) {
      open_.pop_back();
      return;
    }
    const OpenSection& innermost = open_.back();
    issues_.push_back({line_number, std::string{tag} + " does not match <" + innermost.name +
                                        "> opened on line " + std::to_string(innermost.line)});
    // Recover to keep later reports meaningful: if an outer section has this name, the inner
    // ones were left open (the innermost is named above already); otherwise the stray closing
    // tag is ignored.
    auto outer = std::find_if(open_.rbegin(), open_.rend(),
                              [&](const OpenSection& open) { return open.name == name; });
    if (outer != open_.rend()) {
      std::size_t keep = static_cast<std::size_t>(std::distance(outer, open_.rend())) - 1;
      for (std::size_t i = keep + 1; i + 1 < open_.size(); ++i) {
        issues_.push_back({open_[i].line, "<" + open_[i].name + "> is never closed"});
      }
      open_.resize(keep);
    }
  }

  std::vector<OpenSection> open_;
  std::vector<ConfigIssue> issues_;
  bool has_match_ = false;
};

}  // namespace

std::vector<ConfigIssue> check_output_config(std::string_view config) {
  return Checker{}.run(config);
}

}  // namespace p2l
