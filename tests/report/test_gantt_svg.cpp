// gantt_svg / gantt_html: a lane per device with an array's used vessels under it, the plan and
// what ran as separate shapes, windows, marks and a legend, nothing fetched from elsewhere.
#include "report_fixture.hpp"

#include <foundry/report/gantt.hpp>
#include <foundry/report/store_timeline.hpp>

#include <regex>

namespace foundry::report {
namespace {

using testing::ReportStore;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

Timeline with_windows(const store::Store& store) {
  TimelineSources sources;
  sources.dependencies = dependencies_of(testing::two_step_run("x", "d01"));
  return timeline_from_store(store, {}, sources);
}

TEST_F(ReportStore, ArraysShowTheirUsedVesselsUnderTheDevice) {
  std::string svg = gantt_svg(with_windows(*store));
  EXPECT_NE(svg.find("br250 · bioreactor_250ml · 2/6 vessels used"), std::string::npos);
  EXPECT_NE(svg.find(">vessel 3<"), std::string::npos);
  EXPECT_NE(svg.find(">vessel 5<"), std::string::npos);
  EXPECT_EQ(svg.find(">vessel 4<"), std::string::npos) << "unused vessels get no lane";
  EXPECT_NE(svg.find(">lh1 · liquid_handler<"), std::string::npos);
}

TEST_F(ReportStore, EveryStepHasItsPlanAndWhatRan) {
  std::string svg = gantt_svg(with_windows(*store));
  EXPECT_EQ(count(svg, "class=\"plan\""), 4u);
  EXPECT_EQ(count(svg, "class=\"ran"), 4u);
  EXPECT_EQ(count(svg, "class=\"ran failed\""), 1u);
  EXPECT_EQ(count(svg, "class=\"window\""), 1u);
  EXPECT_EQ(count(svg, "class=\"fault\""), 1u);
  EXPECT_EQ(count(svg, "class=\"violation\""), 1u);
  EXPECT_EQ(count(svg, "class=\"hold\""), 1u);
  EXPECT_EQ(count(svg, "class=\"out-of-service\""), 1u);
  EXPECT_NE(svg.find("br250 out of service: pump fault (16 min)"), std::string::npos);
}

TEST_F(ReportStore, RunsHaveDistinctColoursAndTheLegendNamesThem) {
  std::string svg = gantt_svg(with_windows(*store));
  std::regex fill("class=\"ran\"[^>]*fill=\"(hsl\\([^\"]*\\))\"");
  std::set<std::string> colours;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), fill); it != std::sregex_iterator(); ++it)
    colours.insert((*it)[1].str());
  EXPECT_EQ(colours.size(), 2u) << "two runs, two colours";
  for (const char* entry : {">cycle-1<", ">cycle-2<", "plan in force", "what ran", "max-lag window", "failed step",
                            "late start", "held (run or step)", "device out of service"})
    EXPECT_NE(svg.find(entry), std::string::npos) << entry;
}

TEST_F(ReportStore, TextFromTheDatabaseIsEscaped) {
  RunSpec run = testing::two_step_run("<b>&run", "d9");
  store->create_run(run, testing::kT0);
  store->plan_steps({{"<b>&run", "d9/cultivate", "br250", 0, testing::kT0, testing::kT0 + 60}}, testing::kT0);
  std::string svg = gantt_svg(timeline_from_store(*store, {"<b>&run"}));
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;b&gt;&amp;run"), std::string::npos);
}

TEST_F(ReportStore, TheHtmlPageIsSelfContained) {
  std::string html = gantt_html(with_windows(*store));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  // Nothing to fetch: no scripts, stylesheets, images or fonts from elsewhere (the SVG namespace
  // is a name, not a download).
  std::string without_namespace = std::regex_replace(html, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "");
  for (const char* outside : {"http://", "https://", "<script", "<link", "<img", "@import"})
    EXPECT_EQ(without_namespace.find(outside), std::string::npos) << outside;
  EXPECT_FALSE(std::regex_search(html, std::regex("url\\((?!#)"))) << "url() only for patterns in the page";
  EXPECT_NE(html.find("url(#out-of-service)"), std::string::npos);
}

TEST(Gantt, AnEmptyTimelineStillDrawsAValidChart) {
  Timeline empty;
  std::string svg = gantt_svg(empty);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

}  // namespace
}  // namespace foundry::report
