#include <foundry/sim/physical_ledger.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace foundry::sim {

namespace {

std::string errno_text() { return std::strerror(errno); }

// A new ledger file must survive a power loss too: sync the directory entry once.
void sync_directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the file itself is synced on every write
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

PhysicalLedger::PhysicalLedger(std::string path) : path_(std::move(path)) {
  // O_APPEND: several instances (and processes) may share one ledger; each line is one write.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open '" + path_ + "': " + errno_text());
  sync_directory_of(path_);
}

PhysicalLedger::~PhysicalLedger() {
  if (fd_ >= 0) ::close(fd_);
}

void PhysicalLedger::append(const nlohmann::json& line) {
  const std::string text = line.dump() + "\n";
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("ledger: cannot write to '" + path_ + "': " + errno_text());
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) throw std::runtime_error("ledger: cannot sync '" + path_ + "': " + errno_text());
}

std::optional<LedgerRecord> PhysicalLedger::find(const std::string& command_id) const {
  std::lock_guard lock(mutex_);  // no half-written line of ours is read
  std::ifstream in(path_);
  std::optional<LedgerRecord> found;
  std::string text;
  while (std::getline(in, text)) {
    const auto line = nlohmann::json::parse(text, nullptr, false);
    if (!line.is_object() || line.value("command_id", "") != command_id) continue;
    const std::string event = line.value("event", "");
    if (event == "begin") {
      found = LedgerRecord{line, std::nullopt};  // a later run with the same id supersedes
    } else if (event == "end" && found) {
      found->end = line;
    }
  }
  return found;
}

}  // namespace foundry::sim
