/*
 * SHA-512 block function with the Armv8.2 SHA-512 instructions (FEAT_SHA512: SHA512H,
 * SHA512H2, SHA512SU0, SHA512SU1), written from the instruction definitions in the Arm
 * ARM and FIPS 180-4. Mbed TLS stays the SHA-384 implementation; this only replaces its
 * compression function (crypto/src/sha384.c dispatches, docs/crypto.md explains).
 *
 * The only crypto code that touches FP/SIMD registers; EL2 C is -mgeneral-regs-only.
 * The hypervisor switches guests' FP/SIMD state lazily (hyp/arch/aarch64/vcpu_arch.c):
 * the V registers may hold a vCPU's live state while EL2 runs, even when EL2's own FP
 * access is trapped. So every entry point here
 *   - enables FP/SIMD at EL2 itself: under VHE (HCR_EL2.E2H = 1) CPTR_EL2 has the
 *     CPACR layout and the hypervisor keeps FPEN [21:20] = 0b00 (EL2 FP/SIMD traps)
 *     whenever the loaded vCPU does not own the registers; we set FPEN = 0b11 and put
 *     back the caller's exact value afterwards. (CPACR_EL1 written at EL2 under E2H is
 *     this same register; CPACR_EL12 is the guest's and does not affect EL2.)
 *   - saves every V register it uses and restores it bit for bit; the instructions used
 *     (loads, integer adds, EXT, REV64, SHA512*) neither read FPCR nor write FPSR, and
 *     guests have no SVE/SME state (disabled on the CPU, SVE traps refused), so the V
 *     registers are all the state there is. No hash data is left in a register.
 *   - must not be interrupted by code that saves or loads FP/SIMD state; EL2 runs with
 *     interrupts masked.
 * The host build (Linux user space on an aarch64 host) leaves CPTR_EL2 alone.
 */
	.arch	armv8.2-a+sha3		/* the SHA-512 instructions, for this file only */

#ifdef PALISADE_EL2
	/* x9 = the caller's CPTR_EL2; FP/SIMD on at EL2. */
	.macro	fp_on
	mrs	x9, cptr_el2
	orr	x10, x9, #(3 << 20)
	msr	cptr_el2, x10
	isb
	.endm
	.macro	fp_restore
	msr	cptr_el2, x9
	isb
	.endm
#else
	.macro	fp_on
	.endm
	.macro	fp_restore
	.endm
#endif

/*
 * Two rounds (t, t+1). Registers hold word pairs [lane 0, lane 1]: \ab = (a, b),
 * \cd = (c, d), \ef = (e, f), \gh = (g, h); \nx receives the new (e, f). \w holds
 * (W[t], W[t+1]), \k (K[t], K[t+1]). Afterwards (a, b) is in \gh, (c, d) in \ab,
 * (e, f) in \nx, (g, h) in \ef and \cd is free: five registers rotate.
 * With \su, the schedule then turns \w into (W[t+16], W[t+17]) from \w1 = W[t+2..3],
 * \w4 \w5 = W[t+8..11] and \w7 = W[t+14..15].
 */
	.macro	dround ab, cd, ef, gh, nx, w, k, w1, w4, w5, w7, su
	add	v9.2d, v\w\().2d, v\k\().2d
	ext	v9.16b, v9.16b, v9.16b, #8		/* (K+W[t+1], K+W[t]) */
	ext	v10.16b, v\ef\().16b, v\gh\().16b, #8	/* (f, g) */
	ext	v11.16b, v\cd\().16b, v\ef\().16b, #8	/* (d, e) */
	add	v\gh\().2d, v\gh\().2d, v9.2d		/* (g + K+W[t+1], h + K+W[t]) */
	sha512h	q\gh, q10, v11.2d			/* (T1[t+1], T1[t]) */
	add	v\nx\().2d, v\cd\().2d, v\gh\().2d	/* new (e, f) */
	sha512h2 q\gh, q\cd, v\ab\().2d			/* new (a, b) */
	.if	\su
	sha512su0 v\w\().2d, v\w1\().2d
	ext	v10.16b, v\w4\().16b, v\w5\().16b, #8
	sha512su1 v\w\().2d, v\w7\().2d, v10.2d
	.endif
	.endm

/* Rounds 16i .. 16i+15: message pairs in v12-v19, constants four pairs at a time. */
	.macro	rounds16 r0, r1, r2, r3, r4, su
	ld1	{v20.2d-v23.2d}, [x3], #64
	dround	\r0, \r1, \r2, \r3, \r4, 12, 20, 13, 16, 17, 19, \su
	dround	\r3, \r0, \r4, \r2, \r1, 13, 21, 14, 17, 18, 12, \su
	dround	\r2, \r3, \r1, \r4, \r0, 14, 22, 15, 18, 19, 13, \su
	dround	\r4, \r2, \r0, \r1, \r3, 15, 23, 16, 19, 12, 14, \su
	ld1	{v20.2d-v23.2d}, [x3], #64
	dround	\r1, \r4, \r3, \r0, \r2, 16, 20, 17, 12, 13, 15, \su
	dround	\r0, \r1, \r2, \r3, \r4, 17, 21, 18, 13, 14, 16, \su
	dround	\r3, \r0, \r4, \r2, \r1, 18, 22, 19, 14, 15, 17, \su
	dround	\r2, \r3, \r1, \r4, \r0, 19, 23, 12, 15, 16, 18, \su
	.endm

