/*
 * An agent's inbox: a bounded queue of messages ordered by priority (high
 * first), then by arrival. A full inbox refuses, so the sender learns of
 * the back-pressure instead of the message vanishing.
 */
#ifndef ORCH_ACTORS_INBOX_H
#define ORCH_ACTORS_INBOX_H

#include <stddef.h>
#include <stdint.h>

#define INBOX_CAPACITY_DEFAULT	1024
#define INBOX_PRIORITIES	3	/* low, medium, high */

struct inbox_msg {
	uint64_t		 seq;		/* arrival order */
	uint64_t		 ts_ns;		/* CLOCK_REALTIME */
	char			 from[128];
	char			 type[16];	/* request, response, notification */
	unsigned		 pri;
	char			*content;
	size_t			 len;
	struct inbox_msg	*next;
};

struct inbox {
	struct inbox_msg	*head[INBOX_PRIORITIES];
	struct inbox_msg	*tail[INBOX_PRIORITIES];
	size_t			 count;
	size_t			 capacity;
	uint64_t		 next_seq;
	uint64_t		 refused;
};

void	inbox_init(struct inbox *ib, size_t capacity);
void	inbox_clear(struct inbox *ib);
/* Take a copy of the message. 0, or -1 when the inbox is full. */
int	inbox_push(struct inbox *ib, const char *from, const char *type,
	    unsigned pri, const void *content, size_t len);
/* The next message (the caller frees it with inbox_msg_free), or NULL. */
struct inbox_msg *inbox_pop(struct inbox *ib);
void	inbox_msg_free(struct inbox_msg *m);

#endif
