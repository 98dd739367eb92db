#pragma once
// The seam under time: the server reads the system clock, tests and demonstrations a manual one.
// The rules never read a clock; the engine reads one per decision.

#include <atomic>
#include <chrono>

#include "domain/instant.h"

namespace keyledger::engine {

using domain::Instant;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
  public:
    Instant now() const override {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    }
};

// Moves only when told. Thread-safe.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(Instant start) : now_(start) {}
    Instant now() const override { return now_.load(std::memory_order_acquire); }
    void set(Instant t) { now_.store(t, std::memory_order_release); }
    void advance(Instant ms) { now_.fetch_add(ms, std::memory_order_acq_rel); }

  private:
    std::atomic<Instant> now_;
};

}  // namespace keyledger::engine
