// Fault tests on the simulated fleet: the real simulator plugins (drivers/), made to fail with
// their "faults" setting, each writing every physical action to a shared ledger (drivers/README.md).
// For each error policy a device fails mid-step, and the test checks the run's and steps' states,
// the events, and that the ledger shows exactly the physical actions that should have happened.
// Also: a hung command times out under its policy, and a late step that would break a max lag
// holds the run with a prompt that says why and how much of the window is left.
#include "test_engine_fixture.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace foundry;

namespace {

// One ledger command: its begin line and, if it ended, how.
struct LedgerCommand {
  std::string device, operation;
  bool ended = false;
  std::string outcome;  // "finished" / "failed"
  std::string message;  // of a failed end
};

class FleetFaultTest : public test::EngineTest {
 protected:
  std::filesystem::path ledger = db.string() + ".ledger.jsonl";

  void SetUp() override {
    test::EngineTest::SetUp();
    std::filesystem::remove(ledger);
    fleet_with({});
  }
  void TearDown() override {
    test::EngineTest::TearDown();
    std::filesystem::remove(ledger);
  }

  // Two liquid handlers, an incubator and a thermocycler of the shipped simulators, all writing to
  // one ledger; `faults` is each device's "faults" setting (JSON array text) by device id.
  void fleet_with(std::map<std::string, std::string> faults) {
    struct Device {
      const char *id, *type, *plugin, *model, *operations;
      int capacity;
    };
    const Device devices[] = {
        {"lh1", "liquid_handler", "foundry_sim_liquid_handler", "sim-lh-8ch", R"(["transfer"])", 1},
        {"lh2", "liquid_handler", "foundry_sim_liquid_handler", "sim-lh-8ch", R"(["transfer"])", 1},
        {"inc1", "incubator", "foundry_sim_incubator", "sim-incubator", R"(["incubate"])", 4},
        {"tc1", "thermocycler", "foundry_sim_thermocycler", "sim-tc-96", R"(["run_program"])", 1},
    };
    nlohmann::json cell = {{"devices", nlohmann::json::array()}};
    for (const Device& d : devices) {
      nlohmann::json settings = {{"ledger", ledger.string()}, {"device", d.id}};
      if (faults.count(d.id)) settings["faults"] = nlohmann::json::parse(faults[d.id]);
      cell["devices"].push_back({{"id", d.id},
                                 {"type", d.type},
                                 {"capacity", d.capacity},
                                 {"operations", nlohmann::json::parse(d.operations)},
                                 {"driver", {{"plugin", d.plugin}, {"model", d.model}, {"settings", settings}}}});
    }
    workcell = parse_workcell(cell.dump(), "fleet-faults-workcell.json");
  }

  // A fault that strikes the n-th command of `operation` halfway through it.
  static std::string mid_step_failure(const std::string& operation, int n, const std::string& message) {
    return nlohmann::json::array({{{"operation", operation},
                                   {"on_command", n},
                                   {"kind", "execution"},
                                   {"at_fraction", 0.5},
                                   {"message", message}}})
        .dump();
  }

  static StepSpec sim_step(const std::string& id, const std::string& type, const std::string& operation,
                           std::int64_t duration, const std::string& parameters, std::vector<Dependency> after = {}) {
    StepSpec s = step(id, operation, duration, std::move(after));
    s.device_type = type;
    s.parameters_json = parameters;
    return s;
  }
  static StepSpec transfer(const std::string& id, std::vector<Dependency> after = {}, const std::string& sample = "") {
    nlohmann::json p = {{"source", {{"labware", "parts"}, {"well", "A1"}}},
                        {"destination", {{"labware", "assembly"}, {"well", "A1"}}},
                        {"volume_ul", 10}};
    if (!sample.empty()) p["sample"] = sample;
    return sim_step(id, "liquid_handler", "transfer", 60, p.dump(), std::move(after));
  }
  static StepSpec incubate(const std::string& id, std::vector<Dependency> after = {}) {
    return sim_step(id, "incubator", "incubate", 600, R"({"temperature_c": 30})", std::move(after));
  }
  static StepSpec pcr(const std::string& id, std::int64_t duration, std::vector<Dependency> after = {}) {
    return sim_step(id, "thermocycler", "run_program", duration, R"({"program": "golden_gate"})", std::move(after));
  }
  static Dependency follows(const std::string& predecessor, std::optional<std::int64_t> max_lag = std::nullopt) {
    return {predecessor, Anchor::kEnd, 0, max_lag};
  }
  static ErrorPolicy policy(ErrorAction action, int retries = 0, ErrorAction then = ErrorAction::kHold) {
    ErrorPolicy p;
    p.action = action;
    p.retry_limit = retries;
    p.backoff_s = 30;
    p.then = then;
    return p;
  }
  static StepSpec with_policy(StepSpec s, ErrorPolicy p) {
    s.on_error = p;
    return s;
  }

