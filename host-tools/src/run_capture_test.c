/*
 * Unit test of the evidence capture of `palisade run --evidence-out` (run_capture_feed()
 * in run_vmm.c): the framed record palisade-guest prints on the pVM's console is found
 * among other output, CR/LF tolerated; records that are cut short, too long, not hex or
 * announced with a bad length are ignored; the last complete record wins.
 */
#include <stdio.h>
#include <string.h>

#include "run_vmm.h"

static int failures;

static void feed(struct run_capture *c, const char *s)
{
	for (; *s; s++)
		run_capture_feed(c, (uint8_t)*s);
}

static void expect(const char *name, int ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", name);
	failures += !ok;
}

int main(void)
{
	static struct run_capture c;

	memset(&c, 0, sizeof(c));
	feed(&c, "[    1.0] boot noise\nPALISADE-EVIDENCE-BEGIN 4\r\n0102\r\n0304\r\nPALISADE-EVIDENCE-END\r\nmore\n");
	expect("record_among_output", c.complete && c.len == 4 && !memcmp(c.data, "\1\2\3\4", 4));

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 4\n0102\nPALISADE-EVIDENCE-END\n");
	expect("short_record_ignored", !c.complete);

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 2\n010203\nPALISADE-EVIDENCE-END\n");
	expect("long_record_ignored", !c.complete);

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 2\n01zz\nPALISADE-EVIDENCE-END\n");
	expect("non_hex_ignored", !c.complete);

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 2\n01\nkernel: something\n02\nPALISADE-EVIDENCE-END\n");
	expect("interleaved_line_breaks_record", !c.complete);

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 99999\nPALISADE-EVIDENCE-END\nPALISADE-EVIDENCE-BEGIN x\n");
	expect("bad_length_ignored", !c.complete);

	memset(&c, 0, sizeof(c));
	feed(&c, "PALISADE-EVIDENCE-BEGIN 1\naa\nPALISADE-EVIDENCE-END\n"
		 "PALISADE-EVIDENCE-BEGIN 1\nbb\nPALISADE-EVIDENCE-END\n"
		 "PALISADE-EVIDENCE-BEGIN 1\ncc\n");
	expect("last_complete_record_wins", c.complete && c.len == 1 && c.data[0] == 0xbb);

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 1000; i++)
		feed(&c, "x");
	feed(&c, "\nPALISADE-EVIDENCE-BEGIN 1\nAB\nPALISADE-EVIDENCE-END\n");
	expect("long_line_then_record", c.complete && c.len == 1 && c.data[0] == 0xab);
	return failures ? 1 : 0;
}
