// Expected<T>: the value of an operation that can fail in an ordinary way ("malformed feed",
// "not modified"), or the Error that says why. Broken invariants throw instead.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace rasd {

struct Error {
  std::string message;
  // Byte offset into the input the error refers to, or npos when it has none.
  std::size_t offset = static_cast<std::size_t>(-1);
};

class BadExpectedAccess : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}     // NOLINT: implicit by design

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    if (!has_value()) throw BadExpectedAccess("Expected::value on error: " + error().message);
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!has_value()) throw BadExpectedAccess("Expected::value on error: " + error().message);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!has_value()) throw BadExpectedAccess("Expected::value on error: " + error().message);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    if (has_value()) throw BadExpectedAccess("Expected::error on value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

}  // namespace rasd
