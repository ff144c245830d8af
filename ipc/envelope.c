#include "ipc/envelope.h"

#include <string.h>

#include <event2/buffer.h>
#include <lz4.h>

#include "common/xmalloc.h"
#include "ipc/frame.h"
#include "ipc/msgcheck.h"

#define ENVELOPE_ZONE_CHUNK	4096

/* Keys seen while decoding, to report the first required one missing. */
#define SEEN_V		0x01u
#define SEEN_ID		0x02u
#define SEEN_K		0x04u
#define SEEN_OP		0x08u
#define SEEN_Z		0x10u

struct envelope_dec {
	struct envelope		*env;
	const struct ipc_limits	*lim;
	unsigned		 seen;
	uint64_t		 zsize;
};

typedef int (*envelope_key_fn)(struct envelope_dec *, const msgpack_object *,
    char **);

void
envelope_init(struct envelope *env)
{
	memset(env, 0, sizeof *env);
	if (!msgpack_zone_init(&env->zone, ENVELOPE_ZONE_CHUNK))
		abort();
	envelope_reset(env);
}

void
envelope_reset(struct envelope *env)
{
	free(env->zbuf);
	env->zbuf = NULL;
	msgpack_zone_clear(&env->zone);
	env->v = 0;
	env->kind = IPC_KIND_NTF;
	env->id = 0;
	env->pri = IPC_PRI_MEDIUM;
	env->ack = false;
	env->op[0] = env->from[0] = env->to[0] = env->errmsg[0] = '\0';
	env->err = IPC_OK;
	env->has_body = false;
	env->body.type = MSGPACK_OBJECT_NIL;
}

void
envelope_done(struct envelope *env)
{
	free(env->zbuf);
	env->zbuf = NULL;
	msgpack_zone_destroy(&env->zone);
}

int
envelope_strcpy(char *dst, size_t size, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= size ||
	    !proto_str_ok(o->via.str.ptr, o->via.str.size))
		return -1;
	memcpy(dst, o->via.str.ptr, o->via.str.size);
	dst[o->via.str.size] = '\0';
	return 0;
}

static int
envelope_uint(const msgpack_object *o, uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return -1;
	*out = o->via.u64;
	return 0;
}

static int
envelope_bad_key(const char *key, const char *want, char **cause)
{
	set_cause(cause, "envelope key \"%s\" must be %s", key, want);
	return -IPC_E_PROTO;
}

static int
envelope_key_v(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	uint64_t	v;

	if (envelope_uint(o, UINT8_MAX, &v) != 0)
		return envelope_bad_key("v", "a small unsigned integer", cause);
	d->env->v = (uint8_t)v;
	d->seen |= SEEN_V;
	return 0;
}

static int
envelope_key_id(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	if (envelope_uint(o, UINT64_MAX, &d->env->id) != 0)
		return envelope_bad_key("id", "an unsigned integer", cause);
	d->seen |= SEEN_ID;
	return 0;
}

static int
envelope_key_k(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	int	k;

	if (o->type != MSGPACK_OBJECT_STR ||
	    (k = proto_kind_parse(o->via.str.ptr, o->via.str.size)) < 0)
		return envelope_bad_key("k", "one of req, res, ntf, ack", cause);
	d->env->kind = (enum ipc_kind)k;
	d->seen |= SEEN_K;
	return 0;
}

static int
envelope_key_op(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	if (envelope_strcpy(d->env->op, sizeof d->env->op, o) != 0 ||
	    d->env->op[0] == '\0')
		return envelope_bad_key("op", "a UTF-8 string of 1 to 63 bytes "
		    "without NUL", cause);
	d->seen |= SEEN_OP;
	return 0;
}

static int
envelope_key_from(struct envelope_dec *d, const msgpack_object *o,
    char **cause)
{
	if (envelope_strcpy(d->env->from, sizeof d->env->from, o) != 0)
		return envelope_bad_key("from", "a UTF-8 string under 128 "
		    "bytes without NUL", cause);
	return 0;
}

static int
envelope_key_to(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	if (envelope_strcpy(d->env->to, sizeof d->env->to, o) != 0)
		return envelope_bad_key("to", "a UTF-8 string under 128 bytes "
		    "without NUL", cause);
	return 0;
}

