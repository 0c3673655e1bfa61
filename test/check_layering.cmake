# Checks which room of src/ includes which (docs/architecture.md, "Layout").
#
#   cmake -DSRC=<src dir> -P check_layering.cmake
#
# Reads every #include "..." in the .hpp/.cpp/.h files under SRC and fails,
# printing one line per violation
#   core/value/x.hpp:12: #include "core/sched/y.hpp" — room value may not include room sched
# when a room includes one it may not. A CMake script so that the check needs
# nothing beyond the build's own tools (no python on a fresh Debian machine).
#
# Rooms: the core root (the files directly in core/: fatal, output, ...),
# core/value, core/text, core/sys, core/sched, core/sync, core/words, io,
# io/net, abi (with the public headers, included as "seq/*.h"). A room may
# include itself and:
set(allowed_root "")
set(allowed_value "root")
set(allowed_text "root;value")
set(allowed_sys "root;value;text")
set(allowed_sched "root;value;text;sys")
set(allowed_sync "root;value;text;sys;sched")
set(allowed_words "root;value;text;sys")
set(allowed_io "root;value;text;sys;sched;sync;words")
set(allowed_io/net "root;value;text;sys;sched;sync;words;io")
set(allowed_abi "root;value;text;sys;sched;sync;words;io;io/net")

if(NOT SRC OR NOT IS_DIRECTORY "${SRC}")
  message(FATAL_ERROR "check_layering: pass -DSRC=<the src directory>")
endif()
get_filename_component(SRC "${SRC}" ABSOLUTE)

# The room of a path relative to SRC, or "" when it is in none.
function(room_of path out)
  set(r "")
  if(path MATCHES "^core/([^/]+)/")
    set(sub ${CMAKE_MATCH_1})
    if(sub MATCHES "^(value|text|sys|sched|sync|words)$")
      set(r ${sub})
    endif()
  elseif(path MATCHES "^core/[^/]+$")
    set(r root)
  elseif(path MATCHES "^io/net/[^/]+$")
    set(r io/net)
  elseif(path MATCHES "^io/[^/]+$")
    set(r io)
  elseif(path MATCHES "^abi/")
    set(r abi)
  endif()
  set(${out} "${r}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE "${SRC}" "${SRC}/*.hpp" "${SRC}/*.cpp" "${SRC}/*.h")
list(SORT files)
set(violations 0)
set(includes 0)
foreach(file ${files})
  room_of("${file}" from)
  if(from STREQUAL "")
    message("${file}: not in any room (add the folder to check_layering.cmake)")
    math(EXPR violations "${violations} + 1")
    continue()
  endif()
  get_filename_component(dir "${file}" DIRECTORY)
  file(READ "${SRC}/${file}" text)
  # One list element per line: characters that CMake lists treat specially
  # are neutralised first (they never occur in an include line).
  string(REPLACE "\\" "/" text "${text}")
  string(REPLACE ";" "," text "${text}")
  string(REPLACE "[" "(" text "${text}")
  string(REPLACE "]" ")" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
      continue()
    endif()
    set(inc "${CMAKE_MATCH_1}")
    math(EXPR includes "${includes} + 1")
    # As the compiler finds it: from src/, the public include directory, or
    # the including file's folder.
    if(EXISTS "${SRC}/${inc}")
      set(target "${inc}")
    elseif(EXISTS "${SRC}/abi/include/${inc}")
      set(target "abi/include/${inc}")
    elseif(EXISTS "${SRC}/${dir}/${inc}")
      set(target "${dir}/${inc}")
    elseif(inc MATCHES "^generated/[^/]+\\.inc$")
      # Generated at configure time into the build tree for the including
      # room alone (CMakeLists.txt): it belongs to that room.
      continue()
    else()
      message("${file}:${n}: #include \"${inc}\" — not found under ${SRC}")
      math(EXPR violations "${violations} + 1")
      continue()
    endif()
    room_of("${target}" to)
    if(to STREQUAL from OR to STREQUAL "")
      continue()
    endif()
    list(FIND allowed_${from} "${to}" ok)
    if(ok EQUAL -1)
      message("${file}:${n}: #include \"${inc}\" — room ${from} may not include room ${to}")
      math(EXPR violations "${violations} + 1")
    endif()
  endforeach()
endforeach()

list(LENGTH files nfiles)
if(violations GREATER 0)
  message(FATAL_ERROR "layering: ${violations} violation(s) in ${nfiles} files")
endif()
message("layering ok: ${includes} includes in ${nfiles} files")
