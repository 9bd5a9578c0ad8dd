# `palisade run` and the Linux host driver (docs/host-linux.md), included from
# host-tools/CMakeLists.txt.
#   - cmd_run.c and its helpers join the full `palisade` tool (amd64 here);
#   - palisade.ko: host-tools/linux, cross-built with Kbuild against Debian's headers of
#     the kernel the tests boot (scripts/setup fetched them into .cache/kbuild);
#   - palisade-arm64: a static arm64 `palisade` with the subcommands that need no
#     OpenSSL (run, version), for the host VM's initramfs.
# Both need scripts/setup's module build kit; without it they are skipped with a warning.
set(RUN_SOURCES cmd_run.c run_image.c run_vmm.c run_uart.c)
list(TRANSFORM RUN_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/src/)
target_sources(palisade_tool_core PRIVATE ${RUN_SOURCES})
target_include_directories(palisade_tool_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/linux)
if(TARGET palisade_tool_core_asan)   # main.c's table names cmd_run: the ASan build too
    target_sources(palisade_tool_core_asan PRIVATE ${RUN_SOURCES})
    target_include_directories(palisade_tool_core_asan PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/linux)
endif()

# The console evidence capture of --evidence-out, on the build machine.
add_executable(test_run_capture ${CMAKE_CURRENT_SOURCE_DIR}/src/run_capture_test.c
    ${CMAKE_CURRENT_SOURCE_DIR}/src/run_vmm.c ${CMAKE_CURRENT_SOURCE_DIR}/src/run_uart.c)
target_include_directories(test_run_capture PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
    ${CMAKE_CURRENT_SOURCE_DIR}/linux)
target_compile_definitions(test_run_capture PRIVATE _DEFAULT_SOURCE)
find_package(Threads REQUIRED)
target_link_libraries(test_run_capture PRIVATE Threads::Threads)
add_test(NAME run.evidence_capture COMMAND test_run_capture)

