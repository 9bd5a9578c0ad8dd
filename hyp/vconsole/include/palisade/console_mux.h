/*
 * The console multiplexer: every VM's emulated PL011 shares the one physical UART.
 *
 * Output: each VM's bytes are collected into a line buffer and written to the physical
 * console a whole line at a time, behind the VM's prefix ("[vm2] "; the host VM has none
 * by default), so lines of different VMs never mix. A line is written at '\n', when its
 * buffer fills (CONSOLE_MUX_LINE_MAX), or by console_mux_tick() when it has waited for
 * a tick (a shell prompt has no '\n'). Guests' output is filtered so they cannot drive
 * the terminal or forge the prefix of another VM or of the hypervisor.
 *
 * Input: console_mux_input() takes each byte read from the physical UART. It goes to the
 * VM selected for input (the host VM at first) unless it is part of an escape sequence,
 * which starts with the escape byte (Ctrl-A by default); see docs/console.md.
 *
 * Portable (EL2 and host unit tests); no allocation.
 *
 * Locks, in order: in_lock (input state, registry) -> a vpl011's lock -> out_lock
 * (line buffers, physical line state, registry) -> the physical console lock, which
 * ops->phys_write takes. The registry is written under both locks and read under either.
 *  - console_mux_input(): in_lock, then vpl011_rx_push() on the target.
 *  - console_mux_output(): normally called from a vpl011 tx callback (vpl011 lock held);
 *    takes out_lock.
 *  - ops->phys_write is called with out_lock held: it must not log through the mux or
 *    call any console_mux function.
 * Call the functions with interrupts masked (as EL2 runs): an interrupt handler that
 * called console_mux_input() on a CPU already inside it would deadlock.
 */
#ifndef PALISADE_CONSOLE_MUX_H
#define PALISADE_CONSOLE_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/spinlock.h>
#include <palisade/vmid.h>

struct vpl011;

#define CONSOLE_MUX_LINE_MAX   256  /* bytes of one VM's line held before it is written */
#define CONSOLE_MUX_PREFIX_MAX 16   /* prefix length limit, NUL included */
#define CONSOLE_MUX_ESCAPE_DEFAULT 0x01  /* Ctrl-A */

struct console_mux_ops {
	/*
	 * Write text to the physical console, atomically with respect to the hypervisor's
	 * own log lines (take the console lock). Lines end in '\n' alone: converting to
	 * "\r\n" for the terminal is the writer's job.
	 */
	void (*phys_write)(void *cookie, const char *s, size_t n);
};

/* One VM's slot, indexed by VM id. Private. */
struct console_mux_vm {
	struct vpl011 *uart;        /* non-NULL: registered */
	bool raw;                   /* pass control bytes through unfiltered */
	bool aged;                  /* the pending partial line has seen a tick */
	uint16_t aged_len;          /* its length then: more bytes since make it young again */
	uint64_t aged_at;           /* the tick's time then (console_mux_tick's now) */
	uint8_t prefix_len;
	uint16_t len;               /* bytes in line[] */
	uint16_t col;               /* visible bytes since the prefix on the physical line */
	char prefix[CONSOLE_MUX_PREFIX_MAX];
	char line[CONSOLE_MUX_LINE_MAX];
};

/* Caller-allocated (about 18 KiB: place it in .bss). Private fields. */
struct console_mux {
	spinlock_t in_lock;
	spinlock_t out_lock;
	const struct console_mux_ops *ops;
	void *cookie;

	/* under in_lock */
	uint8_t escape;
	bool got_escape;
	vm_id_t target;             /* VM selected for input */
	uint64_t input_dropped;     /* bytes with no VM to take them, or refused by a full FIFO */

	/* under out_lock */
	vm_id_t open_line;          /* VM whose line is unfinished on the console, or NONE */
	uint64_t output_dropped;    /* bytes from VMs that are not registered */
	char stage[CONSOLE_MUX_PREFIX_MAX + CONSOLE_MUX_LINE_MAX + 8];

	struct console_mux_vm vm[VM_ID_LIMIT];
};

/* ops->phys_write must be non-NULL. Input goes to VM_ID_HOST. PAL_OK or PAL_E_INVALID. */
int console_mux_init(struct console_mux *mux, const struct console_mux_ops *ops, void *cookie);

/*
 * Choose the escape byte: a control character 0x01..0x1f other than Backspace, Tab,
 * Line Feed, Carriage Return and Escape (those occur in ordinary typing).
 * PAL_OK or PAL_E_INVALID.
 */
int console_mux_set_escape(struct console_mux *mux, uint8_t escape);

/*
 * Register a VM's console. prefix NULL means the default: none for VM_ID_HOST,
 * "[vmN] " for a guest; "" means none. The host's output is raw (its own shell draws
 * the terminal), a guest's is filtered; change it with console_mux_set_raw().
 * PAL_E_INVALID (id out of 1..VM_ID_LIMIT-1, NULL uart, prefix of 16 bytes or more),
 * PAL_E_BUSY (already registered) or PAL_OK.
 */
int console_mux_add_vm(struct console_mux *mux, vm_id_t vm, struct vpl011 *uart,
		       const char *prefix);

/*
 * Unregister a VM's console at teardown: its pending output is written (and its line
 * ended), and if it was the input target, input goes back to the host VM (announced).
 * After this returns the mux holds no pointer to the vpl011. PAL_E_NOT_FOUND or PAL_OK.
 */
int console_mux_remove_vm(struct console_mux *mux, vm_id_t vm);

/* raw: pass every byte through (trusted, interactive VMs). PAL_E_NOT_FOUND or PAL_OK. */
int console_mux_set_raw(struct console_mux *mux, vm_id_t vm, bool raw);

/* One byte a VM transmitted (from its vpl011's tx callback). Unregistered: dropped. */
void console_mux_output(struct console_mux *mux, vm_id_t vm, uint8_t c);

/*
 * Periodic flush: writes each partial line that has not grown since an earlier tick at
 * least `quiet` time units before `now` (any monotonic clock; quiet 0: since the
 * previous tick), so a prompt or an echoed keystroke shows, while a line still being
 * written (a VM descheduled between two bytes) is not cut: a cut line would continue
 * behind a new prefix, and a verdict split that way is lost to whoever reads the log.
 */
bool console_mux_tick(struct console_mux *mux, uint64_t now, uint64_t quiet);   /* any left? */

/* Write every pending partial line now and end the open line (before power-off, panic). */
void console_mux_flush(struct console_mux *mux);

/*
 * Hypervisor text (whole lines): written after ending any VM's unfinished line, so it
 * starts a line of its own. Route the hypervisor's log through this once VMs run.
 */
void console_mux_hyp_write(struct console_mux *mux, const char *s, size_t n);

/* One byte read from the physical UART. */
void console_mux_input(struct console_mux *mux, uint8_t c);

/* The VM currently selected for input. */
vm_id_t console_mux_input_target(struct console_mux *mux);

struct console_mux_stats {
	uint64_t input_dropped;   /* input bytes no VM took (no host, or its RX FIFO full) */
	uint64_t output_dropped;  /* output bytes from unregistered VMs */
};

void console_mux_get_stats(struct console_mux *mux, struct console_mux_stats *out);

#endif /* PALISADE_CONSOLE_MUX_H */
