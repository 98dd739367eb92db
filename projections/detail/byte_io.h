#pragma once
// Little helpers to write and read a compact binary form: unsigned LEB128 varints, zigzag for
// signed values, length-prefixed strings, and arrays of plain values copied whole (a count, then
// the values' bytes as this little-endian machine holds them). The reader never reads past its
// input: every read checks the remaining bytes and a failed read poisons the reader, so a damaged
// input is an error at the end, never undefined behaviour.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace keyledger::projections::detail {

class ByteWriter {
  public:
    void u64(std::uint64_t value) {
        while (value >= 0x80) {
            out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
            value >>= 7;
        }
        out_.push_back(static_cast<char>(value));
    }
    void i64(std::int64_t value) {
        u64((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
    }
    void boolean(bool value) { u64(value ? 1 : 0); }
    void text(std::string_view value) {
        u64(value.size());
        out_.append(value);
    }
    template <std::size_t N>
    void bytes(const std::array<std::uint8_t, N>& value) {
        out_.append(reinterpret_cast<const char*>(value.data()), N);
    }

    template <class T>
    void array(const std::vector<T>& values) {
        static_assert(std::has_unique_object_representations_v<T>);
        static_assert(std::endian::native == std::endian::little);
        u64(values.size());
        if (!values.empty()) {
            out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
        }
    }

    std::string& output() { return out_; }

  private:
    std::string out_;
};

class ByteReader {
  public:
    explicit ByteReader(std::string_view in) : in_(in) {}

    std::uint64_t u64() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) {
                return fail();
            }
            const auto byte = static_cast<std::uint8_t>(in_[pos_++]);
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                return value;
            }
        }
        return fail();
    }
    std::int64_t i64() {
        const std::uint64_t raw = u64();
        return static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
    }
    bool boolean() {
        const std::uint64_t raw = u64();
        if (raw > 1) {
            fail();
        }
        return raw == 1;
    }
    std::string text() {
        const std::uint64_t size = u64();
        if (!ok_ || size > in_.size() - pos_) {
            fail();
            return {};
        }
        std::string value(in_.substr(pos_, size));
        pos_ += size;
        return value;
    }
    template <std::size_t N>
    std::array<std::uint8_t, N> bytes() {
        std::array<std::uint8_t, N> value{};
        if (N > in_.size() - pos_) {
            fail();
            return value;
        }
        std::memcpy(value.data(), in_.data() + pos_, N);
        pos_ += N;
        return value;
    }
    template <class T>
    std::vector<T> array() {
        static_assert(std::has_unique_object_representations_v<T>);
        static_assert(std::endian::native == std::endian::little);
        const std::uint64_t n = u64();
        if (!ok_ || n > (in_.size() - pos_) / sizeof(T)) {
            fail();
            return {};
        }
        std::vector<T> values(n);
        if (n > 0) {
            std::memcpy(values.data(), in_.data() + pos_, n * sizeof(T));
        }
        pos_ += n * sizeof(T);
        return values;
    }
    // A count of elements that are each at least one byte long: larger than what is left means
    // damage, and refusing it early keeps a bad count from reserving gigabytes.
    std::uint64_t count() {
        const std::uint64_t n = u64();
        if (n > in_.size() - pos_) {
            return fail();
        }
        return n;
    }

    // Marks the input as damaged: a value read well but out of its range.
    void reject() { fail(); }

    bool ok() const { return ok_; }
    bool at_end() const { return pos_ == in_.size(); }
    std::size_t remaining() const { return in_.size() - pos_; }

  private:
    std::uint64_t fail() {
        ok_ = false;
        pos_ = in_.size();
        return 0;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace keyledger::projections::detail