find_program(AARCH64_LINUX_GCC aarch64-linux-gnu-gcc)
set(KBUILD_KDIR_FILE ${PALISADE_CACHE}/kbuild/kdir)
if(AARCH64_LINUX_GCC AND EXISTS ${KBUILD_KDIR_FILE})
    file(STRINGS ${KBUILD_KDIR_FILE} KBUILD_KDIR LIMIT_COUNT 1)
    set(KO_DIR ${CMAKE_BINARY_DIR}/linux-module)
    set(KO_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/linux/palisade.c
        ${CMAKE_CURRENT_SOURCE_DIR}/linux/palisade_uapi.h ${CMAKE_CURRENT_SOURCE_DIR}/linux/Kbuild)
    # Kbuild builds out of tree in the module's own directory: a copy in the build tree.
    add_custom_command(OUTPUT ${KO_DIR}/palisade.ko
        COMMAND ${CMAKE_COMMAND} -E make_directory ${KO_DIR}
        COMMAND ${CMAKE_COMMAND} -E copy_if_different ${KO_SOURCES} ${KO_DIR}/
        COMMAND make -s -C ${KBUILD_KDIR} M=${KO_DIR} ARCH=arm64
                CROSS_COMPILE=aarch64-linux-gnu- KCFLAGS=-Werror modules
        DEPENDS ${KO_SOURCES} ${KBUILD_KDIR_FILE}
        COMMENT "Building palisade.ko (arm64, Linux ${KBUILD_KDIR})" VERBATIM)
    add_custom_target(palisade_module ALL DEPENDS ${KO_DIR}/palisade.ko)
    set(PALISADE_MODULE ${KO_DIR}/palisade.ko CACHE INTERNAL "palisade.ko")

    # palisade-guest.ko (host-tools/linux-guest): attestation from inside a Linux pVM,
    # the same recipe; and its user-space tool palisade-guest (static arm64, libc).
    set(GKO_DIR ${CMAKE_BINARY_DIR}/linux-guest-module)
    set(GKO_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/linux-guest/palisade-guest.c
        ${CMAKE_CURRENT_SOURCE_DIR}/linux-guest/palisade_guest_uapi.h
        ${CMAKE_CURRENT_SOURCE_DIR}/linux-guest/Kbuild)
    add_custom_command(OUTPUT ${GKO_DIR}/palisade-guest.ko
        COMMAND ${CMAKE_COMMAND} -E make_directory ${GKO_DIR}
        COMMAND ${CMAKE_COMMAND} -E copy_if_different ${GKO_SOURCES} ${GKO_DIR}/
        COMMAND make -s -C ${KBUILD_KDIR} M=${GKO_DIR} ARCH=arm64
                CROSS_COMPILE=aarch64-linux-gnu- KCFLAGS=-Werror modules
        DEPENDS ${GKO_SOURCES} ${KBUILD_KDIR_FILE}
        COMMENT "Building palisade-guest.ko (arm64, Linux ${KBUILD_KDIR})" VERBATIM)
    add_custom_target(palisade_guest_module ALL DEPENDS ${GKO_DIR}/palisade-guest.ko)
    set(PALISADE_GUEST_MODULE ${GKO_DIR}/palisade-guest.ko CACHE INTERNAL "palisade-guest.ko")
    set(GUEST_TOOL_OUT ${CMAKE_BINARY_DIR}/palisade-guest)
    add_custom_command(OUTPUT ${GUEST_TOOL_OUT}
        COMMAND ${AARCH64_LINUX_GCC} -static -s -O2 -std=gnu11 -Wall -Wextra -Werror
                -I${CMAKE_CURRENT_SOURCE_DIR}/linux-guest -o ${GUEST_TOOL_OUT}
                ${CMAKE_CURRENT_SOURCE_DIR}/guest/palisade_guest_tool.c
        DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/guest/palisade_guest_tool.c
                ${CMAKE_CURRENT_SOURCE_DIR}/linux-guest/palisade_guest_uapi.h
        COMMENT "Building palisade-guest (static arm64, for Linux pVMs)" VERBATIM)
    add_custom_target(palisade_guest_tool ALL DEPENDS ${GUEST_TOOL_OUT})
    set(PALISADE_GUEST_TOOL ${GUEST_TOOL_OUT} CACHE INTERNAL "the static arm64 palisade-guest")

    set(ARM64_OUT ${CMAKE_BINARY_DIR}/palisade-arm64)
    set(ARM64_OBJ ${CMAKE_BINARY_DIR}/palisade-arm64.obj)
    set(ARM64_TOOL_SOURCES ${RUN_SOURCES} ${CMAKE_CURRENT_SOURCE_DIR}/src/cli.c
        ${CMAKE_CURRENT_SOURCE_DIR}/src/main_arm64.c
        ${PALISADE_SOURCE_DIR}/loader/src/linux_image.c
        ${PALISADE_SOURCE_DIR}/loader/src/elf_image.c
        ${PALISADE_SOURCE_DIR}/loader/src/guest_fdt.c
        ${PALISADE_SOURCE_DIR}/loader/src/ranges.c
        ${PALISADE_SOURCE_DIR}/hyp/lib/src/format.c)
    set(ARM64_FDT_SOURCES fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c fdt_strerror.c
        fdt_addresses.c fdt_empty_tree.c)
    list(TRANSFORM ARM64_FDT_SOURCES PREPEND ${PALISADE_LIBFDT_SRC}/)
    set(ARM64_FLAGS -std=c11 -D_DEFAULT_SOURCE -O2 -g0 -DPALISADE_HOST=1
        -DPALISADE_VERSION_RAW=${PROJECT_VERSION}
        -I${CMAKE_CURRENT_SOURCE_DIR}/src -I${CMAKE_CURRENT_SOURCE_DIR}/linux
        -I${PALISADE_LOADER_INCLUDE_DIR} -I${PALISADE_SOURCE_DIR}/loader/src
        -I${PALISADE_SOURCE_DIR}/hyp/include -I${CMAKE_BINARY_DIR}/generated/include
        -I${PALISADE_LIBFDT_SRC})
    # libfdt (fetched code) without warnings; ours with -Werror; then one static link.
    add_custom_command(OUTPUT ${ARM64_OUT}
        COMMAND ${CMAKE_COMMAND} -E rm -rf ${ARM64_OBJ}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${ARM64_OBJ}/fdt ${ARM64_OBJ}/tool
        COMMAND ${CMAKE_COMMAND} -E chdir ${ARM64_OBJ}/fdt
                ${AARCH64_LINUX_GCC} ${ARM64_FLAGS} -w -c ${ARM64_FDT_SOURCES}
        COMMAND ${CMAKE_COMMAND} -E chdir ${ARM64_OBJ}/tool
                ${AARCH64_LINUX_GCC} ${ARM64_FLAGS} -Wall -Wextra -Werror -c ${ARM64_TOOL_SOURCES}
        COMMAND sh -c "${AARCH64_LINUX_GCC} -static -s -o ${ARM64_OUT} ${ARM64_OBJ}/tool/*.o ${ARM64_OBJ}/fdt/*.o -lpthread"
        DEPENDS ${ARM64_TOOL_SOURCES} ${ARM64_FDT_SOURCES} ${CMAKE_CURRENT_SOURCE_DIR}/src/cli.h
                ${CMAKE_CURRENT_SOURCE_DIR}/src/run_image.h ${CMAKE_CURRENT_SOURCE_DIR}/src/run_vmm.h
                ${CMAKE_CURRENT_SOURCE_DIR}/src/run_uart.h ${CMAKE_CURRENT_SOURCE_DIR}/linux/palisade_uapi.h
        COMMENT "Building palisade-arm64 (static, for the host VM)" VERBATIM)
    add_custom_target(palisade_arm64 ALL DEPENDS ${ARM64_OUT})
    if(TARGET palisade_abi_generated)
        add_dependencies(palisade_arm64 palisade_abi_generated)
    endif()
    set(PALISADE_ARM64 ${ARM64_OUT} CACHE INTERNAL "the static arm64 palisade")
else()
    message(WARNING "palisade.ko and palisade-arm64 skipped: no aarch64-linux-gnu-gcc or no "
                    "${KBUILD_KDIR_FILE} (run scripts/setup)")
    unset(PALISADE_MODULE CACHE)
    unset(PALISADE_ARM64 CACHE)
    unset(PALISADE_GUEST_MODULE CACHE)
    unset(PALISADE_GUEST_TOOL CACHE)
endif()
