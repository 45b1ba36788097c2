#include "graph/optimizer/pass_context.h"

namespace aruntime::optimizer {
namespace {
thread_local PassContext* active = nullptr;
}  // namespace

PassContext* active_pass_context() {
  return active;
}

ScopedPassContext::ScopedPassContext(const OptimizerOptions& options)
    : context_{options, {}}, previous_(active) {
  active = &context_;
}

ScopedPassContext::~ScopedPassContext() {
  active = previous_;
}

}  // namespace aruntime::optimizer
