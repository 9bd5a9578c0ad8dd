/*
 * The boot manifest parser: the documented example (compiled at build time), good
 * variants, and a table of malformed manifests written as .dts snippets (compiled with
 * dtc as the test runs), each of which must be rejected with its own message. Blobs dtc
 * refuses to produce (duplicate properties and nodes, odd names) are built with libfdt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/manifest.h"
#include "support.h"

/* ---- building blocks of the .dts snippets ---- */
#define ROOT_COMPAT "compatible = \"palisade,manifest-v1\";"
#define ROOT_CELLS "#address-cells = <1>; #size-cells = <0>;"
#define ROOT_STD ROOT_COMPAT ROOT_CELLS

#define H_REG "reg = <1>;"
#define H_ROLE "role = \"host\";"
#define H_VCPUS "vcpus = <2>;"
#define H_KERNEL "kernel = <0x0 0x41000000 0x0 0x01f6e0c0>;"
#define H_INITRD "initrd = <0x0 0x44000000 0x0 0x00180000>;"
#define H_ARGS "bootargs = \"console=ttyAMA0 rdinit=/init\";"
#define H_CONSOLE "console = \"uart\";"
#define HOST_STD H_REG H_ROLE H_VCPUS H_KERNEL H_INITRD H_ARGS H_CONSOLE

#define G_REG "reg = <2>;"
#define G_ROLE "role = \"guest\";"
#define G_PROT "protected;"
#define G_VCPUS "vcpus = <2>;"
#define G_MEM "memory = <0x0 0x40000000 0x0 0x10000000>;"
#define G_KERNEL "kernel = <0x0 0x48000000 0x0 0x01f6e0c0>;"
#define G_INITRD "initrd = <0x0 0x4c000000 0x0 0x00180000>;"
#define G_ARGS "bootargs = \"console=ttyAMA0\";"
#define G_CONSOLE "console = \"virtual\";"
#define GUEST_STD G_REG G_ROLE G_PROT G_VCPUS G_MEM G_KERNEL G_INITRD G_ARGS G_CONSOLE

#define TREE(root, nodes) "/dts-v1/;\n/ {\n" root "\n" nodes "\n};\n"
#define HOST(props) "vm@1 {" props "};\n"
#define GUEST(unit, props) "vm@" unit " {" props "};\n"
#define STD_VMS HOST(HOST_STD) GUEST("2", GUEST_STD)

/* A guest with a small kernel of its own at 'kaddr' (for the many-VM cases). */
#define SMALL_GUEST(unit, id, kaddr) \
	GUEST(unit, "reg = <" id ">; role = \"guest\"; vcpus = <1>;" \
	      "memory = <0x0 0x40000000 0x0 0x4000000>;" \
	      "kernel = <0x0 " kaddr " 0x0 0x100000>; console = \"virtual\";")

#define X8 "xxxxxxxx"
#define X64 X8 X8 X8 X8 X8 X8 X8 X8
#define S511 X64 X64 X64 X64 X64 X64 X64 X8 X8 X8 X8 X8 X8 X8 "xxxxxxx"

struct bad_case {
	const char *name;
	const char *dts;
	int rc;
	const char *expect;
};

