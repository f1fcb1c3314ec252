// lossbench/lossbench.hpp — everything a user of the library includes.
#pragma once

#include <lossbench/loss_spec.hpp>
#include <lossbench/losses.hpp>
#include <lossbench/isa.hpp>
#include <lossbench/registry.hpp>
#include <lossbench/threads.hpp>
#include <lossbench/tuning.hpp>
#include <lossbench/types.hpp>
