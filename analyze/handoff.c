/* SPDX-License-Identifier: GPL-2.0 */
/* The import's connection between the importer and the analyses' thread (handoff.h). */
#include "handoff.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct nt_handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	void (*call)(void *);
	void *call_arg;
	bool call_done, ended, parked, stopped;
};

struct nt_handoff *nt_handoff_new(void)
{
	struct nt_handoff *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	return h;
}

void nt_handoff_free(struct nt_handoff *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

int nt_handoff_call(struct nt_handoff *h, void (*fn)(void *arg), void *arg)
{
	int rc;

	pthread_mutex_lock(&h->mu);
	h->call = fn;
	h->call_arg = arg;
	h->call_done = false;
	pthread_cond_broadcast(&h->cv);
	while (!h->call_done && !h->stopped)
		pthread_cond_wait(&h->cv, &h->mu);
	rc = h->call_done ? 0 : -1;
	h->call = NULL;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

int nt_handoff_take(struct nt_handoff *h)
{
	bool parked;

	pthread_mutex_lock(&h->mu);
	h->ended = true;
	pthread_cond_broadcast(&h->cv);
	while (!h->parked && !h->stopped)
		pthread_cond_wait(&h->cv, &h->mu);
	parked = h->parked;
	pthread_mutex_unlock(&h->mu);
	return parked ? 0 : -1;
}

/* The call waiting (under the lock), or NULL. */
static void (*waiting(struct nt_handoff *h))(void *)
{
	return h->call && !h->call_done && !h->stopped ? h->call : NULL;
}

void nt_handoff_serve(struct nt_handoff *h)
{
	void (*fn)(void *);
	void *arg;

	pthread_mutex_lock(&h->mu);
	fn = waiting(h);
	arg = h->call_arg;
	pthread_mutex_unlock(&h->mu);
	if (!fn)
		return;
	fn(arg);
	pthread_mutex_lock(&h->mu);
	h->call_done = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void nt_handoff_park(struct nt_handoff *h)
{
	for (;;) {
		bool work;

		pthread_mutex_lock(&h->mu);
		while (!waiting(h) && !h->ended && !h->stopped)
			pthread_cond_wait(&h->cv, &h->mu);
		work = waiting(h) != NULL;
		if (!work) {
			h->parked = !h->stopped;
			pthread_cond_broadcast(&h->cv);
			pthread_mutex_unlock(&h->mu);
			return;
		}
		pthread_mutex_unlock(&h->mu);
		nt_handoff_serve(h);
	}
}

void nt_handoff_stop(struct nt_handoff *h)
{
	pthread_mutex_lock(&h->mu);
	h->stopped = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
