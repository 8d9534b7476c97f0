#include "instance_catalog.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace foundry::bench {

namespace {

using nlohmann::json;

// "ta01" -> {"ta", 1}; nullopt when the text does not end in digits after a non-empty prefix.
std::optional<std::pair<std::string, long>> split_number(const std::string& text) {
  std::size_t digits = text.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(text[digits - 1]))) --digits;
  if (digits == text.size() || digits == 0) return std::nullopt;
  return std::make_pair(text.substr(0, digits), std::stol(text.substr(digits)));
}

bool in_range(const std::string& name, const std::string& range) {
  std::size_t dash = range.find('-');
  if (dash == std::string::npos) return false;
  auto first = split_number(range.substr(0, dash));
  auto last = split_number(range.substr(dash + 1));
  auto here = split_number(name);
  if (!first || !last || !here || first->first != last->first || here->first != first->first) return false;
  return first->second <= here->second && here->second <= last->second;
}

std::optional<long long> bound(const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long long>();
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      std::size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      long long na = std::stoll(a.substr(i, ei - i)), nb = std::stoll(b.substr(j, ej - j));
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

bool FamilyFilter::matches(const Instance& instance) const {
  if (instance.kind != kind) return false;
  if (selector.empty() || selector == instance.family || selector == instance.name) return true;
  std::string name = instance.name;
  std::string wanted = selector;
  if (std::size_t slash = name.find('/'); slash != std::string::npos) {  // rcpsp-max "set/name"
    std::size_t wanted_slash = wanted.find('/');
    if (wanted_slash == std::string::npos) return false;
    if (wanted.substr(0, wanted_slash) != instance.family) return false;
    name = name.substr(slash + 1);
    wanted = wanted.substr(wanted_slash + 1);
  }
  return in_range(name, wanted);
}

std::vector<FamilyFilter> parse_family_filters(const std::string& text) {
  std::vector<FamilyFilter> filters;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(begin, end - begin);
    begin = end + 1;
    if (entry.empty()) continue;
    FamilyFilter filter;
    std::size_t colon = entry.find(':');
    filter.kind = entry.substr(0, colon);
    if (colon != std::string::npos) filter.selector = entry.substr(colon + 1);
    if (filter.kind != "jssp" && filter.kind != "fjsp" && filter.kind != "rcpsp-max")
      throw std::invalid_argument("unknown benchmark kind '" + filter.kind + "' in '" + entry +
                                  "' (use jssp, fjsp or rcpsp-max)");
    filters.push_back(std::move(filter));
  }
  return filters;
}

std::vector<Instance> load_catalog(const std::filesystem::path& bench_dir, const std::vector<std::string>& kinds) {
  std::vector<Instance> instances;
  for (const std::string& kind : kinds) {
    std::vector<Instance> of_kind;
    std::filesystem::path folder = bench_dir / kind;
    std::ifstream in(folder / "bounds.json");
    if (!in) throw std::runtime_error((folder / "bounds.json").string() + ": cannot open the bounds file");
    json bounds;
    try {
      bounds = json::parse(in);
    } catch (const json::parse_error& e) {
      throw std::runtime_error((folder / "bounds.json").string() + ": " + e.what());
    }
    for (const auto& [key, entry] : bounds.items()) {
      Instance instance;
      instance.kind = kind;
      instance.name = key;
      instance.lb = bound(entry, "lb");
      instance.ub = bound(entry, "ub");
      instance.optimal = entry.value("optimal", false);
      instance.infeasible = entry.value("infeasible", false);
      if (kind == "jssp") {
        instance.family = entry.value("family", "");
        instance.file = folder / (key + ".txt");
      } else if (kind == "fjsp") {
        instance.family = entry.value("set", "");
        instance.file = folder / entry.value("path", key + ".fjs");
      } else {
        instance.family = key.substr(0, key.find('/'));
        instance.file = folder / (key + ".sch");
      }
      of_kind.push_back(std::move(instance));
    }
    std::sort(of_kind.begin(), of_kind.end(),
              [](const Instance& a, const Instance& b) { return natural_less(a.name, b.name); });
    instances.insert(instances.end(), of_kind.begin(), of_kind.end());
  }
  return instances;
}

}  // namespace foundry::bench