static int
envelope_key_pri(struct envelope_dec *d, const msgpack_object *o,
    char **cause)
{
	uint64_t	pri;

	if (envelope_uint(o, IPC_PRI_HIGH, &pri) != 0)
		return envelope_bad_key("pri", "0, 1 or 2", cause);
	d->env->pri = (uint8_t)pri;
	return 0;
}

static int
envelope_key_ack(struct envelope_dec *d, const msgpack_object *o,
    char **cause)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN)
		return envelope_bad_key("ack", "a boolean", cause);
	d->env->ack = o->via.boolean;
	return 0;
}

static int
envelope_key_err(struct envelope_dec *d, const msgpack_object *o,
    char **cause)
{
	const msgpack_object_kv	*kv;
	uint64_t		 code = 0;
	uint32_t		 i;

	if (o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_MAP)
		return envelope_bad_key("err", "a map {code, msg}", cause);
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			continue;
		if (kv->key.via.str.size == 4 &&
		    memcmp(kv->key.via.str.ptr, IPC_KEY_ERR_CODE, 4) == 0) {
			if (envelope_uint(&kv->val, INT32_MAX, &code) != 0)
				return envelope_bad_key("err.code",
				    "an unsigned integer", cause);
		} else if (kv->key.via.str.size == 3 &&
		    memcmp(kv->key.via.str.ptr, IPC_KEY_ERR_MSG, 3) == 0) {
			size_t	n;

			if (kv->val.type != MSGPACK_OBJECT_STR ||
			    !proto_str_ok(kv->val.via.str.ptr,
			    kv->val.via.str.size))
				return envelope_bad_key("err.msg", "a UTF-8 "
				    "string without NUL", cause);
			/* A long message is cut, not refused. */
			n = kv->val.via.str.size;
			if (n > IPC_ERRMSG_MAX)
				n = IPC_ERRMSG_MAX;
			memcpy(d->env->errmsg, kv->val.via.str.ptr, n);
			d->env->errmsg[n] = '\0';
		}
	}
	if (code == IPC_OK)
		return envelope_bad_key("err.code", "a non-zero error code",
		    cause);
	d->env->err = (int)code;
	return 0;
}

static int
envelope_key_body(struct envelope_dec *d, const msgpack_object *o,
    char **cause)
{
	(void)cause;
	d->env->body = *o;
	d->env->has_body = true;
	return 0;
}

static int
envelope_key_z(struct envelope_dec *d, const msgpack_object *o, char **cause)
{
	if (envelope_uint(o, UINT32_MAX, &d->zsize) != 0 || d->zsize == 0)
		return envelope_bad_key("z", "a positive size", cause);
	if (d->zsize > d->lim->max_frame) {
		set_cause(cause, "compressed body expands to %llu bytes, over "
		    "the limit of %u", (unsigned long long)d->zsize,
		    d->lim->max_frame);
		return -IPC_E_TOO_BIG;
	}
	d->seen |= SEEN_Z;
	return 0;
}

static const struct {
	const char	*key;
	envelope_key_fn	 fn;
} envelope_keys[] = {
	{ IPC_KEY_VERSION, envelope_key_v },
	{ IPC_KEY_ID, envelope_key_id },
	{ IPC_KEY_KIND, envelope_key_k },
	{ IPC_KEY_OP, envelope_key_op },
	{ IPC_KEY_FROM, envelope_key_from },
	{ IPC_KEY_TO, envelope_key_to },
	{ IPC_KEY_PRI, envelope_key_pri },
	{ IPC_KEY_ACK, envelope_key_ack },
	{ IPC_KEY_ERR, envelope_key_err },
	{ IPC_KEY_BODY, envelope_key_body },
	{ IPC_KEY_Z, envelope_key_z },
};

static envelope_key_fn
envelope_key_lookup(const msgpack_object *key)
{
	size_t	i, n;

	if (key->type != MSGPACK_OBJECT_STR)
		return NULL;
	n = key->via.str.size;
	for (i = 0; i < sizeof envelope_keys / sizeof envelope_keys[0]; i++) {
		if (strlen(envelope_keys[i].key) == n &&
		    memcmp(envelope_keys[i].key, key->via.str.ptr, n) == 0)
			return envelope_keys[i].fn;
	}
	return NULL;
}

static unsigned
envelope_depth(const struct ipc_limits *lim)
{
	if (lim->max_depth == 0 || lim->max_depth > IPC_MAX_DEPTH_DEFAULT)
		return IPC_MAX_DEPTH_DEFAULT;
	return lim->max_depth;
}

