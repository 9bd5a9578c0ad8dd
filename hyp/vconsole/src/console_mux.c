/*
 * Console multiplexer: see palisade/console_mux.h and docs/console.md.
 * Locks: in_lock -> (vpl011 lock) -> out_lock -> (physical console lock in phys_write).
 */
#include <stdarg.h>
#include <string.h>

#include "palisade/console_mux.h"
#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/vpl011.h"

#define MSG_MAX 192  /* one "[palisade] ..." line */

static bool valid_id(vm_id_t vm)
{
	return vm > VM_ID_HYP && vm < VM_ID_LIMIT;
}

static struct console_mux_vm *registered(struct console_mux *mux, vm_id_t vm)
{
	if (!valid_id(vm) || !mux->vm[vm].uart)
		return NULL;
	return &mux->vm[vm];
}

/* ---- output (out_lock held) ---- */

/*
 * Write a slot's buffered bytes as one physical write: end another writer's unfinished
 * line, add the prefix unless this VM's own line is being continued, and end the line
 * if complete. Filtered VMs' backspaces may not reach into the prefix.
 */
static void emit(struct console_mux *mux, vm_id_t vm, struct console_mux_vm *s, bool complete)
{
	char *out = mux->stage;
	size_t n = 0;

	if (!complete && !s->len)
		return;
	if (mux->open_line != VM_ID_NONE && mux->open_line != vm)
		out[n++] = '\n';
	if (mux->open_line != vm) {
		memcpy(out + n, s->prefix, s->prefix_len);
		n += s->prefix_len;
		s->col = 0;
	}
	for (size_t i = 0; i < s->len; i++) {
		char c = s->line[i];

		if (c == '\b' && !s->raw) {
			if (!s->col)
				continue;
			s->col--;
		} else if (s->col < UINT16_MAX) {
			s->col++;
		}
		out[n++] = c;
	}
	if (complete) {
		out[n++] = '\n';
		s->col = 0;
		mux->open_line = VM_ID_NONE;
	} else {
		mux->open_line = vm;
	}
	s->len = 0;
	s->aged = false;
	mux->ops->phys_write(mux->cookie, out, n);
}

static void append(struct console_mux *mux, vm_id_t vm, struct console_mux_vm *s,
		   const char *b, size_t n)
{
	if (s->len + n > CONSOLE_MUX_LINE_MAX)
		emit(mux, vm, s, false);  /* a full buffer goes out; the line continues */
	memcpy(s->line + s->len, b, n);
	s->len += (uint16_t)n;
}

/*
 * A guest may print text, not terminal commands: control bytes are shown in caret
 * notation (ESC as "^[", DEL as "^?"), bytes from 0x80 as '?', and a lone carriage
 * return is dropped, so nothing can move the cursor over a prefix or forge a
 * "[palisade]" line.
 * Backspace is kept for line editing and bounded in emit().
 */
static void put_filtered(struct console_mux *mux, vm_id_t vm, struct console_mux_vm *s, uint8_t c)
{
	char b[2];

	if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\b') {
		b[0] = (char)c;
		append(mux, vm, s, b, 1);
	} else if (c == '\r') {
		return;
	} else if (c < 0x20 || c == 0x7f) {
		b[0] = '^';
		b[1] = (char)(c ^ 0x40);
		append(mux, vm, s, b, 2);
	} else {
		b[0] = '?';
		append(mux, vm, s, b, 1);
	}
}

static void hyp_write_locked(struct console_mux *mux, const char *s, size_t n)
{
	if (!n)
		return;
	if (mux->open_line != VM_ID_NONE && mux->open_line != VM_ID_HYP)
		mux->ops->phys_write(mux->cookie, "\n", 1);  /* end a VM's unfinished line */
	mux->ops->phys_write(mux->cookie, s, n);
	mux->open_line = s[n - 1] == '\n' ? VM_ID_NONE : VM_ID_HYP;
}

void console_mux_output(struct console_mux *mux, vm_id_t vm, uint8_t c)
{
	struct console_mux_vm *s;

	spin_lock(&mux->out_lock);
	s = registered(mux, vm);
	if (!s) {
		mux->output_dropped++;
	} else if (c == '\n') {
		if (s->len && s->line[s->len - 1] == '\r')
			s->len--;  /* the tty's "\r\n": the physical writer adds its own '\r' */
		emit(mux, vm, s, true);
	} else if (s->raw) {
		char b = (char)c;

		append(mux, vm, s, &b, 1);
	} else {
		put_filtered(mux, vm, s, c);
	}
	spin_unlock(&mux->out_lock);
}

bool console_mux_tick(struct console_mux *mux, uint64_t now, uint64_t quiet)
{
	bool pending = false;

	spin_lock(&mux->out_lock);
	for (vm_id_t vm = 1; vm < VM_ID_LIMIT; vm++) {
		struct console_mux_vm *s = &mux->vm[vm];

		if (!s->uart || !s->len)
			continue;
		if (s->aged && s->aged_len == s->len && now - s->aged_at >= quiet) {
			emit(mux, vm, s, false);
		} else if (!s->aged || s->aged_len != s->len) {
			s->aged = true;
			s->aged_len = s->len;
			s->aged_at = now;
		}
		pending |= s->len != 0;
	}
	spin_unlock(&mux->out_lock);
	return pending;
}

