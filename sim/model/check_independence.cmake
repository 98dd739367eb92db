# Fails when a source of the independent model includes anything from the engine's side.
#   cmake -DMODEL_DIR=<dir> [-DEXTRA_FILES=<file;...>] -P check_independence.cmake
# The model is a second implementation of DOMAIN.md written apart from domain/: sharing code
# with it would let one mistake hide in both.
if(NOT MODEL_DIR)
  message(FATAL_ERROR "check_independence: MODEL_DIR is not set")
endif()
file(GLOB_RECURSE sources "${MODEL_DIR}/*.h" "${MODEL_DIR}/*.cc")
list(APPEND sources ${EXTRA_FILES})
set(found "")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    if(line MATCHES "[\"</](domain|engine|projections|eventstore|api)/")
      string(APPEND found "\n  ${source}: ${line}")
    endif()
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "the simulation model must not include the engine's code:${found}")
endif()
