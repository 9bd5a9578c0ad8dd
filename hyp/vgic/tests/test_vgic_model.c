/*
 * Randomised checks of the list-register protocol.
 *
 * model: one thread plays the integrator and the guests. A reference model of every
 * interrupt (latched pending L, active A, enabled, route, physical active for the
 * hardware-mapped timer) predicts what each fill may contain; the run interleaves
 * injections, SGIs, re-routing and enable changes with vCPUs entering (fill) and leaving
 * (sync) in any order, and the guests acknowledging and EOIing at random. After every
 * fill: nothing pending that the model does not have latched, nothing active that is not
 * active, no INTID twice, no SPI in two vCPUs' LRs, priority order, and when LRs are
 * left free, every deliverable interrupt present. At the end everything drains.
 *
 * threads: four vCPU threads fill, acknowledge, EOI and sync as fast as they can while
 * an injector thread raises SPIs and SGIs and re-routes SPIs. Checks: an SPI is never
 * in two vCPUs' LRs at once, and no edge is lost (after draining, every interrupt's last
 * acknowledgment came after its last injection started).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "vgic_test.h"

#define M_LRS 4
#define M_SGIS 4
#define M_PPI 20
#define M_TIMER 27
#define M_SPI0 32
#define M_NSPI 16

struct mirq {
	bool latch, active, enabled, in_flight;
	bool phys_active;       /* HW timer: the physical PPI awaits the guest's EOI */
	uint8_t prio;
	int owner;
};

static struct mirq spi_m[M_NSPI];
static struct mirq priv_m[NR_VCPUS][VGIC_NR_PRIVATE];
static int route_m[M_NSPI];     /* vCPU, or -1 for IRM (= vCPU 0, all awake) */
static uint64_t lr_m[NR_VCPUS][M_LRS];
static unsigned int nlr_m[NR_VCPUS];
static bool running[NR_VCPUS];

static struct mirq *mi(unsigned int c, uint32_t intid)
{
	return intid < VGIC_NR_PRIVATE ? &priv_m[c][intid] : &spi_m[intid - M_SPI0];
}

static bool model_private(uint32_t intid)
{
	return intid < M_SGIS || intid == M_PPI || intid == M_TIMER;
}

static int m_target(uint32_t intid)
{
	int r = route_m[intid - M_SPI0];

	return r < 0 ? 0 : r;
}

/* Candidate for vCPU c's LRs according to the model, and its sort key. */
static bool m_wants(unsigned int c, uint32_t intid, unsigned int *key)
{
	struct mirq *m = mi(c, intid);

	if (intid >= VGIC_NR_PRIVATE && (m->in_flight || m_target(intid) != (int)c))
		return false;
	if (!(m->active || (m->latch && m->enabled)))
		return false;
	*key = (m->active ? 0 : 0x100) | m->prio;
	return true;
}

static void m_inject(unsigned int c, uint32_t intid)
{
	struct mirq *m = mi(c, intid);

	if (intid == M_TIMER) {
		if (m->phys_active)
			return;         /* the physical PPI cannot fire while active */
		m->phys_active = true;
	}
	m->latch = true;
	assert_true(vgic_inject(&V, c, intid, false) >= 0);
}