void console_mux_flush(struct console_mux *mux)
{
	spin_lock(&mux->out_lock);
	for (vm_id_t vm = 1; vm < VM_ID_LIMIT; vm++) {
		if (mux->vm[vm].uart)
			emit(mux, vm, &mux->vm[vm], false);
	}
	if (mux->open_line != VM_ID_NONE) {
		mux->ops->phys_write(mux->cookie, "\n", 1);
		mux->open_line = VM_ID_NONE;
	}
	spin_unlock(&mux->out_lock);
}

void console_mux_hyp_write(struct console_mux *mux, const char *s, size_t n)
{
	spin_lock(&mux->out_lock);
	hyp_write_locked(mux, s, n);
	spin_unlock(&mux->out_lock);
}

/* A "[palisade] ..." line. Called with in_lock held (or none), never out_lock. */
static void msg(struct console_mux *mux, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void msg(struct console_mux *mux, const char *fmt, ...)
{
	static const char tag[] = "[palisade] ";
	char line[MSG_MAX];
	size_t n = sizeof(tag) - 1;
	va_list ap;

	memcpy(line, tag, n);
	va_start(ap, fmt);
	n += fmt_vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;  /* cut: still one line */
	line[n++] = '\n';
	console_mux_hyp_write(mux, line, n);
}

/* ---- input (in_lock held) ---- */

static void escape_name(const struct console_mux *mux, char out[8])
{
	fmt_snprintf(out, 8, "Ctrl-%c", mux->escape ^ 0x40);
}

static void announce_target(struct console_mux *mux)
{
	if (mux->target == VM_ID_HOST)
		msg(mux, "console input -> host (vm%u)", (unsigned)VM_ID_HOST);
	else
		msg(mux, "console input -> vm%u", (unsigned)mux->target);
}

static void select_vm(struct console_mux *mux, vm_id_t vm)
{
	if (!registered(mux, vm)) {
		msg(mux, "no console for vm%u; console input stays on vm%u", (unsigned)vm,
		    (unsigned)mux->target);
		return;
	}
	mux->target = vm;
	announce_target(mux);
}

/* The next registered VM after the target in direction dir (+1/-1), wrapping. */
static void select_step(struct console_mux *mux, int dir)
{
	int n = VM_ID_LIMIT - 1;  /* ids 1 .. VM_ID_LIMIT-1 */
	int id = mux->target;

	for (int i = 0; i < n; i++) {
		id = (id - 1 + dir + n) % n + 1;
		if (registered(mux, (vm_id_t)id))
			break;
	}
	select_vm(mux, (vm_id_t)id);
}

static void help(struct console_mux *mux)
{
	/* Room in the line for "[palisade] consoles:" and "; input -> vmNN". */
	char e[8], list[MSG_MAX - 48];
	size_t n = 0;

	escape_name(mux, e);
	msg(mux, "console escapes: %s h host VM, %s n / %s p next / previous VM,", e, e, e);
	msg(mux, "  %s 1..9 VM by id, %s %s send %s, %s ? this help", e, e, e, e, e);
	for (vm_id_t vm = 1; vm < VM_ID_LIMIT && n < sizeof(list); vm++) {
		if (registered(mux, vm))
			n += fmt_snprintf(list + n, sizeof(list) - n, " vm%u%s", (unsigned)vm,
					  vm == VM_ID_HOST ? "(host)" : "");
	}
	if (n >= sizeof(list))
		memcpy(list + sizeof(list) - 5, " ...", 5);
	msg(mux, "consoles:%s; input -> vm%u", n ? list : " none", (unsigned)mux->target);
}

static void deliver(struct console_mux *mux, uint8_t c)
{
	struct console_mux_vm *s = registered(mux, mux->target);

	if (!s)
		s = registered(mux, VM_ID_HOST);  /* the target went away: the host's */
	if (!s || !vpl011_rx_push(s->uart, c))
		mux->input_dropped++;
}

static void escape(struct console_mux *mux, uint8_t c)
{
	char e[8];

	if (c == mux->escape) {
		deliver(mux, c);
	} else if (c == 'h' || c == 'H') {
		select_vm(mux, VM_ID_HOST);
	} else if (c == 'n' || c == 'N') {
		select_step(mux, 1);
	} else if (c == 'p' || c == 'P') {
		select_step(mux, -1);
	} else if (c >= '1' && c <= '9') {
		select_vm(mux, (vm_id_t)(c - '0'));
	} else if (c == '?') {
		help(mux);
	} else {
		escape_name(mux, e);
		if (c >= 0x20 && c < 0x7f)
			msg(mux, "unknown escape %s '%c' ignored; %s ? for help", e, c, e);
		else
			msg(mux, "unknown escape %s 0x%02x ignored; %s ? for help", e, c, e);
	}
}

void console_mux_input(struct console_mux *mux, uint8_t c)
{
	spin_lock(&mux->in_lock);
	if (mux->got_escape) {
		mux->got_escape = false;
		escape(mux, c);
	} else if (c == mux->escape) {
		mux->got_escape = true;
	} else {
		deliver(mux, c);
	}
	spin_unlock(&mux->in_lock);
}

vm_id_t console_mux_input_target(struct console_mux *mux)
{
	vm_id_t t;

	spin_lock(&mux->in_lock);
	t = mux->target;
	spin_unlock(&mux->in_lock);
	return t;
}

/* ---- setup ---- */

int console_mux_init(struct console_mux *mux, const struct console_mux_ops *ops, void *cookie)
{
	if (!mux || !ops || !ops->phys_write)
		return PAL_E_INVALID;
	memset(mux, 0, sizeof(*mux));
	mux->in_lock = (spinlock_t)SPINLOCK_INIT;
	mux->out_lock = (spinlock_t)SPINLOCK_INIT;
	mux->ops = ops;
	mux->cookie = cookie;
	mux->escape = CONSOLE_MUX_ESCAPE_DEFAULT;
	mux->target = VM_ID_HOST;
	mux->open_line = VM_ID_NONE;
	return PAL_OK;
}

int console_mux_set_escape(struct console_mux *mux, uint8_t escape)
{
	if (escape == 0 || escape >= 0x20 || escape == '\b' || escape == '\t' ||
	    escape == '\n' || escape == '\r' || escape == 0x1b)
		return PAL_E_INVALID;
	spin_lock(&mux->in_lock);
	mux->escape = escape;
	mux->got_escape = false;
	spin_unlock(&mux->in_lock);
	return PAL_OK;
}

int console_mux_add_vm(struct console_mux *mux, vm_id_t vm, struct vpl011 *uart,
		       const char *prefix)
{
	char def[CONSOLE_MUX_PREFIX_MAX];
	struct console_mux_vm *s;
	size_t plen;
	int ret = PAL_OK;

	if (!valid_id(vm) || !uart)
		return PAL_E_INVALID;
	if (!prefix) {
		if (vm == VM_ID_HOST)
			def[0] = '\0';
		else
			fmt_snprintf(def, sizeof(def), "[vm%u] ", (unsigned)vm);
		prefix = def;
	}
	plen = strnlen(prefix, CONSOLE_MUX_PREFIX_MAX);
	if (plen >= CONSOLE_MUX_PREFIX_MAX)
		return PAL_E_INVALID;

	spin_lock(&mux->in_lock);
	spin_lock(&mux->out_lock);
	s = &mux->vm[vm];
	if (s->uart) {
		ret = PAL_E_BUSY;
	} else {
		memset(s, 0, sizeof(*s));
		memcpy(s->prefix, prefix, plen);
		s->prefix_len = (uint8_t)plen;
		s->raw = vm == VM_ID_HOST;
		s->uart = uart;
	}
	spin_unlock(&mux->out_lock);
	spin_unlock(&mux->in_lock);
	return ret;
}

int console_mux_remove_vm(struct console_mux *mux, vm_id_t vm)
{
	struct console_mux_vm *s;

	spin_lock(&mux->in_lock);
	s = registered(mux, vm);
	if (!s) {
		spin_unlock(&mux->in_lock);
		return PAL_E_NOT_FOUND;
	}
	spin_lock(&mux->out_lock);
	if (s->len) {
		emit(mux, vm, s, true);
	} else if (mux->open_line == vm) {
		mux->ops->phys_write(mux->cookie, "\n", 1);
		mux->open_line = VM_ID_NONE;
	}
	s->uart = NULL;
	spin_unlock(&mux->out_lock);

	if (mux->target == vm) {
		mux->target = VM_ID_HOST;
		msg(mux, "vm%u removed", (unsigned)vm);
		announce_target(mux);
	}
	spin_unlock(&mux->in_lock);
	return PAL_OK;
}

int console_mux_set_raw(struct console_mux *mux, vm_id_t vm, bool raw)
{
	struct console_mux_vm *s;
	int ret = PAL_E_NOT_FOUND;

	spin_lock(&mux->in_lock);
	spin_lock(&mux->out_lock);
	s = registered(mux, vm);
	if (s) {
		s->raw = raw;
		ret = PAL_OK;
	}
	spin_unlock(&mux->out_lock);
	spin_unlock(&mux->in_lock);
	return ret;
}

void console_mux_get_stats(struct console_mux *mux, struct console_mux_stats *out)
{
	spin_lock(&mux->in_lock);
	out->input_dropped = mux->input_dropped;
	spin_unlock(&mux->in_lock);
	spin_lock(&mux->out_lock);
	out->output_dropped = mux->output_dropped;
	spin_unlock(&mux->out_lock);
}
