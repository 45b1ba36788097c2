#include "aruntime/session.h"
