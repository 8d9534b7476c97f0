#include <foundry/protocol/protocol.hpp>

#include <foundry/model/workcell.hpp>

#include "protocol/dependency_graph.hpp"
#include "protocol/json_document.hpp"
#include "protocol/protocol_expansion.hpp"
#include "protocol/protocol_model.hpp"
#include "protocol/protocol_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace foundry {

using protocol_detail::DiagnosticSink;

Protocol::Protocol(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

const std::string& Protocol::name() const { return impl_->name; }
const std::string& Protocol::version() const { return impl_->version; }
const std::string& Protocol::description() const { return impl_->description; }
const std::vector<ParameterSpec>& Protocol::parameters() const { return impl_->parameter_specs; }
const std::string& Protocol::origin() const { return impl_->origin; }

RunSpec Protocol::expand(const std::map<std::string, std::string>& values, const std::string& run_id) const {
  return protocol_detail::expand_protocol(*impl_, values, run_id);
}

namespace {

protocol_detail::Capabilities capabilities_of(const Workcell& workcell) {
  protocol_detail::Capabilities capabilities;
  for (const Device& device : workcell.devices) {
    auto& operations = capabilities[device.type];
    operations.insert(device.operations.begin(), device.operations.end());
  }
  return capabilities;
}

}  // namespace

Protocol parse_protocol(const std::string& json_text, const std::string& origin, const Workcell* workcell) {
  DiagnosticSink sink(origin);
  auto document = protocol_detail::parse_json_document(json_text, sink);
  if (!document) sink.throw_if_any();

  auto impl = std::make_shared<Protocol::Impl>();
  impl->origin = origin;
  protocol_detail::read_protocol(*document, *impl, sink);
  protocol_detail::resolve_dependencies(*impl, sink);
  protocol_detail::check_dependency_cycles(*impl, sink);
  if (workcell) {
    impl->capabilities = capabilities_of(*workcell);
    protocol_detail::check_capabilities(*impl, *impl->capabilities, sink);
  }
  sink.throw_if_any();

  // Problems that show only with concrete values (lag windows against durations, ids that collide
  // across iterations) are found by expanding once with the defaults, when every parameter has one.
  bool all_defaulted = true;
  for (const auto& p : impl->parameters) all_defaulted = all_defaulted && p.default_value.has_value();
  if (all_defaulted) {
    try {
      protocol_detail::expand_protocol(*impl, {}, "load-check");
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics())
        sink.add_raw(d.path, impl->parameters.empty() ? d.reason : d.reason + " [with the default parameter values]");
    }
  }
  sink.throw_if_any();
  return Protocol(std::move(impl));
}

Protocol load_protocol(const std::filesystem::path& file, const Workcell* workcell) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({{file.string(), std::string("cannot read the protocol file: ") + std::strerror(errno)}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_protocol(text.str(), file.string(), workcell);
}

}  // namespace foundry