/* Replace the bin body with the value its LZ4 block holds. */
static int
envelope_inflate(struct envelope_dec *d, char **cause)
{
	struct envelope	*env = d->env;
	size_t		 off = 0;
	int		 n;
	char		*why = NULL;

	if (!env->has_body || env->body.type != MSGPACK_OBJECT_BIN ||
	    env->body.via.bin.size > INT32_MAX)
		return envelope_bad_key("body", "binary when \"z\" is given",
		    cause);
	env->zbuf = xmalloc(d->zsize);
	n = LZ4_decompress_safe(env->body.via.bin.ptr, env->zbuf,
	    (int)env->body.via.bin.size, (int)d->zsize);
	if (n < 0 || (uint64_t)n != d->zsize) {
		set_cause(cause, "compressed body does not expand to %llu bytes",
		    (unsigned long long)d->zsize);
		return -IPC_E_CORRUPT;
	}
	/* The body sits one level inside the envelope map. */
	if (msgcheck_exact(env->zbuf, d->zsize, envelope_depth(d->lim) - 1,
	    &why) != 0) {
		set_cause(cause, "compressed body: %s", why);
		free(why);
		return -IPC_E_CORRUPT;
	}
	if (msgpack_unpack(env->zbuf, d->zsize, &off, &env->zone,
	    &env->body) != MSGPACK_UNPACK_SUCCESS) {
		set_cause(cause, "compressed body is not msgpack");
		return -IPC_E_CORRUPT;
	}
	return 0;
}

int
envelope_decode(struct envelope *env, const void *payload, size_t len,
    const struct ipc_limits *lim, char **cause)
{
	struct envelope_dec	 d = { env, lim, 0, 0 };
	msgpack_object		 root;
	size_t			 off = 0;
	uint32_t		 i;
	int			 rc;
	char			*why = NULL;

	envelope_reset(env);
	if (len > lim->max_frame) {
		set_cause(cause, "message of %zu bytes exceeds the limit of %u",
		    len, lim->max_frame);
		return -IPC_E_TOO_BIG;
	}
	if (msgcheck_exact(payload, len, envelope_depth(lim), &why) != 0) {
		set_cause(cause, "malformed message: %s", why);
		free(why);
		return -IPC_E_PARSE;
	}
	if (msgpack_unpack(payload, len, &off, &env->zone, &root) !=
	    MSGPACK_UNPACK_SUCCESS) {
		set_cause(cause, "malformed message: msgpack refused it");
		return -IPC_E_PARSE;
	}
	if (root.type != MSGPACK_OBJECT_MAP) {
		set_cause(cause, "message is not a map");
		return -IPC_E_PROTO;
	}
	for (i = 0; i < root.via.map.size; i++) {
		const msgpack_object_kv	*kv = &root.via.map.ptr[i];
		envelope_key_fn		 fn = envelope_key_lookup(&kv->key);

		if (fn != NULL && (rc = fn(&d, &kv->val, cause)) != 0)
			return rc;
	}
	if (!(d.seen & SEEN_V))
		return envelope_bad_key("v", "present", cause);
	if (env->v != IPC_PROTO_VERSION) {
		set_cause(cause, "protocol version %u is not supported (want %u)",
		    env->v, IPC_PROTO_VERSION);
		return -IPC_E_VERSION;
	}
	if (!(d.seen & SEEN_K))
		return envelope_bad_key("k", "present", cause);
	if (!(d.seen & SEEN_ID))
		return envelope_bad_key("id", "present", cause);
	if (!(d.seen & SEEN_OP) &&
	    (env->kind == IPC_KIND_REQ || env->kind == IPC_KIND_NTF))
		return envelope_bad_key("op", "present in a req or ntf", cause);
	if (d.seen & SEEN_Z)
		return envelope_inflate(&d, cause);
	return 0;
}