static void m_fill(unsigned int c)
{
	uint64_t *lrs = lr_m[c];
	unsigned int n = vgic_fill_lrs(&V, c, lrs, M_LRS), worst = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t intid = lr_intid(lrs[i]);
		struct mirq *m = mi(c, intid);
		unsigned int key;

		assert_true(intid < VGIC_NR_PRIVATE ? model_private(intid) :
			    intid - M_SPI0 < M_NSPI);
		assert_int_equal(find_lr(lrs, i, intid), -1);           /* no duplicate */
		assert_true(m_wants(c, intid, &key));
		if (key > worst)
			worst = key;
		assert_int_equal(lr_prio(lrs[i]), m->prio);
		if (lr_state(lrs[i]) & ST_PENDING) {
			assert_true(m->latch && m->enabled);
			m->latch = false;
		}
		assert_int_equal(!!(lr_state(lrs[i]) & ST_ACTIVE), m->active);
		if (intid == M_TIMER) {
			assert_true(lrs[i] & VGIC_LR_HW);
			assert_int_equal(lr_state(lrs[i]) == ST_PA, 0);
		}
		assert_int_equal(lr_state(lrs[i]) == ST_INVALID, 0);
		m->in_flight = true;
		m->owner = (int)c;
	}
	for (unsigned int i = n; i < M_LRS; i++)
		assert_int_equal(lrs[i], 0);
	/* Completeness (free LRs) or priority order (full): compare with the model. */
	for (uint32_t intid = 0; intid < M_SPI0 + M_NSPI; intid++) {
		unsigned int key;

		if (intid < VGIC_NR_PRIVATE && !model_private(intid))
			continue;
		if (intid >= VGIC_NR_PRIVATE && intid < M_SPI0)
			continue;
		if (find_lr(lrs, n, intid) >= 0 || !m_wants(c, intid, &key))
			continue;
		assert_int_equal(n, M_LRS);
		assert_true(key >= worst);
	}
	nlr_m[c] = n;
	running[c] = true;
}

static void m_guest_and_sync(unsigned int c)
{
	uint64_t *lrs = lr_m[c];
	unsigned int n = nlr_m[c];

	for (unsigned int i = 0; i < n; i++) {
		uint32_t intid = lr_intid(lrs[i]);
		struct mirq *m = mi(c, intid);

		if (lr_state(lrs[i]) == ST_PENDING && rand() % 3) {
			lrs[i] = guest_ack(lrs[i]);
			m->active = true;
		}
		if ((lr_state(lrs[i]) & ST_ACTIVE) && rand() % 2) {
			lrs[i] = guest_eoi(lrs[i]);
			m->active = false;
			if (lrs[i] & VGIC_LR_HW)
				m->phys_active = false;  /* deactivated by the hardware */
		}
		/* What the sync will do with an LR still pending. */
		if (lr_state(lrs[i]) & ST_PENDING)
			m->latch = true;
		m->in_flight = false;
	}
	vgic_sync_lrs(&V, c, lrs, n);
	running[c] = false;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t intid = lr_intid(lrs[i]);
		struct vgic_irq_info got = info(c, intid);

		assert_int_equal(got.pending, mi(c, intid)->latch);
		assert_int_equal(got.active, mi(c, intid)->active);
		assert_false(got.in_flight);
	}
}

static void m_setup(void)
{
	memset(spi_m, 0, sizeof(spi_m));
	memset(priv_m, 0, sizeof(priv_m));
	memset(running, 0, sizeof(running));
	dist_enable();
	for (unsigned int c = 0; c < NR_VCPUS; c++) {
		r_wr32(c, GICR_WAKER, 0);
		assert_int_equal(vgic_map_hw(&V, c, M_TIMER, M_TIMER), PAL_OK);
		for (uint32_t i = 0; i < VGIC_NR_PRIVATE; i++) {
			if (!model_private(i))
				continue;
			priv_m[c][i].prio = (uint8_t)((rand() % 4) << 6);
			set_prio(c, i, priv_m[c][i].prio);
			if (i >= VGIC_NR_SGIS)
				set_edge(c, i);
		}
	}
	for (unsigned int s = 0; s < M_NSPI; s++) {
		spi_m[s].prio = (uint8_t)((rand() % 8) << 5);
		set_prio(0, M_SPI0 + s, spi_m[s].prio);
		set_edge(0, M_SPI0 + s);
		route_m[s] = 0;
	}
}

