// Simulated 8-channel liquid handler (org.foundry.sim.liquid-handler, model sim-lh-8ch).
//
// High-level DBTL operations (assembly_setup, transformation, inoculate, sample) check their
// labware and consume tips; `transfer` moves liquid between wells with volume tracking.
// Declared execution errors: unknown labware, missing tips, over-aspiration (more than a channel
// holds or than the source well contains), overflow of the destination well.
#include "deck.hpp"

#include <foundry/sim/design.hpp>
#include <foundry/sim/model_spec.hpp>
#include <foundry/sim/sim_driver.hpp>
#include <foundry/sim/sim_plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

using foundry::sim::Activity;
using foundry::sim::ExecutionFailure;
using foundry::sim::lh::Deck;
using foundry::sim::lh::Labware;
using nlohmann::json;

constexpr int tips_per_rack = 96;
constexpr double setup_s = 60;          // deck check, labware scan
constexpr double per_transfer_s = 15;   // pick up tip, aspirate, dispense, drop tip

double estimate_s(int transfers) { return setup_s + per_transfer_s * transfers; }

std::string ul(double volume) {
  char text[32];
  std::snprintf(text, sizeof text, "%g uL", volume);
  return text;
}

// Schema fragments shared by several operations.
#define FOUNDRY_LH_LABWARE(NAME, DEFAULT) \
  "\"" NAME "\": {\"type\": \"string\", \"minLength\": 1, \"default\": \"" DEFAULT "\", \"description\": \"labware id on the deck\"}"
#define FOUNDRY_LH_DESIGN "\"design\": {\"type\": [\"object\", \"string\"], \"description\": \"strain design (recorded in the result)\"}"

const char* const counted_result = R"({
  "type": "object",
  "required": ["tips_used", "tips_remaining"],
  "properties": {
    "tips_used": {"type": "integer"}, "tips_remaining": {"type": "integer"},
    "reactions": {"type": "integer"}, "parts": {"type": "integer"}, "cultures": {"type": "integer"},
    "samples": {"type": "integer"}, "volume_ul": {"type": "number"}, "destination": {"type": "string"},
    "design": {"type": "string"}
  }
})";

// Every operation works the deck, so every one may run into these.
foundry::sim::ModelSpec with_deck_errors(foundry::sim::ModelSpec spec) {
  const std::vector<foundry::sim::DeclaredError> errors = {
      {"missing_tips", "the tip stacker (or the head, when tips are reused) has too few tips; load_tips refills it"},
      {"over_aspiration", "more liquid was asked for than a channel holds or the source well contains"},
      {"overflow", "the dispense would overfill a destination well"},
      {"unknown_labware", "a labware id is not on the deck"},
      {"unknown_well", "a well (or a column of wells for several channels) does not exist on the labware"}};
  for (auto& op : spec.operations) op.errors = errors;
  return spec;
}