/*
 * void palisade_sha512_armv8_blocks(uint64_t state[8], const uint8_t *data, size_t n)
 * Compresses n (>= 0) consecutive 128-byte blocks into state (a..h, as in
 * mbedtls_sha512_context.state). data needs no alignment.
 */
	.section .text.palisade_sha512_armv8_blocks, "ax"
	.p2align 4
	.global	palisade_sha512_armv8_blocks
	.type	palisade_sha512_armv8_blocks, %function
palisade_sha512_armv8_blocks:
	cbz	x2, 2f
	fp_on
	sub	sp, sp, #384			/* v0-v23 */
	mov	x10, sp
	st1	{v0.16b-v3.16b}, [x10], #64
	st1	{v4.16b-v7.16b}, [x10], #64
	st1	{v8.16b-v11.16b}, [x10], #64
	st1	{v12.16b-v15.16b}, [x10], #64
	st1	{v16.16b-v19.16b}, [x10], #64
	st1	{v20.16b-v23.16b}, [x10]

	adrp	x4, sha512_k
	add	x4, x4, :lo12:sha512_k
	ld1	{v0.2d-v3.2d}, [x0]		/* (a, b) (c, d) (e, f) (g, h) */
1:	mov	x3, x4
	ld1	{v12.16b-v15.16b}, [x1], #64
	ld1	{v16.16b-v19.16b}, [x1], #64
	.irp	r, 12, 13, 14, 15, 16, 17, 18, 19
	rev64	v\r\().16b, v\r\().16b		/* big-endian words */
	.endr
	mov	v5.16b, v0.16b			/* the state before this block */
	mov	v6.16b, v1.16b
	mov	v7.16b, v2.16b
	mov	v8.16b, v3.16b
	rounds16 0, 1, 2, 3, 4, 1		/* each starts where the last left off */
	rounds16 4, 2, 0, 1, 3, 1
	rounds16 3, 0, 4, 2, 1, 1
	rounds16 1, 4, 3, 0, 2, 1
	rounds16 2, 3, 1, 4, 0, 0		/* 80 rounds: the rotation is back at v0-v3 */
	add	v0.2d, v0.2d, v5.2d
	add	v1.2d, v1.2d, v6.2d
	add	v2.2d, v2.2d, v7.2d
	add	v3.2d, v3.2d, v8.2d
	subs	x2, x2, #1
	b.ne	1b
	st1	{v0.2d-v3.2d}, [x0]

	mov	x10, sp
	ld1	{v0.16b-v3.16b}, [x10], #64
	ld1	{v4.16b-v7.16b}, [x10], #64
	ld1	{v8.16b-v11.16b}, [x10], #64
	ld1	{v12.16b-v15.16b}, [x10], #64
	ld1	{v16.16b-v19.16b}, [x10], #64
	ld1	{v20.16b-v23.16b}, [x10]
	/* The save area held a guest's registers: leave no copy on the stack. */
	mov	x10, sp
	.rept	24
	stp	xzr, xzr, [x10], #16
	.endr
	add	sp, sp, #384
	fp_restore
2:	ret
	.size	palisade_sha512_armv8_blocks, . - palisade_sha512_armv8_blocks

/*
 * void palisade_sha512_armv8_fp_xchg(const void *load, void *store)
 * For the self-test: stores V0-V31, FPSR and FPCR to store (528 bytes) and loads them
 * from load, with EL2 FP/SIMD access handled as above.
 */
	.section .text.palisade_sha512_armv8_fp_xchg, "ax"
	.p2align 4
	.global	palisade_sha512_armv8_fp_xchg
	.type	palisade_sha512_armv8_fp_xchg, %function
palisade_sha512_armv8_fp_xchg:
	fp_on
	st1	{v0.16b-v3.16b}, [x1], #64
	st1	{v4.16b-v7.16b}, [x1], #64
	st1	{v8.16b-v11.16b}, [x1], #64
	st1	{v12.16b-v15.16b}, [x1], #64
	st1	{v16.16b-v19.16b}, [x1], #64
	st1	{v20.16b-v23.16b}, [x1], #64
	st1	{v24.16b-v27.16b}, [x1], #64
	st1	{v28.16b-v31.16b}, [x1], #64
	mrs	x10, fpsr
	mrs	x11, fpcr
	stp	x10, x11, [x1]
	ld1	{v0.16b-v3.16b}, [x0], #64
	ld1	{v4.16b-v7.16b}, [x0], #64
	ld1	{v8.16b-v11.16b}, [x0], #64
	ld1	{v12.16b-v15.16b}, [x0], #64
	ld1	{v16.16b-v19.16b}, [x0], #64
	ld1	{v20.16b-v23.16b}, [x0], #64
	ld1	{v24.16b-v27.16b}, [x0], #64
	ld1	{v28.16b-v31.16b}, [x0], #64
	ldp	x10, x11, [x0]
	msr	fpsr, x10
	msr	fpcr, x11
	fp_restore
	ret
	.size	palisade_sha512_armv8_fp_xchg, . - palisade_sha512_armv8_fp_xchg

/* FIPS 180-4 section 4.2.3: the first 64 bits of the fractional parts of the cube roots
 * of the first 80 primes (generated from that definition, not copied). */
	.section .rodata.sha512_k, "a"
	.p2align 4
sha512_k:
	.quad	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc
	.quad	0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118
	.quad	0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2
	.quad	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694
	.quad	0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65
	.quad	0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5
	.quad	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4
	.quad	0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70
	.quad	0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df
	.quad	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b
	.quad	0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30
	.quad	0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8
	.quad	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8
	.quad	0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3
	.quad	0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec
	.quad	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b
	.quad	0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178
	.quad	0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b
	.quad	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c
	.quad	0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817
	.size	sha512_k, . - sha512_k