static void m_set_enable(unsigned int c, uint32_t intid, bool on)
{
	uint32_t reg = on ? GICD_ISENABLER : GICD_ICENABLER;

	mi(c, intid)->enabled = on;
	if (intid < VGIC_NR_PRIVATE)
		r_wr32(c, SGI_BASE + reg, BIT_OF(intid));
	else
		d_wr32(REG_OF(reg, intid), BIT_OF(intid));
}

static uint32_t random_intid(void)
{
	static const uint32_t privs[] = { 0, 1, 2, 3, M_PPI, M_TIMER };
	unsigned int r = (unsigned int)rand() % 22;

	return r < 6 ? privs[r] : M_SPI0 + (r - 6);
}

static void run_model(unsigned int seed, unsigned int steps)
{
	srand(seed);
	m_setup();
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		for (uint32_t i = 0; i < M_SPI0 + M_NSPI; i++)
			if ((i < VGIC_NR_PRIVATE && model_private(i)) || i >= M_SPI0)
				if (rand() % 4)
					m_set_enable(c, i, true);

	for (unsigned int step = 0; step < steps; step++) {
		unsigned int c = (unsigned int)rand() % NR_VCPUS;
		uint32_t intid = random_intid();
		int what = rand() % 100;

		if (what < 30) {
			m_inject(c, intid);
		} else if (what < 40) {
			/* An SGI, targeted or broadcast. */
			uint32_t sgi = (uint32_t)rand() % M_SGIS;
			bool irm = rand() % 4 == 0;
			uint16_t tl = (uint16_t)(rand() % (1 << NR_VCPUS));
			int mask;

			for (unsigned int t = 0; t < NR_VCPUS; t++)
				if (irm ? t != c : (tl & (1u << t)))
					priv_m[t][sgi].latch = true;
			mask = vgic_sgi1r_write(&V, c, (uint64_t)sgi << 24 | tl |
						(irm ? 1ull << 40 : 0));
			assert_true(mask >= 0);
		} else if (what < 45 && intid >= VGIC_NR_PRIVATE) {
			int r = rand() % (NR_VCPUS + 1) - 1;

			route_m[intid - M_SPI0] = r;
			d_wr(GICD_IROUTER + 8 * intid, 8, r < 0 ? 1ull << 31 : (uint64_t)r);
		} else if (what < 48) {
			m_set_enable(c, intid, !mi(c, intid)->enabled);
		} else if (running[c]) {
			m_guest_and_sync(c);
		} else {
			m_fill(c);
		}
	}

	/* Drain: everything enabled, every vCPU runs until nothing is left. */
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		if (running[c])
			m_guest_and_sync(c);
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		for (uint32_t i = 0; i < M_SPI0 + M_NSPI; i++)
			if ((i < VGIC_NR_PRIVATE && model_private(i)) || i >= M_SPI0)
				m_set_enable(c, i, true);
	for (unsigned int round = 0; round < 64; round++) {
		bool any = false;

		for (unsigned int c = 0; c < NR_VCPUS; c++) {
			m_fill(c);
			any |= nlr_m[c] > 0;
			for (unsigned int i = 0; i < nlr_m[c]; i++) {
				uint32_t intid = lr_intid(lr_m[c][i]);

				if (lr_state(lr_m[c][i]) == ST_PENDING) {
					lr_m[c][i] = guest_ack(lr_m[c][i]);
					mi(c, intid)->active = true;
				}
				lr_m[c][i] = guest_eoi(lr_m[c][i]);
				mi(c, intid)->active = false;
				if (lr_m[c][i] & VGIC_LR_HW)
					mi(c, intid)->phys_active = false;
				if (lr_state(lr_m[c][i]) & ST_PENDING)
					mi(c, intid)->latch = true;
				mi(c, intid)->in_flight = false;
			}
			vgic_sync_lrs(&V, c, lr_m[c], nlr_m[c]);
			running[c] = false;
		}
		if (!any)
			break;
	}
	for (unsigned int c = 0; c < NR_VCPUS; c++) {
		uint32_t p[4];

		assert_false(vgic_has_pending(&V, c));
		assert_int_equal(vgic_take_hw_deactivations(&V, c, p, 4), 0);
		for (uint32_t i = 0; i < M_SPI0 + M_NSPI; i++) {
			if (i < VGIC_NR_PRIVATE && !model_private(i))
				continue;
			if (i >= VGIC_NR_PRIVATE && i < M_SPI0)
				continue;
			assert_false(mi(c, i)->latch);
			assert_false(mi(c, i)->active);
			assert_false(mi(c, i)->phys_active);
			assert_false(info(c, i).pending);
			assert_false(info(c, i).active);
		}
	}
}

