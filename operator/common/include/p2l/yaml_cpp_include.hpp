#pragma once

// yaml-cpp 0.7's node headers trip GCC 12's -Wdangling-pointer once inlined at -O2 (a false
// positive about a temporary that outlives the call); silence it for these headers only.
#pragma GCC diagnostic push
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
#include <yaml-cpp/yaml.h>
#pragma GCC diagnostic pop
