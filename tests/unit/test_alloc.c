/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit test of the allocation analysis' pieces (its static functions, through #include): the
 * live-object map (analyze/hmap.c) against a plain array under random inserts and deletes, the lost-window
 * test, the offset stripping and the network-stack rule.
 */
#include "analyze/alloc.c"

#include "tests/lib/check.h"

static void test_hmap(void)
{
	enum { KEYS = 3000, OPS = 200000 };
	static int64_t ref[KEYS]; /* 0: absent, else the stored ts */
	struct nt_hmap m;
	unsigned seed = 1;
	size_t live = 0;

	nt_hmap_init(&m, sizeof(struct obj));
	for (int op = 0; op < OPS; op++) {
		/* keys that collide in the low bits, to exercise the probing and the shifts */
		int k = (int)((seed = seed * 1103515245u + 12345u) >> 8) % KEYS;
		uint64_t key = 0xffff888100000000ULL + (uint64_t)k * 4096;
		struct obj *o = nt_hmap_find(&m, key);

		CHECK(!o == !ref[k]);
		if (o && ref[k])
			CHECK(o->ts == ref[k]);
		if (o) {
			nt_hmap_del(&m, o);
			ref[k] = 0;
			live--;
		} else {
			o = nt_hmap_add(&m, key);
			CHECK(o != NULL);
			if (!o)
				break;
			o->ts = op + 1;
			ref[k] = op + 1;
			live++;
		}
		CHECK(m.n == live);
	}
	for (int k = 0; k < KEYS; k++) {
		struct obj *o = nt_hmap_find(&m, 0xffff888100000000ULL + (uint64_t)k * 4096);
		CHECK(!o == !ref[k]);
	}
	nt_hmap_release(&m);
}

static void test_lossy(void)
{
	struct window w[] = {{300, 400, 0}, {100, 150, 0}, {120, 130, 0}};
	struct alloc_ctx x = {.lost = w, .nlost = 3};

	qsort(w, 3, sizeof(w[0]), cmp_window);
	for (size_t i = 0; i < 3; i++)
		w[i].maxto = i && w[i - 1].maxto > w[i].to ? w[i - 1].maxto : w[i].to;
	CHECK(!lossy(&x, 10, 100)); /* ends where a window starts: the last event before it */
	CHECK(lossy(&x, 10, 101));
	CHECK(!lossy(&x, 150, 300)); /* between windows */
	CHECK(lossy(&x, 140, 160));
	CHECK(lossy(&x, 125, 126)); /* inside nested windows */
	CHECK(lossy(&x, 0, 1000));
	CHECK(!lossy(&x, 400, 1000));
	x.nlost = 0;
	CHECK(!lossy(&x, 0, 1000));
}

static void test_names(void)
{
	char b[128];

	strip_offset("__alloc_skb+0x86", b, sizeof(b));
	CHECK(!strcmp(b, "__alloc_skb"));
	strip_offset("ip_rcv_core+0x1a4/0x330", b, sizeof(b));
	CHECK(!strcmp(b, "ip_rcv_core"));
	strip_offset("e1000_clean+0x10 [e1000]", b, sizeof(b));
	CHECK(!strcmp(b, "e1000_clean [e1000]"));
	strip_offset("0xffffffff9e2056e7", b, sizeof(b));
	CHECK(!strcmp(b, "0xffffffff9e2056e7"));
	CHECK(net_symbol("__alloc_skb") == 1);
	CHECK(net_symbol("kmalloc_reserve") == 1);
	CHECK(net_symbol("__napi_alloc_skb") == 1);
	CHECK(net_symbol("sk_prot_alloc") == 1);
	CHECK(net_symbol("__dev_queue_xmit") == 1);
	CHECK(net_symbol("____sys_sendmsg") == 1);
	CHECK(net_symbol("__x64_sys_sendto") == 1);
	CHECK(net_symbol("udpv6_sendmsg") == 1);
	CHECK(net_symbol("dev_set_name") == 0);	 /* driver core */
	CHECK(net_symbol("skcipher_walk") == 0); /* crypto, not skb */
	CHECK(net_symbol("raw_spin_lock") == 0);
	CHECK(net_symbol("tcpm_pd_event") == 0); /* USB type-C, not TCP */
	CHECK(net_symbol("netfs_alloc_request") == 0);
	CHECK(net_symbol("__x64_sys_sendfile64") == 0);
	CHECK(net_symbol("alloc_pipe_info") == 0);
	CHECK(net_symbol("0xffffffff9e2056e7") == -1);
	CHECK(net_symbol("") == -1);
	CHECK(net_cache("skbuff_head_cache") && net_cache("skbuff_fclone_cache"));
	CHECK(!net_cache("kmalloc-2k") && !net_cache(NULL));
}

int main(void)
{
	test_hmap();
	test_lossy();
	test_names();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("unit_alloc: ok\n");
	return 0;
}