static void test_model_random(void **state)
{
	(void)state;
	for (unsigned int seed = 1; seed <= 40; seed++) {
		assert_int_equal(vgic_init(&V, NR_VCPUS), PAL_OK);
		run_model(seed, 4000);
	}
}

/* ------------------------------------------------------------------ threads */

#define T_SPIS 16
#define T_INJECTIONS 20000

static uint64_t seq;
static uint64_t inject_start[NR_VCPUS * VGIC_NR_PRIVATE + VGIC_NR_IRQS];
static uint64_t last_ack[NR_VCPUS * VGIC_NR_PRIVATE + VGIC_NR_IRQS];
static int spi_owner[VGIC_NR_IRQS];
static int stop_threads, failures;
static unsigned long rounds;

static unsigned int key_of(unsigned int c, uint32_t intid)
{
	return intid < VGIC_NR_PRIVATE ? c * VGIC_NR_PRIVATE + intid :
	       NR_VCPUS * VGIC_NR_PRIVATE + intid;
}

static uint64_t tick(void)
{
	return __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
}

static void t_fail(void)
{
	__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
}

/* One entry/exit of vCPU c: fill, let the guest acknowledge and EOI, sync. */
static unsigned int t_round(unsigned int c, unsigned int *rng)
{
	uint64_t lrs[M_LRS];
	unsigned int n = vgic_fill_lrs(&V, c, lrs, M_LRS);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t intid = lr_intid(lrs[i]);
		int none = -1;

		if (find_lr(lrs, i, intid) >= 0)
			t_fail();
		if (intid >= VGIC_NR_PRIVATE &&
		    !__atomic_compare_exchange_n(&spi_owner[intid], &none, (int)c, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			t_fail();                 /* in two vCPUs' LRs at once */
	}
	sched_yield();          /* the guest runs: keep the LRs in flight a while */
	for (unsigned int i = 0; i < n; i++) {
		*rng = *rng * 1103515245u + 12345u;
		if (lr_state(lrs[i]) == ST_PENDING && (*rng >> 16) % 4) {
			__atomic_store_n(&last_ack[key_of(c, lr_intid(lrs[i]))], tick(),
					 __ATOMIC_SEQ_CST);
			lrs[i] = lr_with_state(lrs[i], ST_ACTIVE);
		}
		if ((lr_state(lrs[i]) & ST_ACTIVE) && (*rng >> 20) % 2)
			lrs[i] = lr_with_state(lrs[i], lr_state(lrs[i]) & ST_PENDING);
	}
	/* Release ownership before the sync: the vgic may hand it on from then. */
	for (unsigned int i = 0; i < n; i++)
		if (lr_intid(lrs[i]) >= VGIC_NR_PRIVATE)
			__atomic_store_n(&spi_owner[lr_intid(lrs[i])], -1, __ATOMIC_SEQ_CST);
	vgic_sync_lrs(&V, c, lrs, n);
	return n;
}

static void *vcpu_thread(void *arg)
{
	unsigned int c = (unsigned int)(uintptr_t)arg, rng = c + 1;

	while (!__atomic_load_n(&stop_threads, __ATOMIC_SEQ_CST)) {
		t_round(c, &rng);
		__atomic_add_fetch(&rounds, 1, __ATOMIC_SEQ_CST);
		/* Now and then an IPI to a neighbour. */
		rng = rng * 1103515245u + 12345u;
		if ((rng >> 16) % 8 == 0) {
			unsigned int t = (c + 1) % NR_VCPUS, sgi = (rng >> 8) % M_SGIS;

			inject_start[key_of(t, sgi)] = tick();
			if (vgic_sgi1r_write(&V, c, (uint64_t)sgi << 24 | 1u << t) < 0)
				t_fail();
		}
	}
	return NULL;
}

static void *injector_thread(void *arg)
{
	unsigned int rng = 12345;

	(void)arg;
	/* Start once every vCPU runs; keep pace with them so the LRs are busy. */
	while (__atomic_load_n(&rounds, __ATOMIC_SEQ_CST) < NR_VCPUS)
		sched_yield();
	for (unsigned int i = 0; i < T_INJECTIONS; i++) {
		uint32_t intid;

		while (__atomic_load_n(&rounds, __ATOMIC_SEQ_CST) < i / 4)
			sched_yield();

		rng = rng * 1103515245u + 12345u;
		intid = M_SPI0 + (rng >> 16) % T_SPIS;
		if ((rng >> 8) % 4 == 0) {
			uint64_t val = (rng >> 4) % (NR_VCPUS + 1);

			if (val == NR_VCPUS)
				val = 1ull << 31;
			if (vgic_dist_access(&V, 0, GICD_IROUTER + 8 * intid, 8, true, &val))
				t_fail();
			continue;
		}
		__atomic_store_n(&inject_start[key_of(0, intid)], tick(), __ATOMIC_SEQ_CST);
		if (vgic_inject(&V, 0, intid, false) < 0)
			t_fail();
	}
	__atomic_store_n(&stop_threads, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_threads_no_lost_edges(void **state)
{
	pthread_t vcpus[NR_VCPUS], inj;
	unsigned int rng = 7;

	(void)state;
	dist_enable();
	for (unsigned int c = 0; c < NR_VCPUS; c++) {
		r_wr32(c, GICR_WAKER, 0);
		r_wr32(c, SGI_BASE + GICD_ISENABLER, 0xffff);
	}
	for (uint32_t i = M_SPI0; i < M_SPI0 + T_SPIS; i++) {
		enable(0, i);
		set_edge(0, i);
		set_prio(0, i, (uint8_t)(i * 8));
		spi_owner[i] = -1;
	}
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_int_equal(pthread_create(&vcpus[c], NULL, vcpu_thread,
						(void *)(uintptr_t)c), 0);
	assert_int_equal(pthread_create(&inj, NULL, injector_thread, NULL), 0);
	assert_int_equal(pthread_join(inj, NULL), 0);
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_int_equal(pthread_join(vcpus[c], NULL), 0);
	assert_int_equal(failures, 0);
	assert_true(rounds >= T_INJECTIONS / 4);

	/* Drain on one thread; every interrupt must have been acknowledged afterwards. */
	for (unsigned int round = 0, busy = 1; busy && round < 1000; round++) {
		busy = 0;
		for (unsigned int c = 0; c < NR_VCPUS; c++) {
			for (unsigned int k = 0; k < 4; k++)
				busy |= t_round(c, &rng);
			busy |= vgic_has_pending(&V, c);
		}
	}
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_false(vgic_has_pending(&V, c));
	assert_int_equal(failures, 0);
	for (unsigned int k = 0; k < sizeof(inject_start) / sizeof(inject_start[0]); k++)
		if (inject_start[k])
			assert_true(last_ack[k] > inject_start[k]);
}

#define T(fn) cmocka_unit_test_setup(fn, vgic_setup)
const struct CMUnitTest vgic_model_tests[] = {
	T(test_model_random),
	T(test_threads_no_lost_edges),
};
const size_t vgic_model_tests_count = sizeof(vgic_model_tests) / sizeof(vgic_model_tests[0]);
