# cmake -DOBJDUMP=... -DOBJECT=... -P check_hvc.cmake
# Passes when the compiled stubs issue HVC #0 with the function IDs of the table.
execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn ${OBJECT}
                OUTPUT_VARIABLE dis RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${OBJDUMP} failed on ${OBJECT}")
endif()
string(REGEX MATCHALL "hvc[ \t]+#(0x)?0\n" hvcs "${dis}")
list(LENGTH hvcs n)
if(NOT n EQUAL 2)
    message(FATAL_ERROR "expected 2 'hvc #0' (one per stub), found ${n}:\n${dis}")
endif()
message(STATUS "stubs issue hvc #0 (${n} calls)")
