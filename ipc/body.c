#include "ipc/body.h"

#include <string.h>

const msgpack_object *
body_get(const msgpack_object *map, const char *key)
{
	size_t		klen = strlen(key);
	uint32_t	i;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object	*k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    memcmp(k->via.str.ptr, key, klen) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

const char *
body_bytes(const msgpack_object *map, const char *key, size_t *len)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL)
		return NULL;
	if (o->type == MSGPACK_OBJECT_STR) {
		*len = o->via.str.size;
		return o->via.str.ptr != NULL ? o->via.str.ptr : "";
	}
	if (o->type == MSGPACK_OBJECT_BIN) {
		*len = o->via.bin.size;
		return o->via.bin.ptr != NULL ? o->via.bin.ptr : "";
	}
	return NULL;
}

int
body_str(const msgpack_object *map, const char *key, char *buf, size_t size)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_STR ||
	    o->via.str.size >= size)
		return -1;
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	/* An embedded NUL would make the copy say less than was sent. */
	return memchr(buf, '\0', o->via.str.size) == NULL ? 0 : -1;
}

int
body_u64(const msgpack_object *map, const char *key, uint64_t *out)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*out = o->via.u64;
	return 0;
}

int
body_i64(const msgpack_object *map, const char *key, int64_t *out)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL)
		return -1;
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*out = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX)
		*out = (int64_t)o->via.u64;
	else
		return -1;
	return 0;
}

int
body_bool(const msgpack_object *map, const char *key, bool *out)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
		return -1;
	*out = o->via.boolean;
	return 0;
}

int
body_double(const msgpack_object *map, const char *key, double *out)
{
	const msgpack_object	*o = body_get(map, key);

	if (o == NULL)
		return -1;
	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*out = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*out = (double)o->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = (double)o->via.i64;
		return 0;
	default:
		return -1;
	}
}

void
body_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	len = strlen(s);

	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

void
body_pack_kv_str(msgpack_packer *pk, const char *key, const char *val)
{
	body_pack_str(pk, key);
	body_pack_str(pk, val);
}

void
body_pack_kv_bin(msgpack_packer *pk, const char *key, const void *val,
    size_t len)
{
	body_pack_str(pk, key);
	msgpack_pack_bin(pk, len);
	msgpack_pack_bin_body(pk, val, len);
}

void
body_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t val)
{
	body_pack_str(pk, key);
	msgpack_pack_uint64(pk, val);
}

void
body_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t val)
{
	body_pack_str(pk, key);
	msgpack_pack_int64(pk, val);
}

void
body_pack_kv_bool(msgpack_packer *pk, const char *key, bool val)
{
	body_pack_str(pk, key);
	if (val)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

void
body_pack_kv_double(msgpack_packer *pk, const char *key, double val)
{
	body_pack_str(pk, key);
	msgpack_pack_double(pk, val);
}
