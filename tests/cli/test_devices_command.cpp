// `foundry devices`, `devices out`, `devices in` against a real foundryd: the table and the JSON
// shape (docs/cli.md), taking a device out and back and what that does to the plan, the exit
// codes (3 unknown device, 8 no foundryd), and the table on a terminal (colour, NO_COLOR).
#include "command_runner.hpp"
#include "json_output.hpp"
#include "pty_runner.hpp"
#include "served_database.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace foundry::testing {
namespace {

using nlohmann::json;

json device_named(const json& reply, const std::string& id) {
  for (const auto& d : reply.at("devices"))
    if (d.at("id") == id) return d;
  ADD_FAILURE() << "no device " << id;
  return json::object();
}

// The devices the preview of dbtl-quick would use.
std::set<std::string> preview_devices(const ServedDatabase& server) {
  auto r = server.foundry("plan --preview dbtl-quick --json");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::set<std::string> used;
  const json plan = parse_json_output(r).at("plan");
  for (const auto& s : plan) used.insert(s.at("device_id").get<std::string>());
  return used;
}

TEST(DevicesCommand, JsonListsEveryDeviceWithItsDocumentedFields) {
  ServedDatabase server;
  auto r = server.foundry("devices --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json reply = parse_json_output(r);
  ASSERT_TRUE(reply.at("now").is_number());
  std::set<std::string> ids;
  for (const auto& d : reply.at("devices")) {
    SCOPED_TRACE(d.dump());
    ids.insert(d.at("id").get<std::string>());
    EXPECT_TRUE(d.at("type").is_string());
    EXPECT_TRUE(d.at("operations").is_array());
    EXPECT_GE(d.at("capacity").get<int>(), 1);
    EXPECT_TRUE(d.at("in_service").get<bool>());
    EXPECT_EQ(d.at("reason"), "");
    EXPECT_EQ(d.at("busy_units"), 0);
    EXPECT_TRUE(d.at("running").is_array());
    EXPECT_DOUBLE_EQ(d.at("utilisation_24h").get<double>(), 0);  // nothing has run yet
    EXPECT_TRUE(d.at("next_planned").is_null());
  }
  // protocols/workcells/sim-foundry.json
  EXPECT_EQ(ids, (std::set<std::string>{"lh1", "lh2", "tc1", "inc1", "cp1", "br250", "br1l", "pr1", "cc1", "arm1"}));
}

TEST(DevicesCommand, TableHasAHeaderAndARowPerDevicePlainWhenPiped) {
  ServedDatabase server;
  auto r = server.foundry("devices");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when piped\n" << r.out;
  std::istringstream lines(r.out);
  std::string header, line;
  std::getline(lines, header);
  for (const char* column : {"DEVICE", "TYPE", "UNITS", "SERVICE", "NOW", "UTIL 24H", "NEXT PLANNED"})
    EXPECT_NE(header.find(column), std::string::npos) << column << " in " << header;
  int rows = 0;
  bool br250 = false;
  while (std::getline(lines, line)) {
    ++rows;
    if (line.rfind("br250 ", 0) == 0) {
      br250 = true;
      EXPECT_NE(line.find("bioreactor_250ml"), std::string::npos) << line;
      EXPECT_NE(line.find(" 24 "), std::string::npos) << "capacity\n" << line;
      EXPECT_NE(line.find(" in "), std::string::npos) << line;
      EXPECT_NE(line.find("idle"), std::string::npos) << line;
      EXPECT_NE(line.find("0%"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(rows, 10) << r.out;
  EXPECT_TRUE(br250) << r.out;
}

TEST(DevicesCommand, OutAndInChangeTheServiceStateAndThePlan) {
  ServedDatabase server;
  auto before = preview_devices(server);
  ASSERT_TRUE(before.count("lh1") + before.count("lh2") > 0) << "dbtl-quick needs a liquid handler";

  auto out = server.foundry("devices out lh1 --reason 'tip jam'");
  ASSERT_EQ(out.exit_code, 0) << out.out << out.err;
  EXPECT_NE(out.out.find("lh1: out of service (tip jam)"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("re-planned"), std::string::npos) << out.out;
  auto lh1 = device_named(parse_json_output(server.foundry("devices --json")), "lh1");
  EXPECT_FALSE(lh1.at("in_service").get<bool>());
  EXPECT_EQ(lh1.at("reason"), "tip jam");
  auto table = server.foundry("devices");
  EXPECT_NE(table.out.find("out: tip jam"), std::string::npos) << table.out;

  // Planned now, a run avoids lh1 and its liquid handling goes to lh2.
  auto used = preview_devices(server);
  EXPECT_EQ(used.count("lh1"), 0u);
  EXPECT_EQ(used.count("lh2"), 1u);

  // With both liquid handlers out, no plan exists for a run that needs one.
  ASSERT_EQ(server.foundry("devices out lh2 --reason cleaning").exit_code, 0);
  auto none = server.foundry("plan --preview dbtl-quick");
  EXPECT_EQ(none.exit_code, 4) << none.out << none.err;

  auto in = server.foundry("devices in lh1");
  ASSERT_EQ(in.exit_code, 0) << in.out << in.err;
  EXPECT_NE(in.out.find("lh1: in service"), std::string::npos) << in.out;
  EXPECT_TRUE(device_named(parse_json_output(server.foundry("devices --json")), "lh1").at("in_service").get<bool>());
  used = preview_devices(server);
  EXPECT_EQ(used.count("lh1"), 1u) << "the only liquid handler in service";
  EXPECT_EQ(used.count("lh2"), 0u);
}

TEST(DevicesCommand, UnknownDeviceIsExit3AndListsTheDevices) {
  ServedDatabase server;
  for (const char* args : {"devices out lh9 --reason x", "devices in lh9"}) {
    auto r = server.foundry(args);
    EXPECT_EQ(r.exit_code, 3) << args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find("no device 'lh9'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("lh1"), std::string::npos) << "names the devices there are\n" << r.err;
  }
  auto missing_reason = server.foundry("devices out lh1");
  EXPECT_EQ(missing_reason.exit_code, 2) << "--reason is required\n" << missing_reason.err;
  EXPECT_TRUE(device_named(parse_json_output(server.foundry("devices --json")), "lh1").at("in_service").get<bool>());
}

TEST(DevicesCommand, NoFoundrydIsExit8WithWhatToDo) {
  auto dir = std::filesystem::temp_directory_path() / ("foundry-cli-none-" + std::to_string(::getpid()));
  for (const char* args : {"devices", "devices out lh1 --reason x", "devices in lh1", "plan --preview dbtl-quick"}) {
    auto r = run_command(shell_quote(foundry_binary()) + " " + args + " --db " + shell_quote((dir / "lab.db").string()));
    EXPECT_EQ(r.exit_code, 8) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("foundry serve"), std::string::npos) << r.err;
  }
}

TEST(DevicesCommand, BashCompletesTheDeviceIdsOfOutAndIn) {
  if (run_command("command -v bash").exit_code != 0) GTEST_SKIP() << "bash is not installed";
  ServedDatabase server;
  auto complete = [&](const std::string& words) {
    std::string script = "source " + shell_quote(foundry::testing::source_dir() + "/ui-cli/completion/foundry.bash") +
                         "; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _foundry; "
                         "printf '%s\\n' \"${COMPREPLY[@]}\"";
    auto r = run_command("bash -c " + shell_quote(script));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string db = shell_quote(server.db().string());
  EXPECT_EQ(complete(shell_quote(foundry_binary()) + " devices out --db " + db + " l"), "lh1\nlh2\n");
  EXPECT_EQ(complete(shell_quote(foundry_binary()) + " devices --db " + db + " in br"), "br250\nbr1l\n");
  EXPECT_EQ(complete(shell_quote(foundry_binary()) + " devices o"), "out\n");
}

TEST(DevicesCommand, OnATerminalTheTableHasColourUnlessNoColor) {
  ServedDatabase server;
  std::vector<std::string> argv{foundry_binary(), "devices", "--db", server.db().string()};
  auto coloured = run_on_pty(argv, {{"NO_COLOR", ""}, {"TERM", "xterm-256color"}});
  ASSERT_FALSE(coloured.timed_out);
  ASSERT_EQ(coloured.exit_code, 0) << coloured.output;
  EXPECT_NE(coloured.output.find("\x1b[1mDEVICE"), std::string::npos) << "bold header\n" << coloured.output;
  EXPECT_NE(coloured.output.find("\x1b[32min\x1b[0m"), std::string::npos) << "green 'in'\n" << coloured.output;

  auto plain = run_on_pty(argv, {{"NO_COLOR", "1"}, {"TERM", "xterm-256color"}});
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("DEVICE"), std::string::npos);
  EXPECT_EQ(plain.output.find("\x1b["), std::string::npos) << plain.output;
}

}  // namespace
}  // namespace foundry::testing
