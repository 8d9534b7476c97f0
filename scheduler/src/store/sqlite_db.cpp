#include "store/sqlite_db.hpp"

namespace foundry::store {

SqliteDb::SqliteDb(const std::string& file) : file_(file) {
  int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(file + ": cannot open database: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

namespace {
// SQLITE_FULL: no room (disk, quota). SQLITE_IOERR_WRITE/FSYNC/TRUNCATE: the write itself was
// refused, which is how a file size limit (EFBIG) shows. Both mean "cannot grow", not "corrupt".
bool cannot_grow(int extended_code) {
  return (extended_code & 0xff) == SQLITE_FULL || extended_code == SQLITE_IOERR_WRITE ||
         extended_code == SQLITE_IOERR_FSYNC || extended_code == SQLITE_IOERR_TRUNCATE ||
         extended_code == SQLITE_IOERR_SHMSIZE;
}

}  // namespace

void SqliteDb::throw_error(const std::string& message, int extended_code) const {
  if (cannot_grow(extended_code)) {
    std::string what = file_ + ": the database cannot grow (disk full or file size limit): " + message +
                       "; the change was rolled back, everything committed before is intact";
    if (on_storage_full_) on_storage_full_(what);
    throw StorageFull(what);
  }
  throw StoreError(file_ + ": " + message);
}

void SqliteDb::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw_error(message, sqlite3_extended_errcode(db_));
  }
}

void SqliteDb::fail(const std::string& what) const {
  throw_error(what + ": " + sqlite3_errmsg(db_), sqlite3_extended_errcode(db_));
}

Statement::Statement(SqliteDb& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail("cannot prepare statement");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, const std::optional<double>& value) {
  return value ? bind(index, *value) : bind_null(index);
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = std::string("statement failed: ") + sqlite3_errmsg(db_.handle());
  int code = sqlite3_extended_errcode(db_.handle());
  sqlite3_reset(stmt_);  // (its return repeats the error; the code was read above)
  db_.throw_error(message, code);
}

void Statement::run() {
  while (step()) {
  }
  sqlite3_reset(stmt_);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}
std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::optional<double> Statement::optional_real(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return real(column);
}

}  // namespace foundry::store