const foundry::sim::ModelSpec& model() {
  static const foundry::sim::ModelSpec spec = with_deck_errors(foundry::sim::ModelSpec{
      "sim-lh-8ch",
      "liquid_handler",
      1,
      {
          {"assembly_setup",
           "Pipettes DNA parts and master mix into assembly reactions (one fresh tip per part and per mix).",
           false,
           std::string(R"({"type": "object", "properties": {)") + FOUNDRY_LH_DESIGN + "," +
               R"("parts": {"type": "integer", "minimum": 1, "maximum": 12, "default": 3},
                  "reactions": {"type": "integer", "minimum": 1, "maximum": 96, "default": 1},
                  "volume_ul": {"type": "number", "minimum": 1, "maximum": 200, "default": 20},)" +
               FOUNDRY_LH_LABWARE("source", "parts") + "," + FOUNDRY_LH_LABWARE("reagent", "master_mix") + "," +
               FOUNDRY_LH_LABWARE("destination", "assembly") + "}}",
           counted_result,
           {estimate_s(4), estimate_s(2), estimate_s(96 * 13)}},
          {"transformation",
           "Adds assembled DNA to competent cells and spots the transformed cells onto an agar plate.",
           false,
           std::string(R"({"type": "object", "properties": {)") + FOUNDRY_LH_DESIGN + "," +
               R"("reactions": {"type": "integer", "minimum": 1, "maximum": 96, "default": 1},
                  "dna_ul": {"type": "number", "minimum": 0.5, "maximum": 10, "default": 2},
                  "cells_ul": {"type": "number", "minimum": 10, "maximum": 200, "default": 50},)" +
               FOUNDRY_LH_LABWARE("source", "assembly") + "," + FOUNDRY_LH_LABWARE("cells", "competent_cells") + "," +
               FOUNDRY_LH_LABWARE("destination", "agar_plate") + "}}",
           counted_result,
           {estimate_s(2), estimate_s(2), estimate_s(96 * 2)}},
          {"inoculate",
           "Inoculates cultures from precultures (one tip per culture).",
           false,
           std::string(R"({"type": "object", "properties": {)") + FOUNDRY_LH_DESIGN + "," +
               R"("cultures": {"type": "integer", "minimum": 1, "maximum": 96, "default": 1},
                  "volume_ul": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000, "default": 100},)" +
               FOUNDRY_LH_LABWARE("source", "preculture") + "," + FOUNDRY_LH_LABWARE("destination", "culture") + "}}",
           counted_result,
           {estimate_s(1), estimate_s(1), estimate_s(96)}},
          {"sample",
           "Draws samples from cultures into a plate for reading (one tip per sample).",
           false,
           std::string(R"({"type": "object", "properties": {)") + FOUNDRY_LH_DESIGN + "," +
               R"("samples": {"type": "integer", "minimum": 1, "maximum": 96, "default": 1},
                  "volume_ul": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000, "default": 200},)" +
               FOUNDRY_LH_LABWARE("source", "culture") + "," + FOUNDRY_LH_LABWARE("destination", "sample_plate") + "}}",
           counted_result,
           {estimate_s(1), estimate_s(1), estimate_s(96)}},
          {"transfer",
           "Moves volume_ul from source wells to destination wells with 1-8 channels (consecutive rows of a column).",
           false,
           R"({"type": "object", "required": ["source", "destination", "volume_ul"], "properties": {
                "source": {"type": "object", "required": ["labware", "well"],
                           "properties": {"labware": {"type": "string", "minLength": 1}, "well": {"type": "string", "minLength": 2}}},
                "destination": {"type": "object", "required": ["labware", "well"],
                                "properties": {"labware": {"type": "string", "minLength": 1}, "well": {"type": "string", "minLength": 2}}},
                "volume_ul": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
                "channels": {"type": "integer", "minimum": 1, "maximum": 8, "default": 1},
                "new_tips": {"type": "boolean", "default": true, "description": "false: reuse the tips on the head"}}})",
           R"({"type": "object", "required": ["volume_ul", "channels", "tips_used", "tips_remaining", "source_remaining_ul"],
               "properties": {"volume_ul": {"type": "number"}, "channels": {"type": "integer"},
                              "tips_used": {"type": "integer"}, "tips_remaining": {"type": "integer"},
                              "source_remaining_ul": {"type": "array", "items": {"type": "number"}}}})",
           {estimate_s(1), estimate_s(1), estimate_s(8)}},
          {"load_tips",
           "Loads racks of 96 tips (an operator or the robot arm refills the tip stacker).",
           false,
           R"({"type": "object", "properties": {"racks": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1}}})",
           R"({"type": "object", "required": ["tips_remaining"], "properties": {"tips_remaining": {"type": "integer"}}})",
           {120, 60, 600}},
      }});
  return spec;
}

const char* const settings_schema = R"({
  "type": "object",
  "properties": {
    "tips": {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 4800},
    "channel_volume_ul": {"type": "number", "minimum": 10, "maximum": 5000, "default": 1000},
    "deck": {"type": "object", "additionalProperties": {
      "type": "object", "required": ["type"],
      "properties": {"type": {"type": "string"}, "fill_ul": {"type": "number", "minimum": 0}}}}
  }
})";

class LiquidHandler final : public foundry::sim::SimDriver {
 public:
  LiquidHandler(foundry::driver::Host host, const json& settings)
      : SimDriver(host, model(), settings, 1),
        deck_(settings.contains("deck") ? Deck::from_settings(settings["deck"]) : Deck::standard()),
        tips_(settings.value("tips", 4800)),
        channel_volume_ul_(settings.value("channel_volume_ul", 1000.0)) {}

 private:
  Activity start(const Request& request) override {
    const std::string& op = request.command.operation;
    const json& p = request.parameters;
    if (op == "transfer") return transfer(p);
    if (op == "load_tips") {
      tips_.load(p.value("racks", 1) * tips_per_rack);
      return finished_with(json{{"tips_remaining", tips_.remaining()}}, 0);
    }
    json result = json::object();
    int tips = 0;
    if (op == "assembly_setup") {
      const int reactions = p.value("reactions", 1);
      const int parts = p.value("parts", 3);
      labware(p, "source", "parts");
      labware(p, "reagent", "master_mix");
      result["destination"] = labware(p, "destination", "assembly").id();
      tips = reactions * (parts + 1);
      result.update({{"reactions", reactions}, {"parts", parts}, {"volume_ul", p.value("volume_ul", 20.0)}});
    } else if (op == "transformation") {
      const int reactions = p.value("reactions", 1);
      labware(p, "source", "assembly");
      labware(p, "cells", "competent_cells");
      result["destination"] = labware(p, "destination", "agar_plate").id();
      tips = reactions * 2;
      result["reactions"] = reactions;
    } else if (op == "inoculate" || op == "sample") {
      const bool inoculating = op == "inoculate";
      const int count = p.value(inoculating ? "cultures" : "samples", 1);
      const double volume = p.value("volume_ul", inoculating ? 100.0 : 200.0);
      labware(p, "source", inoculating ? "preculture" : "culture");
      result["destination"] = labware(p, "destination", inoculating ? "culture" : "sample_plate").id();
      check_channel_volume(volume);
      tips = count;
      result.update({{inoculating ? "cultures" : "samples", count}, {"volume_ul", volume}});
    }
    if (p.contains("design")) result["design"] = foundry::sim::design_parameter(p, "design").id;
    take_tips(tips);
    Activity activity = finished_with(result, tips);
    activity.estimated_duration_s = estimate_s(tips);
    return activity;
  }

