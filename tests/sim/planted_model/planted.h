#pragma once
// A model source with the include the independence check must refuse (tests/sim/CMakeLists.txt
// expects the check to fail on this folder). Never compiled.
#include "domain/rules.h"
#include "sim/scenario/step.h"
