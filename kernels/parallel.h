// Intra-op parallelism. Kernels split loops through this helper so that small loops run inline
// (dispatching a task costs microseconds) and large ones are shared over the TBB arena the
// session runs in, whose size is the session's thread budget.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace aruntime::kernels {

template <typename Signature>
class FunctionRef;

// A non-owning reference to a callable, valid while the callable lives (the call it is passed
// to). Unlike std::function, binding a lambda never allocates: parallel loops and epilogues run on
// every node of every run, where an allocation per call would show. Never keep one that was bound
// to a temporary beyond the full expression.
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  // An empty reference: false in a boolean context, not callable.
  FunctionRef() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                                    std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f)  // NOLINT: implicit, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }
  explicit operator bool() const { return call_ != nullptr; }

 private:
  void* object_ = nullptr;
  R (*call_)(void*, Args...) = nullptr;
};

// Number of threads that parallel loops may use from the calling context (at least 1).
int64_t available_parallelism();

// Calls fn(begin, end) over sub-ranges covering [0, n). `cost_per_item` is a rough count of
// scalar operations per item; the loop runs inline when n * cost_per_item is below ~32k.
void parallel_for(int64_t n, int64_t cost_per_item, FunctionRef<void(int64_t, int64_t)> fn);

}  // namespace aruntime::kernels
