// The two clocks behind one interface.
#include <foundry/engine/clock.hpp>

#include <gtest/gtest.h>

#include <thread>

using namespace foundry::engine;

TEST(VirtualClock, JumpsFromTimerToTimerInOrder) {
  auto clock = make_virtual_clock(100.0);
  std::vector<std::pair<int, double>> seen;
  clock->call_at(300.0, [&] { seen.emplace_back(3, clock->now()); });
  clock->call_at(200.0, [&] { seen.emplace_back(1, clock->now()); });
  clock->call_at(200.0, [&] { seen.emplace_back(2, clock->now()); });  // same time: scheduling order
  clock->run();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(1, 200.0));
  EXPECT_EQ(seen[1], std::make_pair(2, 200.0));
  EXPECT_EQ(seen[2], std::make_pair(3, 300.0));
  EXPECT_DOUBLE_EQ(clock->now(), 300.0);
}

TEST(VirtualClock, CancelledTimersDoNotRun) {
  auto clock = make_virtual_clock(0.0);
  bool ran = false;
  auto id = clock->call_after(10, [&] { ran = true; });
  EXPECT_TRUE(clock->cancel(id));
  EXPECT_FALSE(clock->cancel(id));
  clock->run();
  EXPECT_FALSE(ran);
  EXPECT_DOUBLE_EQ(clock->now(), 0.0);
}

TEST(VirtualClock, TimeWaitsForExternalWork) {
  // A thread owes an answer; a timer 1 h ahead must not run before that answer arrives.
  auto clock = make_virtual_clock(0.0);
  std::vector<std::string> order;
  clock->call_after(3600, [&] { order.push_back("timer"); });
  clock->begin_external_work();
  std::thread worker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock->post([&] {
      order.push_back("external");
      EXPECT_DOUBLE_EQ(clock->now(), 0.0);
    });
    clock->end_external_work();
  });
  clock->run();
  worker.join();
  EXPECT_EQ(order, (std::vector<std::string>{"external", "timer"}));
}

TEST(VirtualClock, StopEndsTheLoop) {
  auto clock = make_virtual_clock(0.0);
  int runs = 0;
  clock->call_after(1, [&] { ++runs; clock->stop(); });
  clock->call_after(2, [&] { ++runs; });
  clock->run();
  EXPECT_EQ(runs, 1);
}

TEST(WallClock, RunsTimersInTimeOrderAndReportsRealTime) {
  auto clock = make_wall_clock();
  double start = clock->now();
  std::vector<int> order;
  clock->call_after(0.02, [&] { order.push_back(2); });
  clock->call_after(0.0, [&] { order.push_back(1); });
  clock->run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(clock->now() - start, 0.02);
}