  // The ledger by command id ("run/step/attempt").
  std::map<std::string, LedgerCommand> read_ledger() {
    std::map<std::string, LedgerCommand> out;
    std::ifstream in(ledger);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      LedgerCommand& c = out[j.value("command_id", "")];
      c.device = j.value("device", "");
      c.operation = j.value("operation", "");
      if (j.value("event", "") == "end") {
        c.ended = true;
        c.outcome = j.value("outcome", "");
        c.message = j.value("message", "");
      }
    }
    return out;
  }
  // Command ids in the ledger of one step of a run.
  std::vector<std::string> ledger_ids(const std::map<std::string, LedgerCommand>& l, const std::string& run,
                                      const std::string& step_id) {
    std::vector<std::string> out;
    for (const auto& [id, c] : l)
      if (id.rfind(run + "/" + step_id + "/", 0) == 0) out.push_back(id);
    return out;
  }
  // Runs virtual time `seconds` on from now (or until nothing is left to do).
  void run_for(double seconds) {
    clock->call_at(clock->now() + seconds, [this] { clock->stop(); });
    clock->run();
  }
  std::string event_detail(const std::string& run, const std::string& step_id, const std::string& kind) {
    for (auto& e : store->events(run))
      if (e.step_id == step_id && e.kind == kind) return e.detail_json;
    return "";
  }
};

}  // namespace

TEST_F(FleetFaultTest, RetryRunsTheStepAgainAndTheLedgerShowsBothActions) {
  fleet_with({{"lh1", mid_step_failure("transfer", 1, "tip crash")}});
  open();
  engine->set_device_in_service("lh2", false, "kept out: the retry must use lh1 again");
  engine->submit(run_of("r", {with_policy(transfer("a"), policy(ErrorAction::kRetry, 2)), incubate("b", {follows("a")})}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["a"].attempt, 2);
  EXPECT_EQ(s["b"].state, "done");
  EXPECT_EQ(count(kinds("r", "a"), "step_attempt_failed"), 1);
  EXPECT_NE(event_detail("r", "a", "step_attempt_failed").find("tip crash"), std::string::npos);

  auto l = read_ledger();
  ASSERT_EQ(ledger_ids(l, "r", "a"), (std::vector<std::string>{"r/a/1", "r/a/2"}));
  EXPECT_EQ(l["r/a/1"].outcome, "failed");
  EXPECT_EQ(l["r/a/1"].message, "tip crash");
  EXPECT_EQ(l["r/a/2"].outcome, "finished");
  EXPECT_EQ(l["r/a/1"].device, "lh1");
  EXPECT_EQ(l["r/a/2"].device, "lh1");
  EXPECT_EQ(s["a"].device_id, "lh1");
  ASSERT_EQ(ledger_ids(l, "r", "b"), (std::vector<std::string>{"r/b/1"}));
  EXPECT_EQ(l["r/b/1"].device, "inc1");
  EXPECT_EQ(l["r/b/1"].outcome, "finished");
  expect_log_replays();
}

TEST_F(FleetFaultTest, RerouteRunsTheStepOnTheOtherLiquidHandler) {
  // lh1 fails every transfer; lh2 works.
  const std::string always = R"([{"operation": "transfer", "probability": 1, "kind": "execution", "at_fraction": 0.5,
                                  "message": "deck jammed"}])";
  fleet_with({{"lh1", always}});
  open();
  engine->submit(run_of("r", {with_policy(transfer("a"), policy(ErrorAction::kReroute))}));
  clock->run();
  auto l = read_ledger();
  ASSERT_EQ(ledger_ids(l, "r", "a"), (std::vector<std::string>{"r/a/1", "r/a/2"}));
  ASSERT_EQ(l["r/a/1"].device, "lh1") << "the plan (deterministic) puts it on the first handler";
  EXPECT_EQ(l["r/a/1"].outcome, "failed");
  EXPECT_EQ(l["r/a/1"].message, "deck jammed");
  EXPECT_EQ(l["r/a/2"].device, "lh2");
  EXPECT_EQ(l["r/a/2"].outcome, "finished");
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["a"].device_id, "lh2");
  EXPECT_NE(event_detail("r", "a", "step_attempt_failed").find(R"("reroute_from":"lh1")"), std::string::npos);
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

