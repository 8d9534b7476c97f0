// The campaign report renders in a real browser: headless Chromium (Debian's `chromium`
// package, installed by scripts/setup.sh) takes a screenshot of the page; the PNG must have the
// requested size and show something (pixel variance, not a blank page). Skipped, saying why,
// where Chromium is not installed; CI installs it, so it runs there.
//
// Chromium's sandbox needs a non-root user (with user namespaces); as root (CI containers) it
// refuses to start unless given --no-sandbox, so that flag is passed only when running as root.
// The page is our own file and nothing else is loaded, which is what makes that acceptable.
#include "report_fixture.hpp"

#include <foundry/report/campaign_report.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace foundry::report {
namespace {

using testing::ReportStore;

constexpr int kWidth = 1000, kHeight = 700;

std::string find_chromium() {
  if (const char* given = std::getenv("FOUNDRY_CHROMIUM"); given && *given) return given;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"chromium", "chromium-browser"}) {
      auto candidate = std::filesystem::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  return {};
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::uint32_t big_endian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Image {
  int width = 0, height = 0;
  std::vector<double> luminance;  // one per pixel
};

// A minimal PNG reader for what Chromium writes: 8-bit RGB or RGBA, not interlaced.
Image read_png(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (data.size() < 33 || !std::equal(kSignature, kSignature + 8, data.begin()))
    throw std::runtime_error(file.string() + ": not a PNG file");
  Image image;
  int depth = 0, colour = 0, interlace = 0;
  std::vector<unsigned char> compressed;
  for (std::size_t at = 8; at + 8 <= data.size();) {
    std::uint32_t length = big_endian(&data[at]);
    std::string type(reinterpret_cast<const char*>(&data[at + 4]), 4);
    const unsigned char* body = &data[at + 8];
    if (at + 12 + length > data.size()) throw std::runtime_error("truncated PNG chunk " + type);
    if (type == "IHDR") {
      image.width = static_cast<int>(big_endian(body));
      image.height = static_cast<int>(big_endian(body + 4));
      depth = body[8];
      colour = body[9];
      interlace = body[12];
    } else if (type == "IDAT") {
      compressed.insert(compressed.end(), body, body + length);
    }
    at += 12 + length;
  }
  if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0)
    throw std::runtime_error("unexpected PNG format: depth " + std::to_string(depth) + ", colour type " +
                             std::to_string(colour));
  const std::size_t channels = colour == 6 ? 4 : 3;
  const std::size_t stride = static_cast<std::size_t>(image.width) * channels;
  std::vector<unsigned char> raw((stride + 1) * static_cast<std::size_t>(image.height));
  uLongf raw_size = static_cast<uLongf>(raw.size());
  if (uncompress(raw.data(), &raw_size, compressed.data(), static_cast<uLong>(compressed.size())) != Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error("cannot inflate the PNG's image data");
  // Undo the per-row filters (PNG spec, section 9).
  std::vector<unsigned char> previous(stride, 0), row(stride);
  for (int y = 0; y < image.height; ++y) {
    const unsigned char* line = &raw[static_cast<std::size_t>(y) * (stride + 1)];
    const unsigned char filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      int a = i >= channels ? row[i - channels] : 0, b = previous[i], c = i >= channels ? previous[i - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) / 2; break;
        case 4: {
          int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
          break;
        }
        default: throw std::runtime_error("bad PNG filter " + std::to_string(filter));
      }
      row[i] = static_cast<unsigned char>((line[1 + i] + predictor) & 0xff);
    }
    for (int x = 0; x < image.width; ++x) {
      const unsigned char* p = &row[static_cast<std::size_t>(x) * channels];
      image.luminance.push_back(0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]);
    }
    previous = row;
  }
  return image;
}

TEST_F(ReportStore, TheReportRendersInHeadlessChromium) {
  std::string chromium = find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "chromium is not installed: apt-get install chromium (scripts/setup.sh does), or set "
                    "FOUNDRY_CHROMIUM to a Chromium binary";
  auto page = dir / "report.html";
  std::ofstream(page) << campaign_report_html(*store, {});
  auto shot = dir / "report.png";
  std::string command = "timeout 60 " + quote(chromium) + " --headless --disable-gpu --hide-scrollbars --no-first-run" +
                        (::geteuid() == 0 ? " --no-sandbox" : "") + " --user-data-dir=" + quote((dir / "profile").string()) +
                        " --window-size=" + std::to_string(kWidth) + "," + std::to_string(kHeight) +
                        " --screenshot=" + quote(shot.string()) + " " + quote("file://" + page.string()) + " >" +
                        quote((dir / "chromium.log").string()) + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream log_file(dir / "chromium.log");
  std::string log((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << "\n" << log;
  ASSERT_TRUE(std::filesystem::exists(shot)) << "no screenshot written\n" << log;

  Image image = read_png(shot);
  EXPECT_EQ(image.width, kWidth);
  EXPECT_EQ(image.height, kHeight);
  ASSERT_EQ(image.luminance.size(), static_cast<std::size_t>(kWidth) * kHeight);
  double mean = 0;
  for (double l : image.luminance) mean += l;
  mean /= static_cast<double>(image.luminance.size());
  double variance = 0;
  std::size_t inked = 0;
  for (double l : image.luminance) {
    variance += (l - mean) * (l - mean);
    if (l < 200) ++inked;
  }
  variance /= static_cast<double>(image.luminance.size());
  // A blank page has variance 0; the report's text, tables and chart give hundreds.
  EXPECT_GT(variance, 100.0) << "the screenshot looks blank (mean luminance " << mean << ")";
  EXPECT_GT(static_cast<double>(inked) / static_cast<double>(image.luminance.size()), 0.02)
      << "less than 2 % of the page is drawn";
}

}  // namespace
}  // namespace foundry::report
