// Umbrella header for applications embedding aruntime.
#pragma once

#include "aruntime/allocator.h"
#include "aruntime/data_type.h"
#include "aruntime/device.h"
#include "aruntime/session.h"
#include "aruntime/shape.h"
#include "aruntime/status.h"
#include "aruntime/tensor.h"