TEST_F(FleetFaultTest, HoldPromptsAndAnOperatorRetryRunsItAgain) {
  fleet_with({{"inc1", mid_step_failure("incubate", 1, "door sensor tripped")}});
  open();
  engine->submit(run_of("r", {transfer("a"), with_policy(incubate("b", {follows("a")}), policy(ErrorAction::kHold))}));
  clock->run();
  EXPECT_EQ(run_state("r"), "held");
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].step_id, "b");
  EXPECT_EQ(prompts[0].device_id, "inc1");
  EXPECT_NE(prompts[0].what_happened.find("door sensor tripped"), std::string::npos) << prompts[0].what_happened;
  EXPECT_EQ(prompts[0].choices, (std::vector<std::string>{"retry", "skip", "abort"}));
  auto l = read_ledger();
  EXPECT_EQ(l["r/b/1"].outcome, "failed") << "the incubator stopped halfway";
  EXPECT_EQ(ledger_ids(l, "r", "b").size(), 1u) << "nothing runs again before the operator answers";

  engine->acknowledge("r", "b", engine::OperatorChoice::kRetry);
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_EQ(steps_of("r")["b"].attempt, 2);
  l = read_ledger();
  EXPECT_EQ(ledger_ids(l, "r", "b"), (std::vector<std::string>{"r/b/1", "r/b/2"}));
  EXPECT_EQ(l["r/b/2"].outcome, "finished");
  EXPECT_EQ(count(kinds("r", "b"), "prompt_answered"), 1);
  expect_log_replays();
}

TEST_F(FleetFaultTest, HoldThenSkipSkipsTheStepAndItsDependentsWithoutRunningThem) {
  fleet_with({{"inc1", mid_step_failure("incubate", 1, "door sensor tripped")}});
  open();
  engine->submit(run_of("r", {transfer("a"), incubate("b", {follows("a")}), pcr("c", 300, {follows("b")})}));
  clock->run();  // no policy given: hold is the built-in default
  ASSERT_EQ(engine->prompts().size(), 1u);
  engine->acknowledge("r", "b", engine::OperatorChoice::kSkip);
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["b"].state, "skipped");
  EXPECT_EQ(s["c"].state, "skipped");
  EXPECT_EQ(run_state("r"), "done");
  auto l = read_ledger();
  EXPECT_EQ(ledger_ids(l, "r", "b").size(), 1u);
  EXPECT_TRUE(ledger_ids(l, "r", "c").empty()) << "a skipped step never reaches its instrument";
  expect_log_replays();
}

TEST_F(FleetFaultTest, HoldThenAbortCancelsTheRun) {
  fleet_with({{"inc1", mid_step_failure("incubate", 1, "door sensor tripped")}});
  open();
  engine->submit(run_of("r", {transfer("a"), incubate("b", {follows("a")}), pcr("c", 300, {follows("b")})}));
  clock->run();
  ASSERT_EQ(engine->prompts().size(), 1u);
  engine->acknowledge("r", "b", engine::OperatorChoice::kAbortRun);
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["b"].state, "cancelled");
  EXPECT_EQ(s["c"].state, "cancelled");
  EXPECT_EQ(run_state("r"), "cancelled");
  EXPECT_TRUE(engine->idle());
  auto l = read_ledger();
  EXPECT_EQ(ledger_ids(l, "r", "b").size(), 1u);
  EXPECT_TRUE(ledger_ids(l, "r", "c").empty());
  expect_log_replays();
}

