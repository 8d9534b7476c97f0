// campaign_report_html: its five sections, the runs a campaign selects, DBTL progress per cycle
// against the random baseline, growth curves per vessel, and sections without data saying so.
#include "report_fixture.hpp"

#include <foundry/report/campaign_report.hpp>

namespace foundry::report {
namespace {

using testing::ReportStore;

std::string report(const store::Store& store, const std::string& campaign = "") {
  ReportOptions options;
  options.campaign = campaign;
  return campaign_report_html(store, options);
}

TEST_F(ReportStore, TheReportHasItsFiveSections) {
  std::string html = report(*store);
  for (const char* id : {"id=\"runs\"", "id=\"gantt\"", "id=\"devices\"", "id=\"dbtl\"", "id=\"growth\""})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  EXPECT_NE(html.find("class=\"gantt\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST_F(ReportStore, ACampaignSelectsRunsByIdOrProtocol) {
  auto runs = campaign_runs(*store, "cycle-2");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_id, "cycle-2");
  EXPECT_EQ(campaign_runs(*store, "demo").size(), 2u) << "protocol name matches";
  EXPECT_TRUE(campaign_runs(*store, "nothing").empty());
  std::string html = report(*store, "nothing");
  EXPECT_NE(html.find("No runs match 'nothing'"), std::string::npos);
}

TEST_F(ReportStore, DbtlProgressIsTheBestTiterPerCycleAgainstTheBaseline) {
  std::string html = report(*store);
  // Cycle 1: one design, 0.5 g/L; cycle 2: 0.9. Baseline: best of 1 then 2 draws from cycle 1
  // ({0.5}) = 0.5 both times.
  EXPECT_NE(html.find("<td class=\"n\">1</td><td>cycle-1</td><td class=\"n\">1</td><td class=\"n\">0.500</td>"),
            std::string::npos)
      << html.substr(html.find("id=\"dbtl\""), 1500);
  EXPECT_NE(html.find("<td class=\"n\">0.900</td><td class=\"n\">0.900</td><td class=\"n\">0.900</td><td class=\"n\">0.500</td>"),
            std::string::npos)
      << html.substr(html.find("id=\"dbtl\""), 1500);
  EXPECT_NE(html.find("Best titer per cycle"), std::string::npos);
}

TEST_F(ReportStore, RunsNamedRandomAreTheBaselineWhenPresent) {
  RunSpec random = testing::two_step_run("cycle-2-random", "r1");
  store->create_run(random, testing::kT0);
  store->step_finished("cycle-2-random", "r1/cultivate", "{}",
                       {{"cycle-2-random", "r1/cultivate", "br250", "titer", 0.7, "g/L", "r1/t2h", testing::kT0 + 100}},
                       testing::kT0 + 100);
  std::string html = report(*store);
  std::string dbtl = html.substr(html.find("id=\"dbtl\""));
  EXPECT_NE(dbtl.find("<td class=\"n\">0.700</td></tr>"), std::string::npos) << dbtl.substr(0, 1500);
}

// As foundryd stores a learner's campaign: run ids numbered by the service, the learner's name
// for each batch in its request id, the GP's cycles first and then the baseline's, and a scale-up
// run of another protocol that also measures titers.
TEST_F(ReportStore, BaselineByRequestIdAndOnlyTheCampaignProtocolsRunsAreCycles) {
  auto lab = store::Store::open(dir / "served.db");
  struct Batch {
    const char* run_id;
    const char* protocol;
    const char* request_id;
    double titer;
  };
  const Batch batches[] = {{"dbtl-campaign-1", "dbtl-campaign", "learner/gp-a", 0.5},
                           {"dbtl-campaign-2", "dbtl-campaign", "learner/gp-b", 0.9},
                           {"dbtl-scale-up-3", "dbtl-scale-up", "learner/scale-up", 2.0},
                           {"dbtl-campaign-4", "dbtl-campaign", "learner/random-a", 0.3},
                           {"dbtl-campaign-5", "dbtl-campaign", "learner/random-b", 0.6}};
  for (const auto& b : batches) {
    RunSpec run = testing::two_step_run(b.run_id, "d01");
    run.protocol = b.protocol;
    lab->create_run(run, testing::kT0, b.request_id);
    lab->step_finished(b.run_id, "d01/cultivate", "{}",
                       {{b.run_id, "d01/cultivate", "br250", "titer", b.titer, "g/L", "d01/end", testing::kT0 + 100}},
                       testing::kT0 + 100);
  }
  std::string html = report(*lab);
  std::string dbtl = html.substr(html.find("id=\"dbtl\""));
  dbtl = dbtl.substr(0, dbtl.find("</section>"));
  // Two cycles of the GP, each against the baseline's batch of the same number.
  EXPECT_NE(dbtl.find("<td class=\"n\">1</td><td>dbtl-campaign-1</td><td class=\"n\">1</td><td class=\"n\">0.500</td>"
                      "<td class=\"n\">0.500</td><td class=\"n\">0.500</td><td class=\"n\">0.300</td>"),
            std::string::npos)
      << dbtl;
  EXPECT_NE(dbtl.find("<td class=\"n\">2</td><td>dbtl-campaign-2</td><td class=\"n\">1</td><td class=\"n\">0.900</td>"
                      "<td class=\"n\">0.900</td><td class=\"n\">0.900</td><td class=\"n\">0.600</td>"),
            std::string::npos)
      << dbtl;
  EXPECT_EQ(dbtl.find("<td class=\"n\">3</td>"), std::string::npos) << "no third cycle: " << dbtl;
  EXPECT_EQ(dbtl.find("2.000"), std::string::npos) << "the scale-up is not a cycle";
  EXPECT_NE(dbtl.find("1 run(s) of other protocols"), std::string::npos);
}

TEST_F(ReportStore, GrowthCurvesArePerRunAndVessel) {
  std::string html = report(*store);
  std::string growth = html.substr(html.find("id=\"growth\""));
  EXPECT_NE(growth.find("d01 (br250 vessel 3)"), std::string::npos) << growth.substr(0, 800);
  EXPECT_NE(growth.find("<title>cycle-1</title>"), std::string::npos);
  EXPECT_EQ(growth.find("<title>cycle-2</title>"), std::string::npos) << "cycle-2 has no OD600";
}

TEST_F(ReportStore, SectionsWithoutDataSaySo) {
  auto empty = store::Store::open(dir / "empty.db");
  empty->create_run(testing::two_step_run("only", "d01"), testing::kT0);
  std::string html = report(*empty);
  EXPECT_NE(html.find("No titer measurements in these runs."), std::string::npos);
  EXPECT_NE(html.find("No OD600 measurements in these runs."), std::string::npos);
}

TEST_F(ReportStore, UtilisationIsBusyUnitHoursOverAvailable) {
  std::string html = report(*store);
  std::string devices = html.substr(html.find("id=\"devices\""));
  // br250: 2 h + 2 h busy over 6 units x 2.17 h (the report's span) = 30.8 %.
  EXPECT_NE(devices.find("<td>br250</td><td>bioreactor_250ml</td><td class=\"n\">6</td><td class=\"n\">2</td>"
                         "<td class=\"n\">2</td><td class=\"n\">4.0</td>"),
            std::string::npos)
      << devices.substr(0, 1500);
  EXPECT_NE(devices.find("30.8 %"), std::string::npos);
}

}  // namespace
}  // namespace foundry::report
