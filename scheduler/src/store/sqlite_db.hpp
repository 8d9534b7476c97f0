// Thin RAII over the SQLite C API: a connection and prepared statements that throw StoreError
// naming the file and SQLite's message.
#pragma once

#include <foundry/store/store.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace foundry::store {

class SqliteDb;

class Statement {
 public:
  Statement(SqliteDb& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::optional<double>& value);
  Statement& bind_null(int index);

  // True while a row is available. On an error the statement is reset before the throw, so the
  // connection holds no half-run statement (which would keep a transaction open) once it is caught.
  bool step();
  void run();   // step to completion
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& file);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& what) const;
  // StorageFull when `extended_code` means the file cannot grow, else StoreError; names the file.
  [[noreturn]] void throw_error(const std::string& message, int extended_code) const;
  sqlite3* handle() { return db_; }
  const std::string& file() const { return file_; }
  // Told (with the message StorageFull will carry) just before a StorageFull is thrown.
  void on_storage_full(std::function<void(const std::string&)> listener) { on_storage_full_ = std::move(listener); }

 private:
  std::string file_;
  sqlite3* db_ = nullptr;
  std::function<void(const std::string&)> on_storage_full_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope is left by an exception, including a
// COMMIT that failed (a full disk): the connection leaves no transaction open, so the next read or
// write goes ahead at once instead of finding the write lock taken. (After SQLITE_FULL or an I/O
// error SQLite may have rolled back already; the ROLLBACK then fails harmlessly.) Statements of the
// transaction must be gone or reset first: declare them after it.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!committed_ && !sqlite3_get_autocommit(db_.handle()))
      sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    db_.exec("COMMIT");
    committed_ = true;
  }

 private:
  SqliteDb& db_;
  bool committed_ = false;
};

}  // namespace foundry::store