static void
envelope_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
envelope_encode(struct evbuffer *out, const struct envelope *hdr,
    const void *body, size_t body_len, const struct ipc_limits *lim,
    msgpack_sbuffer *scratch, char **cause)
{
	msgpack_packer	 pk;
	uint8_t		 lenbuf[FRAME_HEADER_SIZE] = { 0 };
	char		*zbody = NULL;
	size_t		 nkeys = 3, payload;
	int		 zlen = 0;

	if (body != NULL && body_len > lim->z_threshold &&
	    body_len <= (size_t)LZ4_MAX_INPUT_SIZE) {
		int	bound = LZ4_compressBound((int)body_len);

		zbody = xmalloc((size_t)bound);
		zlen = LZ4_compress_default(body, zbody, (int)body_len, bound);
		if (zlen <= 0 || (size_t)zlen >= body_len) {
			free(zbody);	/* did not pay: send as is */
			zbody = NULL;
		}
	}

	nkeys += hdr->op[0] != '\0';
	nkeys += hdr->from[0] != '\0';
	nkeys += hdr->to[0] != '\0';
	nkeys += hdr->pri != IPC_PRI_MEDIUM;
	nkeys += hdr->ack;
	nkeys += hdr->err != IPC_OK;
	nkeys += body != NULL;
	nkeys += zbody != NULL;

	/* Reserve the length prefix and fill it in once the size is known. */
	scratch->size = 0;
	msgpack_sbuffer_write(scratch, (const char *)lenbuf, sizeof lenbuf);
	msgpack_packer_init(&pk, scratch, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, nkeys);
	envelope_pack_str(&pk, IPC_KEY_VERSION);
	msgpack_pack_uint8(&pk, IPC_PROTO_VERSION);
	envelope_pack_str(&pk, IPC_KEY_ID);
	msgpack_pack_uint64(&pk, hdr->id);
	envelope_pack_str(&pk, IPC_KEY_KIND);
	envelope_pack_str(&pk, proto_kind_name(hdr->kind));
	if (hdr->op[0] != '\0') {
		envelope_pack_str(&pk, IPC_KEY_OP);
		envelope_pack_str(&pk, hdr->op);
	}
	if (hdr->from[0] != '\0') {
		envelope_pack_str(&pk, IPC_KEY_FROM);
		envelope_pack_str(&pk, hdr->from);
	}
	if (hdr->to[0] != '\0') {
		envelope_pack_str(&pk, IPC_KEY_TO);
		envelope_pack_str(&pk, hdr->to);
	}
	if (hdr->pri != IPC_PRI_MEDIUM) {
		envelope_pack_str(&pk, IPC_KEY_PRI);
		msgpack_pack_uint8(&pk, hdr->pri);
	}
	if (hdr->ack) {
		envelope_pack_str(&pk, IPC_KEY_ACK);
		msgpack_pack_true(&pk);
	}
	if (hdr->err != IPC_OK) {
		envelope_pack_str(&pk, IPC_KEY_ERR);
		msgpack_pack_map(&pk, 2);
		envelope_pack_str(&pk, IPC_KEY_ERR_CODE);
		msgpack_pack_uint32(&pk, (uint32_t)hdr->err);
		envelope_pack_str(&pk, IPC_KEY_ERR_MSG);
		envelope_pack_str(&pk, hdr->errmsg[0] != '\0' ? hdr->errmsg :
		    proto_strerror(hdr->err));
	}
	if (zbody != NULL) {
		envelope_pack_str(&pk, IPC_KEY_Z);
		msgpack_pack_uint32(&pk, (uint32_t)body_len);
		envelope_pack_str(&pk, IPC_KEY_BODY);
		msgpack_pack_bin(&pk, (size_t)zlen);
		msgpack_pack_bin_body(&pk, zbody, (size_t)zlen);
		free(zbody);
	} else if (body != NULL) {
		envelope_pack_str(&pk, IPC_KEY_BODY);
		msgpack_sbuffer_write(scratch, body, body_len);
	}

	payload = scratch->size - FRAME_HEADER_SIZE;
	if (payload > lim->max_frame) {
		set_cause(cause, "message of %zu bytes exceeds the limit of %u",
		    payload, lim->max_frame);
		return -IPC_E_TOO_BIG;
	}
	frame_put_length((uint8_t *)scratch->data, (uint32_t)payload);
	if (evbuffer_add(out, scratch->data, scratch->size) != 0) {
		set_cause(cause, "out of memory queueing a message");
		return -IPC_E_INTERNAL;
	}
	return 0;
}

void
envelope_answer_to(struct envelope *dst, const struct envelope *req)
{
	memset(dst, 0, sizeof *dst);
	dst->kind = IPC_KIND_REQ;
	dst->id = req->id;
	snprintf(dst->from, sizeof dst->from, "%s", req->from);
	snprintf(dst->to, sizeof dst->to, "%s", req->to);
}
