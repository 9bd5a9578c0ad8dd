/* The pvm-attest ELF, embedded so the test host can launch it (path from CMake). */
	.section .rodata.payload, "a"
	.balign 4096
	.global pvm_elf, pvm_elf_end
pvm_elf:
	.incbin PVM_ELF_PATH
pvm_elf_end:
