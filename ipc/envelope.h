/*
 * The message envelope (DESIGN §5): encode to a frame, decode from a frame
 * payload.
 *
 * Decoding validates the payload with msgcheck first, then unpacks it with
 * msgpack-c into a zone owned by the envelope. Strings the envelope keeps
 * (op, from, to, error message) are copied into fixed fields; the body stays
 * a msgpack_object pointing into the payload or the decompressed copy, valid
 * until envelope_reset. Bodies larger than the threshold travel as an LZ4
 * block ("z" gives the original size) when that saves space.
 */
#ifndef ORCH_IPC_ENVELOPE_H
#define ORCH_IPC_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "ipc/proto.h"

struct evbuffer;

struct envelope {
	uint8_t		 v;
	enum ipc_kind	 kind;
	uint64_t	 id;		/* 0: none (ids start at 1) */
	uint8_t		 pri;		/* IPC_PRI_*, default medium */
	bool		 ack;		/* sender wants an "ack" */
	char		 op[IPC_OP_MAX + 1];
	char		 from[IPC_NAME_MAX + 1];
	char		 to[IPC_NAME_MAX + 1];
	int		 err;		/* IPC_OK or the code from "err" */
	char		 errmsg[IPC_ERRMSG_MAX + 1];

	bool		 has_body;
	msgpack_object	 body;

	/* Storage the body points into; private to envelope.c. */
	msgpack_zone	 zone;
	void		*zbuf;
};

void	envelope_init(struct envelope *env);
/* Drop the decoded body and clear every field, keeping the storage. */
void	envelope_reset(struct envelope *env);
/* Release the storage; env may be initialised again. */
void	envelope_done(struct envelope *env);

/*
 * Fill env from a frame payload. Returns 0, or a negative IPC_E_* code with
 * *cause set: -IPC_E_PARSE (not one valid msgpack value, or hostile sizes),
 * -IPC_E_PROTO (not a map, a required key missing or ill-typed),
 * -IPC_E_VERSION, -IPC_E_TOO_BIG, -IPC_E_CORRUPT (compressed body). On
 * error the fields that could be read (kind, id) are still set, so a
 * request can be answered with the error.
 */
int	envelope_decode(struct envelope *env, const void *payload, size_t len,
	    const struct ipc_limits *lim, char **cause);

/*
 * Append one frame to out holding hdr's fields and body (body_len bytes of
 * one packed msgpack value; NULL for none). The body and hdr's body fields
 * are ignored otherwise. scratch is a reusable packing buffer. Returns 0, or
 * -IPC_E_TOO_BIG when the frame would exceed lim->max_frame.
 */
int	envelope_encode(struct evbuffer *out, const struct envelope *hdr,
	    const void *body, size_t body_len, const struct ipc_limits *lim,
	    msgpack_sbuffer *scratch, char **cause);

/*
 * Keep what answering req later takes (kind, id, from, to) in dst, a bare
 * envelope that peer_reply accepts once req itself is gone.
 */
void	envelope_answer_to(struct envelope *dst, const struct envelope *req);

/* Copy a msgpack str object into a NUL-terminated buffer; -1 if too long. */
int	envelope_strcpy(char *dst, size_t size, const msgpack_object *o);

#endif