static const struct bad_case bad_cases[] = {
	/* root node */
	{ "no compatible", TREE(ROOT_CELLS, STD_VMS), PAL_E_INVALID,
	  "/: compatible: missing" },
	{ "wrong compatible", TREE("compatible = \"palisade,manifest-v2\";" ROOT_CELLS, STD_VMS),
	  PAL_E_INVALID, "/: compatible: must be exactly \"palisade,manifest-v1\"" },
	{ "compatible list", TREE("compatible = \"palisade,manifest-v1\", \"x\";" ROOT_CELLS,
				  STD_VMS), PAL_E_INVALID, "/: compatible: must be exactly" },
	{ "unknown root property", TREE(ROOT_STD "model = \"x\";", STD_VMS), PAL_E_INVALID,
	  "/: model: unknown property" },
	{ "#address-cells 2", TREE(ROOT_COMPAT "#address-cells = <2>; #size-cells = <0>;",
				   STD_VMS), PAL_E_INVALID, "/: #address-cells: must be <1>" },
	{ "#size-cells 1", TREE(ROOT_COMPAT "#address-cells = <1>; #size-cells = <1>;", STD_VMS),
	  PAL_E_INVALID, "/: #size-cells: must be <0>" },
	{ "no #size-cells", TREE(ROOT_COMPAT "#address-cells = <1>;", STD_VMS), PAL_E_INVALID,
	  "/: #size-cells: missing" },
	{ "no #address-cells", TREE(ROOT_COMPAT "#size-cells = <0>;", STD_VMS), PAL_E_INVALID,
	  "/: #address-cells: missing" },
	{ "unknown root node", TREE(ROOT_STD, STD_VMS "chosen { };"), PAL_E_INVALID,
	  "/: unexpected node 'chosen' (only vm@<id> nodes are allowed)" },
	{ "vm without unit address", TREE(ROOT_STD, STD_VMS "vm { };"), PAL_E_INVALID,
	  "/: unexpected node 'vm'" },
	{ "leading zero", TREE(ROOT_STD, HOST(HOST_STD) GUEST("02", GUEST_STD)), PAL_E_INVALID,
	  "vm@02: unit address has a leading zero" },
	{ "uppercase unit", TREE(ROOT_STD, HOST(HOST_STD) GUEST("A", GUEST_STD)), PAL_E_INVALID,
	  "/: unexpected node 'vm@A' (only vm@<id> nodes, id in lowercase hex)" },
	{ "unit too long", TREE(ROOT_STD, HOST(HOST_STD) GUEST("123456789", GUEST_STD)),
	  PAL_E_INVALID, "/: unexpected node 'vm@123456789'" },
	{ "no vms", TREE(ROOT_STD, ""), PAL_E_INVALID, "/: no vm@<id> nodes" },
	{ "no host", TREE(ROOT_STD, GUEST("2", GUEST_STD)), PAL_E_INVALID, "/: no host VM" },
	{ "nine vms", TREE(ROOT_STD, HOST(HOST_STD)
		SMALL_GUEST("2", "2", "0x50000000") SMALL_GUEST("3", "3", "0x50200000")
		SMALL_GUEST("4", "4", "0x50400000") SMALL_GUEST("5", "5", "0x50600000")
		SMALL_GUEST("6", "6", "0x50800000") SMALL_GUEST("7", "7", "0x50a00000")
		SMALL_GUEST("8", "8", "0x50c00000") SMALL_GUEST("9", "9", "0x50e00000")),
	  PAL_E_INVALID, "/: more than 8 vm nodes" },
	{ "memreserve", "/dts-v1/;\n/memreserve/ 0x40000000 0x1000;\n/ {" ROOT_STD STD_VMS "};",
	  PAL_E_INVALID, "manifest: has /memreserve/ entries" },

	/* each VM: names, presence, unknown things */
	{ "unknown property", TREE(ROOT_STD, HOST(HOST_STD "foo = <1>;") GUEST("2", GUEST_STD)),
	  PAL_E_INVALID, "vm@1: foo: unknown property" },
	{ "unknown guest property", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", GUEST_STD "memory-pa = <0 0x80000000 0 0x1000>;")),
	  PAL_E_INVALID, "vm@2: memory-pa: unknown property" },
	{ "child node", TREE(ROOT_STD, HOST(HOST_STD "extra { };") GUEST("2", GUEST_STD)),
	  PAL_E_INVALID, "vm@1: unexpected child node 'extra'" },
	{ "missing reg", TREE(ROOT_STD, HOST(H_ROLE H_VCPUS H_KERNEL H_CONSOLE)), PAL_E_INVALID,
	  "vm@1: reg: missing (required)" },
	{ "missing role", TREE(ROOT_STD, HOST(H_REG H_VCPUS H_KERNEL H_CONSOLE)), PAL_E_INVALID,
	  "vm@1: role: missing (required)" },
	{ "missing vcpus", TREE(ROOT_STD, HOST(H_REG H_ROLE H_KERNEL H_CONSOLE)), PAL_E_INVALID,
	  "vm@1: vcpus: missing (required)" },
	{ "missing kernel", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_CONSOLE)), PAL_E_INVALID,
	  "vm@1: kernel: missing (required)" },
	{ "missing console", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL)), PAL_E_INVALID,
	  "vm@1: console: missing (required)" },

	/* reg */
	{ "reg two cells", TREE(ROOT_STD, HOST("reg = <0 1>;" H_ROLE H_VCPUS H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: reg: length 8, expected 4 (one u32 cell)" },
	{ "reg empty", TREE(ROOT_STD, HOST("reg;" H_ROLE H_VCPUS H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: reg: length 0, expected 4" },
	{ "reg vs unit", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", "reg = <3>;" G_ROLE G_VCPUS G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: reg: VM id 3 does not match the unit address" },
	{ "reg 0", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("0", "reg = <0>;" G_ROLE G_VCPUS G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@0: reg: VM id 0 is out of range (1 = host, guests 2..63)" },
	{ "reg 64", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("40", "reg = <0x40>;" G_ROLE G_VCPUS G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@40: reg: VM id 64 is out of range" },
	{ "reg huge", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("ffffffff", "reg = <0xffffffff>;" G_ROLE G_VCPUS G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@ffffffff: reg: VM id 4294967295 is out of range" },

	/* role */
	{ "role unknown", TREE(ROOT_STD, HOST(H_REG "role = \"admin\";" H_VCPUS H_KERNEL
					      H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: \"admin\" is neither \"host\" nor \"guest\"" },
	{ "role empty", TREE(ROOT_STD, HOST(H_REG "role = \"\";" H_VCPUS H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: \"\" is neither" },
	{ "role cell", TREE(ROOT_STD, HOST(H_REG "role = <1>;" H_VCPUS H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: not a NUL-terminated string" },
	{ "role two strings", TREE(ROOT_STD, HOST(H_REG "role = \"host\", \"guest\";" H_VCPUS
						  H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: holds more than one string" },
	{ "role too long", TREE(ROOT_STD, HOST(H_REG "role = \"hostguest\";" H_VCPUS H_KERNEL
					       H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: 9 bytes, longer than the 7 allowed" },
	{ "host role on vm@2", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG H_ROLE G_VCPUS G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: role: the host VM must have reg = <1>, and only the host" },
	{ "guest role on vm@1", TREE(ROOT_STD, HOST(H_REG G_ROLE H_VCPUS G_MEM H_KERNEL
						    G_CONSOLE)),
	  PAL_E_INVALID, "vm@1: role: the host VM must have reg = <1>" },

	/* protected, debug */
	{ "protected host", TREE(ROOT_STD, HOST(HOST_STD "protected;")), PAL_E_INVALID,
	  "vm@1: protected: not allowed for the host VM" },
	{ "debug host", TREE(ROOT_STD, HOST(HOST_STD "debug;")), PAL_E_INVALID,
	  "vm@1: debug: not allowed for the host VM" },
	{ "protected with value", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE "protected = <1>;" G_VCPUS G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: protected: a boolean takes no value (length 4)" },
	{ "debug with string", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", GUEST_STD "debug = \"yes\";")),
	  PAL_E_INVALID, "vm@2: debug: a boolean takes no value (length 4)" },

	/* vcpus */
	{ "vcpus 0", TREE(ROOT_STD, HOST(H_REG H_ROLE "vcpus = <0>;" H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: vcpus: 0 is out of range 1..8" },
	{ "vcpus 9", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE "vcpus = <9>;" G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: vcpus: 9 is out of range 1..8" },
	{ "vcpus huge", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE "vcpus = <0xffffffff>;" G_MEM G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: vcpus: 4294967295 is out of range" },
	{ "host vcpus > cpus", TREE(ROOT_STD, HOST(H_REG H_ROLE "vcpus = <5>;" H_KERNEL
						   H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: vcpus: 5 exceeds the 4 physical CPUs" },
	{ "vcpus 64-bit", TREE(ROOT_STD, HOST(H_REG H_ROLE "vcpus = /bits/ 64 <2>;" H_KERNEL
					      H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: vcpus: length 8, expected 4" },
	{ "vcpus byte", TREE(ROOT_STD, HOST(H_REG H_ROLE "vcpus = [02];" H_KERNEL H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: vcpus: length 1, expected 4" },

	/* memory */
	{ "host memory", TREE(ROOT_STD, HOST(HOST_STD G_MEM)), PAL_E_INVALID,
	  "vm@1: memory: not allowed for the host VM" },
	{ "guest without memory", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS G_KERNEL G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: memory: missing (required for a guest)" },
	{ "memory two cells", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0x40000000 0x10000000>;" G_KERNEL
		      G_CONSOLE)),
	  PAL_E_INVALID, "vm@2: memory: length 8, expected 16 (<base-hi base-lo size-hi size-lo>)" },
	{ "memory size 0", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0>;" G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: size is zero" },
	{ "memory wraps", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0xffffffff 0xffe00000 0 0x400000>;"
		      G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: 0xffffffffffe00000 + 0x400000 wraps around" },
	{ "memory base unaligned", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40100000 0 0x10000000>;"
		      G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: base 0x40100000 is not 2 MiB aligned" },
	{ "memory size unaligned", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x10001000>;"
		      G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: size 0x10001000 is not a multiple of 2 MiB" },
	{ "memory in device window", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x08000000 0 0x10000000>;"
		      G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: base 0x8000000 is below 0x40000000 (the guest's device "
	  "window)" },
	{ "memory above IPA limit", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0xff 0xf0000000 0 0x20000000>;"
		      G_KERNEL G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: ends at 0x10010000000, above the guest IPA limit "
	  "0x10000000000" },
	{ "memory too small for images", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x2000000>;" G_KERNEL
		      G_INITRD G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: memory: 0x2000000 bytes cannot hold kernel, initrd and the 2 MiB "
	  "device-tree window" },
	{ "memory does not fit RAM", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x80000000>;" G_KERNEL
		      G_CONSOLE)),
	  PAL_E_NO_MEMORY, "vm@2: memory: no free 2 MiB-aligned 0x80000000 bytes of RAM" },
	{ "second guest does not fit", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x40000000>;" G_KERNEL
		      G_CONSOLE)
		GUEST("3", "reg = <3>;" G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x3c000000>;"
		      "kernel = <0 0x4e000000 0 0x1000>;" G_CONSOLE)),
	  PAL_E_NO_MEMORY, "vm@3: memory: no free 2 MiB-aligned 0x3c000000 bytes of RAM" },

	/* kernel and initrd */
	{ "kernel three cells", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x41000000 0x1000>;" H_CONSOLE)),
	  PAL_E_INVALID, "vm@1: kernel: length 12, expected 16" },
	{ "kernel size 0", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x41000000 0 0>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: size is zero" },
	{ "kernel unaligned", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x41000800 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: load address 0x41000800 is not 4 KiB aligned" },
	{ "kernel wraps", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0xffffffff 0xfffff000 0 0x2000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0xfffffffffffff000 + 0x2000 wraps around" },
	{ "kernel ends at 2^64", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0xffffffff 0xfffff000 0 0x800>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0xfffffffffffff000 + 0x800 wraps around" },
	{ "kernel below RAM", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x20000000 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0x20000000..0x20001000 is not inside one RAM region" },
	{ "kernel across RAM end", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0xbff00000 0 0x200000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0xbff00000..0xc0100000 is not inside one RAM region" },
	{ "kernel in hypervisor", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x40400000 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0x40400000..0x40401000 overlaps the hypervisor's memory "
	  "0x40200000..0x40a00000" },
	{ "kernel over manifest", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x40100000 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: kernel: 0x40100000..0x40101000 overlaps a boot input (boot DTB or "
	  "manifest) at 0x40100000..0x40110000" },
	{ "initrd size 0", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL
		"initrd = <0 0x44000000 0 0>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: initrd: size is zero" },
	{ "initrd unaligned", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL
		"initrd = <0 0x44000004 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: initrd: load address 0x44000004 is not 4 KiB aligned" },
	{ "initrd over own kernel", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL
		"initrd = <0 0x42000000 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: initrd: overlaps vm@1's kernel" },
	{ "initrd in kernel's last page", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x41000000 0 0x800>; initrd = <0 0x41000000 0 0x1000>;" H_CONSOLE)),
	  PAL_E_RANGE, "vm@1: initrd: overlaps vm@1's kernel" },
	{ "guest kernel over host initrd", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS G_MEM "kernel = <0 0x44100000 0 0x1000>;"
		      G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: kernel: overlaps vm@1's initrd" },
	{ "guest initrd over host kernel", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS G_MEM G_KERNEL "initrd = <0 0x42f6e000 0 0x1000>;"
		      G_CONSOLE)),
	  PAL_E_RANGE, "vm@2: initrd: overlaps vm@1's kernel" },

	/* console, bootargs */
	{ "console unknown", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL
		"console = \"serial\";")),
	  PAL_E_INVALID, "vm@1: console: \"serial\" is neither \"uart\" nor \"virtual\"" },
	{ "guest uart console", TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS G_MEM G_KERNEL "console = \"uart\";")),
	  PAL_E_INVALID, "vm@2: console: \"uart\" is the physical PL011, which only the host may "
	  "own" },
	{ "console cell", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL "console = <0>;")),
	  PAL_E_INVALID, "vm@1: console: holds more than one string" },
	{ "bootargs unterminated", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = [41 42];")),
	  PAL_E_INVALID, "vm@1: bootargs: not a NUL-terminated string" },
	{ "bootargs empty property", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs;")),
	  PAL_E_INVALID, "vm@1: bootargs: not a NUL-terminated string" },
	{ "bootargs newline", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = \"a\\nb\";")),
	  PAL_E_INVALID, "vm@1: bootargs: byte 1 (0x0a) is not printable ASCII" },
	{ "bootargs escape", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = \"\\x1b[2J\";")),
	  PAL_E_INVALID, "vm@1: bootargs: byte 0 (0x1b) is not printable ASCII" },
	{ "bootargs high byte", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = [41 c3 a9 00];")),
	  PAL_E_INVALID, "vm@1: bootargs: byte 1 (0xc3) is not printable ASCII" },
	{ "bootargs two strings", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = \"a\", \"b\";")),
	  PAL_E_INVALID, "vm@1: bootargs: holds more than one string" },
	{ "bootargs 512", TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE
		"bootargs = \"y" S511 "\";")),
	  PAL_E_INVALID, "vm@1: bootargs: 512 bytes, longer than the 511 allowed" },
};

static void expect_one_line(const char *err)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	assert_true(strlen(err) < 255);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static struct manifest m;   /* 4+ KiB: keep it off the stack */

static int parse_blob(const void *blob, size_t size, char *err)
{
	struct manifest_limits lim = t_limits_2g();

	return manifest_parse(blob, size, &lim, &m, err, 256);
}

static void test_bad_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		char err[256];
		size_t size;
		void *blob = t_compile_dts(bc->dts, &size);
		int rc;

		assert_non_null(blob);
		rc = parse_blob(blob, size, err);
		if (rc != bc->rc || !strstr(err, bc->expect)) {
			fprintf(stderr, "case '%s': rc %d (want %d), message \"%s\"\n  want: \"%s\"\n",
				bc->name, rc, bc->rc, err, bc->expect);
			free(blob);
			fail();
		}
		expect_one_line(err);
		assert_true(all_zero(&m, sizeof(m)));
		free(blob);
	}
	printf("[ info ] %zu malformed manifests rejected with their messages\n",
	       sizeof(bad_cases) / sizeof(bad_cases[0]));
}

/* ---- the documented example ---- */

static void test_example(void **state)
{
	char err[256];
	size_t size;
	void *blob = t_load_dtb("example", &size);
	const struct manifest_vm *h, *g;
	(void)state;

	assert_int_equal(parse_blob(blob, size, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(m.count, 2);
	assert_int_equal(m.host, 0);
	h = manifest_host(&m);
	g = &m.vms[1];

	assert_string_equal(h->node, "vm@1");
	assert_int_equal(h->id, VM_ID_HOST);
	assert_int_equal(h->role, MANIFEST_ROLE_HOST);
	assert_false(h->is_protected);
	assert_false(h->debug);
	assert_int_equal(h->vcpus, 2);
	assert_int_equal(ipa_addr(h->mem_ipa), 0);
	assert_int_equal(h->mem_size, 0);
	assert_int_equal(pa_addr(h->kernel.base), 0x41000000);
	assert_int_equal(h->kernel.size, 0x01f6e0c0);
	assert_true(h->has_initrd);
	assert_int_equal(pa_addr(h->initrd.base), 0x44000000);
	assert_int_equal(h->initrd.size, 0x180000);
	assert_int_equal(h->console, MANIFEST_CONSOLE_UART);
	assert_string_equal(h->bootargs, "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init");

	assert_string_equal(g->node, "vm@2");
	assert_int_equal(g->id, 2);
	assert_int_equal(g->role, MANIFEST_ROLE_GUEST);
	assert_true(g->is_protected);
	assert_false(g->debug);
	assert_int_equal(g->vcpus, 2);
	assert_int_equal(ipa_addr(g->mem_ipa), 0x40000000);
	assert_int_equal(g->mem_size, 0x10000000);
	assert_int_equal(pa_addr(g->mem_pa), 0xb0000000);  /* top of RAM */
	assert_int_equal(pa_addr(g->kernel.base), 0x48000000);
	assert_int_equal(pa_addr(g->initrd.base), 0x4c000000);
	assert_int_equal(g->console, MANIFEST_CONSOLE_VIRTUAL);
	assert_string_equal(g->bootargs, "console=ttyAMA0 rdinit=/init");

	/* The host sees RAM minus the hypervisor and the guest. */
	assert_int_equal(m.hidden_count, 2);
	assert_int_equal(pa_addr(m.hidden[0].base), T_HYP_BASE);
	assert_int_equal(m.hidden[0].size, T_HYP_SIZE);
	assert_int_equal(pa_addr(m.hidden[1].base), 0xb0000000);
	assert_int_equal(m.hidden[1].size, 0x10000000);
	assert_int_equal(m.host_mem_count, 2);
	assert_int_equal(pa_addr(m.host_mem[0].base), 0x40000000);
	assert_int_equal(m.host_mem[0].size, 0x200000);
	assert_int_equal(pa_addr(m.host_mem[1].base), 0x40a00000);
	assert_int_equal(pa_range_end(m.host_mem[1]), 0xb0000000);
	assert_int_equal(pa_addr(m.host_fdt), 0xafe00000);
	free(blob);
}

/* docs/manifest.md shows example.dts verbatim, so the documented example is tested. */
static void test_doc_has_example(void **state)
{
	size_t dsize, esize;
	char *doc = t_load_file(LOADER_DOC, &dsize);
	char *ex = t_load_file(LOADER_EXAMPLE_DTS, &esize);
	(void)state;

	doc[dsize] = '\0';
	ex[esize] = '\0';
	if (!strstr(doc, ex)) {
		fprintf(stderr, "docs/manifest.md does not contain %s verbatim\n",
			LOADER_EXAMPLE_DTS);
		fail();
	}
	free(doc);
	free(ex);
}

/* ---- good variants ---- */

static void *parse_dts_ok(const char *dts)
{
	char err[256];
	size_t size;
	void *blob = t_compile_dts(dts, &size);

	assert_non_null(blob);
	if (parse_blob(blob, size, err) != 0) {
		fprintf(stderr, "rejected: %s\n%s\n", err, dts);
		free(blob);
		fail();
	}
	return blob;
}

static void test_host_only(void **state)
{
	(void)state;
	free(parse_dts_ok(TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL H_CONSOLE))));
	assert_int_equal(m.count, 1);
	assert_false(m.vms[0].has_initrd);
	assert_string_equal(m.vms[0].bootargs, "");
	assert_int_equal(m.hidden_count, 1);
	assert_int_equal(m.host_mem_count, 2);
	assert_int_equal(pa_range_end(m.host_mem[1]), 0xc0000000);
	assert_int_equal(pa_addr(m.host_fdt), 0xbfe00000);
}

static void test_eight_vms(void **state)
{
	(void)state;
	free(parse_dts_ok(TREE(ROOT_STD, HOST(HOST_STD)
		SMALL_GUEST("2", "2", "0x50000000") SMALL_GUEST("3", "3", "0x50200000")
		SMALL_GUEST("4", "4", "0x50400000") SMALL_GUEST("5", "5", "0x50600000")
		SMALL_GUEST("6", "6", "0x50800000") SMALL_GUEST("7", "7", "0x50a00000")
		SMALL_GUEST("3f", "63", "0x50c00000"))));
	assert_int_equal(m.count, 8);
	assert_int_equal(m.vms[7].id, 63);
	/* Placed top down in node order, 64 MiB each. */
	for (unsigned i = 1; i < 8; i++)
		assert_int_equal(pa_addr(m.vms[i].mem_pa), 0xc0000000 - i * 0x4000000ull);
	assert_int_equal(m.hidden_count, 8);
	assert_int_equal(pa_addr(m.host_fdt), 0xc0000000 - 7 * 0x4000000ull - SZ_2M);
}

static void test_property_order_and_flags(void **state)
{
	(void)state;
	/* Properties in reverse order; a debug, unprotected guest; bootargs of 511 bytes. */
	free(parse_dts_ok(TREE("#size-cells = <0>; #address-cells = <1>;" ROOT_COMPAT,
		GUEST("a", G_CONSOLE G_KERNEL G_MEM "debug;" G_VCPUS G_ROLE "reg = <10>;")
		HOST(H_CONSOLE "bootargs = \"" S511 "\";" H_INITRD H_KERNEL H_VCPUS H_ROLE H_REG))));
	assert_int_equal(m.count, 2);
	assert_int_equal(m.host, 1);
	assert_int_equal(m.vms[0].id, 10);
	assert_true(m.vms[0].debug);
	assert_false(m.vms[0].is_protected);
	assert_int_equal(strlen(m.vms[1].bootargs), 511);
}

/* Guest memory and the host's DT window avoid images at the top of RAM. */
static void test_placement_avoids_images(void **state)
{
	(void)state;
	free(parse_dts_ok(TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS G_MEM "kernel = <0 0xbfc00000 0 0x300000>;"
		      G_CONSOLE))));
	/* [0xbfc00000, 0xbff00000) is busy: the guest's block ends at 0xbfc00000. */
	assert_int_equal(pa_addr(m.vms[1].mem_pa), 0xafc00000);
	assert_int_equal(m.host_mem_count, 3);
	assert_int_equal(pa_addr(m.host_mem[2].base), 0xbfc00000);
	assert_int_equal(pa_range_end(m.host_mem[2]), 0xc0000000);
	/* The top host range holds the guest's kernel: the DT goes below the guest. */
	assert_int_equal(pa_addr(m.host_fdt), 0xafa00000);

	/* The host's own initrd at the top of its memory pushes the window down. */
	free(parse_dts_ok(TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS H_KERNEL
		"initrd = <0 0xaff00000 0 0x1000>;" H_CONSOLE) GUEST("2", GUEST_STD))));
	assert_int_equal(pa_addr(m.vms[1].mem_pa), 0xb0000000);
	assert_int_equal(pa_addr(m.host_fdt), 0xafc00000);
}

/* No 2 MiB window left for the host's DT: a tiny machine full of images. */
static void test_no_room_for_host_fdt(void **state)
{
	static const struct pa_range ram[] = { { { 0x40000000 }, 0xc00000 } };
	static const struct pa_range hyp[] = { { { T_HYP_BASE }, T_HYP_SIZE } };
	static const struct pa_range in[] = { { { T_DTB_BASE }, T_DTB_SIZE } };
	struct manifest_limits lim = { ram, 1, hyp, 1, in, 1, 0 };
	char err[256];
	size_t size;
	void *blob = t_compile_dts(TREE(ROOT_STD, HOST(H_REG H_ROLE H_VCPUS
		"kernel = <0 0x40a00000 0 0x1000>;" H_CONSOLE)), &size);
	(void)state;

	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_NO_MEMORY);
	assert_string_equal(err, "/: no free 2 MiB-aligned 2 MiB of host memory for the host's "
			    "device tree");
	free(blob);
}

/* Two RAM regions, one above 4 GiB: guests go into the highest first. */
static void test_two_ram_regions(void **state)
{
	static const struct pa_range ram[] = {
		{ { 0x40000000 }, 0x40000000 },
		{ { 0x100000000 }, 0x20000000 },
	};
	static const struct pa_range hyp[] = { { { T_HYP_BASE }, T_HYP_SIZE } };
	struct manifest_limits lim = { ram, 2, hyp, 1, NULL, 0, 0 };
	char err[256];
	size_t size;
	void *blob = t_compile_dts(TREE(ROOT_STD, HOST(HOST_STD)
		GUEST("2", G_REG G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x18000000>;" G_KERNEL
		      G_CONSOLE)
		GUEST("3", "reg = <3>;" G_ROLE G_VCPUS "memory = <0 0x40000000 0 0x10000000>;"
		      "kernel = <0 0x4e000000 0 0x1000>;" G_CONSOLE)), &size);
	(void)state;

	assert_non_null(blob);
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), 0);
	free(blob);
	assert_int_equal(pa_addr(m.vms[1].mem_pa), 0x108000000);
	assert_int_equal(pa_addr(m.vms[2].mem_pa), 0x70000000);
	assert_int_equal(m.host_mem_count, 3);
	assert_int_equal(pa_addr(m.host_mem[1].base), 0x40a00000);
	assert_int_equal(pa_range_end(m.host_mem[1]), 0x70000000);
	assert_int_equal(pa_addr(m.host_mem[2].base), 0x100000000);
	assert_int_equal(m.host_mem[2].size, 0x8000000);
	assert_int_equal(pa_addr(m.host_fdt), 0x107e00000);
}

/* ---- blobs dtc will not write ---- */

#define SW(call) assert_int_equal((call), 0)

static void sw_guest(void *fdt, const char *name, uint32_t id, uint32_t kernel_hi_page)
{
	fdt32_t mem[4] = { 0, cpu_to_fdt32(0x40000000), 0, cpu_to_fdt32(0x4000000) };
	fdt32_t k[4] = { 0, cpu_to_fdt32(kernel_hi_page), 0, cpu_to_fdt32(0x1000) };

	SW(fdt_begin_node(fdt, name));
	SW(fdt_property_u32(fdt, "reg", id));
	SW(fdt_property_string(fdt, "role", "guest"));
	SW(fdt_property_u32(fdt, "vcpus", 1));
	SW(fdt_property(fdt, "memory", mem, sizeof(mem)));
	SW(fdt_property(fdt, "kernel", k, sizeof(k)));
	SW(fdt_property_string(fdt, "console", "virtual"));
	SW(fdt_end_node(fdt));
}

enum sw_shape { SW_DUP_PROP, SW_DUP_ROOT_PROP, SW_TWO_HOSTS, SW_TWO_GUESTS, SW_BAD_NODE_NAME,
		SW_BAD_PROP_NAME };

static void *sw_build(enum sw_shape shape, size_t *size)
{
	void *fdt = t_dup("", 0, 4096);
	fdt32_t kernel[4] = { 0, cpu_to_fdt32(0x41000000), 0, cpu_to_fdt32(0x1000) };

	SW(fdt_create(fdt, 4096));
	SW(fdt_finish_reservemap(fdt));
	SW(fdt_begin_node(fdt, ""));
	SW(fdt_property_string(fdt, "compatible", MANIFEST_COMPATIBLE));
	if (shape == SW_DUP_ROOT_PROP)
		SW(fdt_property_string(fdt, "compatible", MANIFEST_COMPATIBLE));
	SW(fdt_property_u32(fdt, "#address-cells", 1));
	SW(fdt_property_u32(fdt, "#size-cells", 0));
	for (int i = 0; i < (shape == SW_TWO_HOSTS ? 2 : 1); i++) {
		SW(fdt_begin_node(fdt, shape == SW_BAD_NODE_NAME ? "vm\x1b[2J@1" : "vm@1"));
		SW(fdt_property_u32(fdt, "reg", 1));
		if (shape == SW_DUP_PROP)
			SW(fdt_property_u32(fdt, "reg", 1));
		SW(fdt_property_string(fdt, "role", "host"));
		SW(fdt_property_u32(fdt, "vcpus", 1));
		SW(fdt_property(fdt, "kernel", kernel, sizeof(kernel)));
		kernel[1] = cpu_to_fdt32(0x42000000);   /* the second host's kernel elsewhere */
		SW(fdt_property_string(fdt, "console", "uart"));
		if (shape == SW_BAD_PROP_NAME)
			SW(fdt_property_u32(fdt, "\x1b[2J", 1));
		SW(fdt_end_node(fdt));
	}
	if (shape == SW_TWO_GUESTS) {
		sw_guest(fdt, "vm@2", 2, 0x50000000);
		sw_guest(fdt, "vm@2", 2, 0x51000000);
	}
	SW(fdt_end_node(fdt));
	SW(fdt_finish(fdt));
	*size = 4096;
	return fdt;
}

static void test_sw_built(void **state)
{
	static const struct { enum sw_shape shape; int rc; const char *expect; } cases[] = {
		{ SW_DUP_PROP, PAL_E_INVALID, "vm@1: reg: appears twice" },
		{ SW_DUP_ROOT_PROP, PAL_E_INVALID, "/: compatible: appears twice" },
		{ SW_TWO_HOSTS, PAL_E_INVALID, "vm@1: role: a second host VM (vm@1 is the host)" },
		{ SW_TWO_GUESTS, PAL_E_INVALID, "vm@2: reg: VM id 2 is also vm@2's" },
		{ SW_BAD_NODE_NAME, PAL_E_INVALID, "/: unexpected node '(unprintable name)'" },
		{ SW_BAD_PROP_NAME, PAL_E_INVALID, "vm@1: (unprintable name): unknown property" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256];
		size_t size;
		void *blob = sw_build(cases[i].shape, &size);
		int rc = parse_blob(blob, size, err);

		if (rc != cases[i].rc || !strstr(err, cases[i].expect)) {
			fprintf(stderr, "sw case %zu: rc %d, \"%s\"; want \"%s\"\n", i, rc, err,
				cases[i].expect);
			fail();
		}
		expect_one_line(err);
		free(blob);
	}
}

/* ---- the blob itself ---- */

static void expect_blob_error(const void *blob, size_t size, const char *expect)
{
	char err[256];
	int rc = parse_blob(blob, size, err);

	if (rc != PAL_E_INVALID || !strstr(err, expect)) {
		fprintf(stderr, "rc %d, \"%s\"; want \"%s\"\n", rc, err, expect);
		fail();
	}
	expect_one_line(err);
}

static void test_bad_blobs(void **state)
{
	size_t size;
	uint8_t *blob = t_load_dtb("example", &size);
	uint8_t *copy;
	(void)state;

	expect_blob_error(NULL, size, "manifest: blob missing or not 8-byte aligned");
	copy = t_dup(blob, size, size + 8);
	memmove(copy + 4, copy, size);
	expect_blob_error(copy + 4, size, "manifest: blob missing or not 8-byte aligned");
	free(copy);
	expect_blob_error(blob, 39, "manifest: 39 bytes, smaller than a device-tree header");
	expect_blob_error(blob, size - 1, "manifest: header claims");

	copy = t_dup(blob, size, size);
	copy[0] ^= 0xff;
	expect_blob_error(copy, size, "manifest: bad device-tree header: FDT_ERR_BADMAGIC");
	free(copy);

	copy = t_dup(blob, size, size);
	((struct fdt_header *)copy)->version = cpu_to_fdt32(1);
	expect_blob_error(copy, size, "manifest: bad device-tree header");
	free(copy);

	/* libfdt would read the structure block through misaligned pointers. */
	copy = t_dup(blob, size, size);
	((struct fdt_header *)copy)->off_dt_struct = cpu_to_fdt32(fdt_off_dt_struct(blob) + 2);
	expect_blob_error(copy, size, "manifest: memory-reservation or structure block misaligned");
	free(copy);

	/* A structure block that ends early. */
	copy = t_dup(blob, size, size);
	memset(copy + fdt_off_dt_struct(copy) + fdt_size_dt_struct(copy) - 8, 0xff, 4);
	expect_blob_error(copy, size, "manifest: malformed device tree");
	free(copy);

	/* Room to spare is fine; more than 64 KiB is not. */
	copy = t_dup("", 0, 0x11000);
	assert_int_equal(fdt_open_into(blob, copy, 0x10000), 0);
	{
		char err[256];

		assert_int_equal(parse_blob(copy, 0x11000, err), 0);
	}
	assert_int_equal(fdt_open_into(blob, copy, 0x11000), 0);
	expect_blob_error(copy, 0x11000, "manifest: 69632 bytes, larger than the 65536 allowed");
	free(copy);
	free(blob);
}

static void test_bad_limits(void **state)
{
	static const struct pa_range ram[9] = { { { 0x40000000 }, 0x80000000 } };
	static const struct pa_range odd[] = { { { 0x40200800 }, 0x1000 } };
	static const struct pa_range wrap[] = { { { 0xfffffffffffff000ull }, 0x2000 } };
	static const struct pa_range empty[] = { { { 0x40000000 }, 0 } };
	size_t size;
	void *blob = t_load_dtb("example", &size);
	struct manifest_limits lim;
	char err[256];
	(void)state;

	assert_int_equal(manifest_parse(blob, size, NULL, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_string_equal(err, "limits: missing");

	lim = (struct manifest_limits){ ram, 0, NULL, 0, NULL, 0, 0 };
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_non_null(strstr(err, "limits: 0 RAM ranges"));
	lim.ram_count = 9;
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_non_null(strstr(err, "limits: 9 RAM ranges"));
	lim = (struct manifest_limits){ ram, 1, odd, 1, NULL, 0, 0 };
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_non_null(strstr(err, "limits: reserved range 0"));
	lim = (struct manifest_limits){ ram, 1, NULL, 0, wrap, 1, 0 };
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_non_null(strstr(err, "limits: boot input range 0"));
	lim = (struct manifest_limits){ empty, 1, NULL, 0, NULL, 0, 0 };
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	lim = (struct manifest_limits){ NULL, 1, NULL, 0, NULL, 0, 0 };
	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), PAL_E_INVALID);

	/* No err buffer at all is allowed. */
	assert_int_equal(manifest_parse(blob, size, NULL, &m, NULL, 0), PAL_E_INVALID);
	free(blob);
}

/* A tiny err buffer gets a truncated, terminated message. */
static void test_short_err_buffer(void **state)
{
	char err[8];
	struct manifest_limits lim = t_limits_2g();
	(void)state;

	memset(err, 'z', sizeof(err));
	assert_int_equal(manifest_parse(NULL, 0, &lim, &m, err, sizeof(err)), PAL_E_INVALID);
	assert_int_equal(strlen(err), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_doc_has_example),
		cmocka_unit_test(test_host_only),
		cmocka_unit_test(test_eight_vms),
		cmocka_unit_test(test_property_order_and_flags),
		cmocka_unit_test(test_placement_avoids_images),
		cmocka_unit_test(test_two_ram_regions),
		cmocka_unit_test(test_no_room_for_host_fdt),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_sw_built),
		cmocka_unit_test(test_bad_blobs),
		cmocka_unit_test(test_bad_limits),
		cmocka_unit_test(test_short_err_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
