# Palisade build helpers.
#
# One CMake tree builds two worlds with the same clang:
#   - EL2: objects cross-compiled for aarch64-none-elf, freestanding, linked with ld.lld
#     into the hypervisor image. Declared with palisade_el2_objects().
#   - host: portable modules, CMocka unit tests and host-tools, for the build machine.
#     Declared with ordinary add_library()/add_executable(), unit tests with
#     palisade_unit_test().
# Portable code (no hardware access) is listed in both.

get_filename_component(PALISADE_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(PALISADE_CACHE "${PALISADE_SOURCE_DIR}/.cache" CACHE PATH "where scripts/setup put fetched sources")
set(PALISADE_MBEDTLS_SRC "${PALISADE_CACHE}/src/mbedtls3")   # Mbed TLS 3.6 (scripts/setup)
set(PALISADE_LIBFDT_SRC "${PALISADE_CACHE}/src/libfdt")

# Flags every EL2 object gets. -nostdlibinc keeps clang's own freestanding headers
# (stdint.h, stddef.h, stdbool.h, stdarg.h, limits.h) and drops the host's libc headers;
# hyp/lib/include supplies the few libc declarations EL2 code and Mbed TLS need.
# -march=armv8.1-a: VHE (the *_EL12/*_EL02 registers) is part of Armv8.1, which Palisade
# requires. -mstrict-align: C code runs before the MMU is on, when every access is Device memory.
set(PALISADE_EL2_CFLAGS
    --target=aarch64-none-elf -march=armv8.1-a $<$<COMPILE_LANGUAGE:C>:-std=c11> -ffreestanding -nostdlibinc
    -mgeneral-regs-only -mstrict-align -fno-pic -fno-pie -fno-common
    -fno-stack-protector -fno-omit-frame-pointer -ffunction-sections -fdata-sections
    -Wall -Wextra -Werror -O2 -g)
set(PALISADE_EL2_INCLUDES
    ${PALISADE_SOURCE_DIR}/hyp/include
    ${PALISADE_SOURCE_DIR}/hyp/lib/include
    ${CMAKE_BINARY_DIR}/generated/include)

# palisade_el2_objects(NAME SOURCES s... [INCLUDES d...] [DEFINES d...] [OPTIONS o...])
# An OBJECT library compiled for EL2; link it into the image with $<TARGET_OBJECTS:NAME>.
function(palisade_el2_objects name)
    cmake_parse_arguments(A "" "" "SOURCES;INCLUDES;DEFINES;OPTIONS" ${ARGN})
    add_library(${name} OBJECT ${A_SOURCES})
    target_compile_options(${name} PRIVATE ${PALISADE_EL2_CFLAGS} ${A_OPTIONS})
    target_include_directories(${name} PRIVATE ${A_INCLUDES} ${PALISADE_EL2_INCLUDES})
    target_compile_definitions(${name} PRIVATE PALISADE_EL2=1 ${A_DEFINES})
    set_property(GLOBAL APPEND PROPERTY PALISADE_EL2_OBJECT_LIBS ${name})
endfunction()

# Flags for host builds of portable code and its tests.
set(PALISADE_HOST_CFLAGS -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
set(PALISADE_HOST_LDFLAGS -fsanitize=address,undefined)

# palisade_host_library(NAME SOURCES s... [INCLUDES d...] [LIBS l...] [DEFINES d...])
# A static library of portable code built for the host, with sanitizers, for unit tests.
function(palisade_host_library name)
    cmake_parse_arguments(A "" "" "SOURCES;INCLUDES;LIBS;DEFINES;OPTIONS" ${ARGN})
    add_library(${name} STATIC ${A_SOURCES})
    target_compile_options(${name} PRIVATE ${PALISADE_HOST_CFLAGS} ${A_OPTIONS})
    target_include_directories(${name} PUBLIC ${A_INCLUDES} ${PALISADE_SOURCE_DIR}/hyp/include
                               ${CMAKE_BINARY_DIR}/generated/include)
    target_compile_definitions(${name} PUBLIC PALISADE_HOST=1 ${A_DEFINES})
    target_link_libraries(${name} PUBLIC ${A_LIBS})
endfunction()

# palisade_unit_test(NAME SOURCES s... [LIBS l...] [INCLUDES d...] [ARGS a...])
# A CMocka test executable for the host, registered with ctest under unit.NAME.
function(palisade_unit_test name)
    cmake_parse_arguments(A "" "" "SOURCES;LIBS;INCLUDES;DEFINES;ARGS" ${ARGN})
    add_executable(test_${name} ${A_SOURCES})
    target_compile_options(test_${name} PRIVATE ${PALISADE_HOST_CFLAGS})
    target_link_options(test_${name} PRIVATE ${PALISADE_HOST_LDFLAGS})
    target_include_directories(test_${name} PRIVATE ${A_INCLUDES} ${PALISADE_SOURCE_DIR}/hyp/include
                               ${CMAKE_BINARY_DIR}/generated/include)
    target_compile_definitions(test_${name} PRIVATE PALISADE_HOST=1 ${A_DEFINES})
    target_link_libraries(test_${name} PRIVATE ${A_LIBS} cmocka)
    add_test(NAME unit.${name} COMMAND test_${name} ${A_ARGS})
    set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
