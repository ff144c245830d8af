#include "actors/inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xmalloc.h"

void
inbox_init(struct inbox *ib, size_t capacity)
{
	memset(ib, 0, sizeof *ib);
	ib->capacity = capacity ? capacity : INBOX_CAPACITY_DEFAULT;
}

void
inbox_clear(struct inbox *ib)
{
	struct inbox_msg	*m;

	while ((m = inbox_pop(ib)) != NULL)
		inbox_msg_free(m);
}

int
inbox_push(struct inbox *ib, const char *from, const char *type,
    unsigned pri, const void *content, size_t len)
{
	struct inbox_msg	*m;
	struct timespec		 ts;

	if (ib->count >= ib->capacity) {
		ib->refused++;
		return -1;
	}
	if (pri >= INBOX_PRIORITIES)
		pri = INBOX_PRIORITIES - 1;
	m = xcalloc(1, sizeof *m);
	m->seq = ib->next_seq++;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	snprintf(m->from, sizeof m->from, "%s", from);
	snprintf(m->type, sizeof m->type, "%s", type);
	m->pri = pri;
	m->content = xmalloc(len + 1);
	memcpy(m->content, content, len);
	m->content[len] = '\0';
	m->len = len;
	if (ib->tail[pri] != NULL)
		ib->tail[pri]->next = m;
	else
		ib->head[pri] = m;
	ib->tail[pri] = m;
	ib->count++;
	return 0;
}

struct inbox_msg *
inbox_pop(struct inbox *ib)
{
	struct inbox_msg	*m;
	int			 p;

	for (p = INBOX_PRIORITIES - 1; p >= 0; p--) {
		if ((m = ib->head[p]) == NULL)
			continue;
		ib->head[p] = m->next;
		if (ib->head[p] == NULL)
			ib->tail[p] = NULL;
		m->next = NULL;
		ib->count--;
		return m;
	}
	return NULL;
}

void
inbox_msg_free(struct inbox_msg *m)
{
	if (m == NULL)
		return;
	free(m->content);
	free(m);
}