  Activity transfer(const json& p) {
    const int channels = p.value("channels", 1);
    const bool new_tips = p.value("new_tips", true);
    const double volume = p["volume_ul"].get<double>();
    Labware& source = labware_at(p["source"]["labware"].get<std::string>());
    Labware& destination = labware_at(p["destination"]["labware"].get<std::string>());
    const auto from = wells(source, p["source"]["well"].get<std::string>(), channels);
    const auto to = wells(destination, p["destination"]["well"].get<std::string>(), channels);
    check_channel_volume(volume);
    if (!new_tips && !tips_on_head_) throw ExecutionFailure("missing_tips", "the head holds no tips to reuse");
    for (const auto& well : from) {
      if (source.volume_ul(well) + 1e-9 < volume) {
        throw ExecutionFailure("over_aspiration", "well " + well + " of '" + source.id() + "' holds " +
                               ul(source.volume_ul(well)) + ", " + ul(volume) + " requested");
      }
    }
    for (const auto& well : to) {
      // Same-well transfers first remove, then add: only the net change counts.
      const double removed = (&source == &destination && std::find(from.begin(), from.end(), well) != from.end()) ? volume : 0;
      if (destination.volume_ul(well) - removed + volume > destination.type().max_volume_ul + 1e-9) {
        throw ExecutionFailure("overflow", "well " + well + " of '" + destination.id() + "' holds at most " +
                               ul(destination.type().max_volume_ul) + ", it has " + ul(destination.volume_ul(well)));
      }
    }
    const int tips = new_tips ? channels : 0;
    take_tips(tips);
    json remaining = json::array();
    for (std::size_t i = 0; i < from.size(); ++i) {
      source.set_volume_ul(from[i], source.volume_ul(from[i]) - volume);
      destination.set_volume_ul(to[i], destination.volume_ul(to[i]) + volume);
    }
    for (const auto& well : from) remaining.push_back(source.volume_ul(well));
    Activity activity = finished_with(
        json{{"volume_ul", volume}, {"channels", channels}, {"source_remaining_ul", remaining}}, tips);
    activity.estimated_duration_s = estimate_s(1);
    return activity;
  }

  // The labware named by parameter `name` (or its default id).
  Labware& labware(const json& p, const char* name, const char* fallback) {
    return labware_at(p.value(name, std::string(fallback)));
  }
  Labware& labware_at(const std::string& id) {
    Labware* found = deck_.find(id);
    if (found == nullptr) throw ExecutionFailure("unknown_labware", "'" + id + "' (deck: " + deck_.labware_list() + ")");
    return *found;
  }
  // `channels` wells down the column from `first`.
  std::vector<std::string> wells(const Labware& labware, const std::string& first, int channels) {
    std::vector<std::string> list;
    for (int c = 0; c < channels; ++c) {
      std::string well = c == 0 ? first : labware.well_below(first, c);
      if (!labware.has_well(first) || well.empty()) {
        throw ExecutionFailure("unknown_well", std::to_string(channels) + " channel(s) from " + first +
                               " do not fit '" + labware.id() + "' (" + labware.type().name + ", " +
                               std::to_string(labware.type().rows) + " x " + std::to_string(labware.type().columns) + ")");
      }
      list.push_back(well);
    }
    return list;
  }
  void check_channel_volume(double volume) const {
    if (volume > channel_volume_ul_) {
      throw ExecutionFailure("over_aspiration", ul(volume) + " exceeds the " + ul(channel_volume_ul_) +
                             " a channel holds");
    }
  }
  void take_tips(int n) {
    if (!tips_.can_take(n)) {
      throw ExecutionFailure("missing_tips", std::to_string(n) + " needed, " + std::to_string(tips_.remaining()) + " left");
    }
    tips_.take(n);
    if (n > 0) tips_on_head_ = true;
  }
  Activity finished_with(json result, int tips_used) {
    result["tips_used"] = tips_used;
    result["tips_remaining"] = tips_.remaining();
    Activity activity;
    activity.complete = [result = std::move(result)] { return result; };
    return activity;
  }

  Deck deck_;
  foundry::sim::lh::TipSupply tips_;
  double channel_volume_ul_;
  bool tips_on_head_ = false;
};

}  // namespace

FOUNDRY_SIM_PLUGIN("org.foundry.sim.liquid-handler", LiquidHandler, model, settings_schema, {"transfer", R"({"source": {"labware": "parts", "well": "A1"}, "destination": {"labware": "assembly", "well": "A1"}, "volume_ul": 10})"})
