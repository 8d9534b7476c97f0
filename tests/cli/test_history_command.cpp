// `foundry history`: its --json output against the documented shape
// (docs/schemas/history.schema.json), its table, and its exit codes.
#include "recorded_runs.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace foundry {
namespace {

using testing::foundry_binary;
using testing::run_command;
using testing::shell_quote;

class HistoryCommand : public testing::RecordedRuns {
 protected:
  static void SetUpTestSuite() { record_runs("history"); }
};

// Checks `value` against the schema's "type" (the subset of JSON Schema the document uses).
bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  return false;
}

TEST_F(HistoryCommand, JsonFollowsTheDocumentedShape) {
  std::ifstream schema_file(foundry::testing::source_dir() + "/docs/schemas/history.schema.json");
  auto schema = nlohmann::json::parse(schema_file);
  auto result = run_command(foundry_binary() + " history dbtl-quick-1 --json --db " + db());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto events = nlohmann::json::parse(result.out);
  ASSERT_TRUE(has_type(events, schema["type"]));
  ASSERT_GT(events.size(), 10u);
  const auto& item = schema["items"];
  std::int64_t last_seq = 0;
  for (const auto& e : events) {
    ASSERT_TRUE(e.is_object());
    for (const auto& key : item["required"]) EXPECT_TRUE(e.contains(key.get<std::string>())) << key << " in " << e;
    for (const auto& [key, value] : e.items()) {
      ASSERT_TRUE(item["properties"].contains(key)) << "undocumented member '" << key << "'";
      EXPECT_TRUE(has_type(value, item["properties"][key]["type"])) << key << " = " << value;
    }
    EXPECT_GT(e["seq"].get<std::int64_t>(), last_seq) << "seq strictly increasing";
    last_seq = e["seq"];
    EXPECT_EQ(e["run"], "dbtl-quick-1");
  }
  EXPECT_EQ(events.front()["kind"], "run_created");
  EXPECT_EQ(events.back()["kind"], "run_done");
}

TEST_F(HistoryCommand, TheTableStartsWithTheRunAndHasOneRowPerEvent) {
  auto json = nlohmann::json::parse(run_command(foundry_binary() + " history dbtl-quick-1 --json --db " + db()).out);
  auto result = run_command(foundry_binary() + " history dbtl-quick-1 --db " + db());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("dbtl-quick-1  dbtl-quick  done  created ", 0), 0u) << result.out.substr(0, 200);
  EXPECT_NE(result.out.find(", took 1 d "), std::string::npos) << "a 36 h run\n" << result.out.substr(0, 200);
  std::size_t lines = static_cast<std::size_t>(std::count(result.out.begin(), result.out.end(), '\n'));
  EXPECT_EQ(lines, json.size() + 2) << "summary, header, one line per event";
}

TEST_F(HistoryCommand, ExitCodes) {
  EXPECT_EQ(run_command(foundry_binary() + " history dbtl-quick-1 --db " + db()).exit_code, 0);
  auto missing_db = run_command(foundry_binary() + " history dbtl-quick-1 --db " +
                                shell_quote((dir_ / "none.db").string()));
  EXPECT_EQ(missing_db.exit_code, 3);
  EXPECT_NE(missing_db.err.find("no such database"), std::string::npos) << missing_db.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db")) << "reading never creates a database";
  auto unknown = run_command(foundry_binary() + " history nope --db " + db());
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("runs: dbtl-quick-1"), std::string::npos) << unknown.err;
  EXPECT_EQ(run_command(foundry_binary() + " history --db " + db()).exit_code, 2) << "the run id is required";
  EXPECT_EQ(run_command(foundry_binary() + " history dbtl-quick-1 --bogus").exit_code, 2);
}

}  // namespace
}  // namespace foundry