TEST_F(FleetFaultTest, SkipPolicySkipsDependentsAndTheRestOfTheRunGoesOn) {
  fleet_with({{"tc1", mid_step_failure("run_program", 1, "lid heater fault")}});
  open();
  engine->submit(run_of("r", {with_policy(pcr("a", 600), policy(ErrorAction::kSkip)), transfer("b", {follows("a")}),
                              incubate("c")}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "skipped");
  EXPECT_NE(s["a"].error.find("lid heater fault"), std::string::npos) << s["a"].error;
  EXPECT_EQ(s["b"].state, "skipped");
  EXPECT_EQ(s["c"].state, "done");
  EXPECT_EQ(run_state("r"), "done");
  auto l = read_ledger();
  EXPECT_EQ(l["r/a/1"].outcome, "failed");
  EXPECT_TRUE(ledger_ids(l, "r", "b").empty());
  EXPECT_EQ(l["r/c/1"].outcome, "finished");
  expect_log_replays();
}

TEST_F(FleetFaultTest, AbortSampleStopsThatSampleOnlyAndTheOtherSampleFinishes) {
  // Two samples' incubations; the first incubation command fails: its sample's reading is
  // never taken, the other sample runs to the end.
  fleet_with({{"inc1", mid_step_failure("incubate", 1, "shaker stalled")}});
  open();
  StepSpec grow_a = with_policy(incubate("A/grow", {follows("A/prep")}), policy(ErrorAction::kAbortSample));
  StepSpec grow_b = with_policy(incubate("B/grow", {follows("B/prep")}), policy(ErrorAction::kAbortSample));
  engine->submit(run_of("r", {transfer("A/prep", {}, "A"), transfer("B/prep", {}, "B"), grow_a, grow_b,
                              transfer("A/read", {follows("A/grow")}, "A"), transfer("B/read", {follows("B/grow")}, "B")}));
  clock->run();
  auto s = steps_of("r");
  auto l = read_ledger();
  // Which sample's incubation was the incubator's first command depends on the plan.
  const bool a_failed = l["r/A/grow/1"].outcome == "failed";
  const std::string lost = a_failed ? "A" : "B", kept = a_failed ? "B" : "A";
  EXPECT_EQ(l["r/" + lost + "/grow/1"].outcome, "failed");
  EXPECT_EQ(s[lost + "/grow"].state, "skipped");
  EXPECT_NE(s[lost + "/grow"].error.find("sample aborted"), std::string::npos) << s[lost + "/grow"].error;
  EXPECT_EQ(s[lost + "/read"].state, "skipped");
  EXPECT_TRUE(ledger_ids(l, "r", lost + "/read").empty());
  EXPECT_EQ(s[kept + "/grow"].state, "done");
  EXPECT_EQ(s[kept + "/read"].state, "done");
  EXPECT_EQ(l["r/" + kept + "/read/1"].outcome, "finished");
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

TEST_F(FleetFaultTest, AbortRunFailsTheRunAndNothingAfterItTouchesAnInstrument) {
  fleet_with({{"lh1", mid_step_failure("transfer", 1, "tip crash")}, {"lh2", mid_step_failure("transfer", 1, "tip crash")}});
  open();
  engine->submit(run_of("r", {with_policy(transfer("a"), policy(ErrorAction::kAbortRun)), incubate("b", {follows("a")}),
                              pcr("c", 300, {follows("b")})}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "failed");
  EXPECT_NE(s["a"].error.find("tip crash"), std::string::npos) << s["a"].error;
  EXPECT_EQ(s["b"].state, "cancelled");
  EXPECT_EQ(s["c"].state, "cancelled");
  EXPECT_EQ(run_state("r"), "failed");
  auto l = read_ledger();
  EXPECT_EQ(l.size(), 1u) << "only the failed transfer happened";
  EXPECT_EQ(l["r/a/1"].outcome, "failed");
  expect_log_replays();
}

TEST_F(FleetFaultTest, AHungCommandTimesOutIsCancelledAndRetried) {
  fleet_with({{"tc1", R"([{"operation": "run_program", "on_command": 1, "kind": "hang"}])"}});
  open();
  StepSpec a = with_policy(pcr("a", 600), policy(ErrorAction::kRetry, 1));
  a.timeout_s = 900;
  engine->submit(run_of("r", {a, transfer("b", {follows("a")})}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["a"].attempt, 2);
  EXPECT_EQ(s["b"].state, "done");
  EXPECT_EQ(run_state("r"), "done");
  // The timeout struck 900 s after the first attempt started, before its failure was recorded.
  auto events = store->events("r");
  double started = -1, timed_out = -1;
  for (auto& e : events) {
    if (e.step_id != "a") continue;
    if (e.kind == "step_started" && started < 0) started = e.t;
    if (e.kind == "step_timed_out") timed_out = e.t;
  }
  ASSERT_GE(timed_out, 0) << "no step_timed_out event";
  EXPECT_NEAR(timed_out - started, 900, 1e-6);
  auto detail = nlohmann::json::parse(event_detail("r", "a", "step_timed_out"));
  EXPECT_EQ(detail["command_id"], "r/a/1");
  EXPECT_EQ(detail["device"], "tc1");
  EXPECT_DOUBLE_EQ(detail["timeout_s"].get<double>(), 900);
  EXPECT_NE(event_detail("r", "a", "step_attempt_failed").find("timed out"), std::string::npos);
  auto l = read_ledger();
  EXPECT_EQ(l["r/a/1"].outcome, "failed");
  EXPECT_EQ(l["r/a/1"].message, "cancelled") << "the engine asked the thermocycler to stop";
  EXPECT_EQ(l["r/a/2"].outcome, "finished");
  expect_log_replays();
}

TEST_F(FleetFaultTest, AHungCommandUnderTheDefaultPolicyHoldsTheRunAfterTheDefaultTimeout) {
  fleet_with({{"tc1", R"([{"operation": "run_program", "on_command": 1, "kind": "hang"}])"}});
  open();
  engine->submit(run_of("r", {pcr("a", 600)}));  // default timeout: 2 x 600 + 60 s
  clock->run();
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_NE(prompts[0].what_happened.find("timed out"), std::string::npos) << prompts[0].what_happened;
  EXPECT_NE(prompts[0].what_happened.find("timeout_s 1260"), std::string::npos) << prompts[0].what_happened;
  EXPECT_EQ(run_state("r"), "held");
  EXPECT_EQ(count(kinds("r", "a"), "step_timed_out"), 1);
  EXPECT_EQ(read_ledger()["r/a/1"].message, "cancelled");
}

TEST_F(FleetFaultTest, ALateStepThatWouldBreakAMaxLagHoldsTheRunAndThePromptSaysWhy) {
  // 'seal' must start within 15 min of 'prep' ending, and after the PCR on tc1; the PCR hangs
  // (its timeout, 2 x 600 + 60 s, is later than the window), so seal cannot start in time.
  fleet_with({{"tc1", R"([{"operation": "run_program", "on_command": 1, "kind": "hang"}])"}});
  options.max_lag_warning_s = 120;
  open();
  engine->submit(run_of("r", {transfer("prep"), pcr("pcr", 600, {follows("prep")}),
                              transfer("seal", {follows("prep", 900), follows("pcr")})}));
  // The window closes about 960 s in and is watched from 120 s before: look while it is still open.
  run_for(900);
  EXPECT_EQ(run_state("r"), "held");
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].step_id, "seal");
  const std::string& why = prompts[0].what_happened;
  EXPECT_NE(why.find("max-lag window"), std::string::npos) << why;
  EXPECT_NE(why.find("closes in"), std::string::npos) << "says how much window is left: " << why;
  EXPECT_NE(why.find("'pcr'"), std::string::npos) << "names what it waits for: " << why;
  EXPECT_NE(why.find("still running on tc1"), std::string::npos) << why;
  ASSERT_TRUE(prompts[0].window_left_s);
  EXPECT_GT(*prompts[0].window_left_s, 0.0) << "the window is still open";
  EXPECT_LE(*prompts[0].window_left_s, 120.0) << "held within the warning period";
  EXPECT_EQ(steps_of("r")["seal"].state, "held");
  EXPECT_TRUE(ledger_ids(read_ledger(), "r", "seal").empty()) << "held before it touched the liquid handler";

  engine->acknowledge("r", "seal", engine::OperatorChoice::kAbortRun);
  clock->run();
  EXPECT_EQ(run_state("r"), "cancelled");
  auto l = read_ledger();
  EXPECT_EQ(l["r/pcr/1"].outcome, "failed");
  EXPECT_EQ(l["r/pcr/1"].message, "cancelled") << "stopping the run stopped the hung PCR";
  EXPECT_TRUE(ledger_ids(l, "r", "seal").empty());
  expect_log_replays();
}
