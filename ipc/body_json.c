#include "ipc/body_json.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

static json_t *
body_json_string(const char *p, uint32_t len)
{
	json_t		*j = json_stringn(p != NULL ? p : "", len);
	char		*s;
	uint32_t	 i;

	if (j != NULL)
		return j;
	/* Terminal bytes need not be UTF-8: keep the ASCII. */
	s = xmalloc((size_t)len + 1);
	memcpy(s, p, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0)
			s[i] = '?';
	j = json_stringn(s, len);
	free(s);
	return j;
}

json_t *
body_json(const msgpack_object *o)
{
	json_t		*j;
	char		*s;
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return body_json_string(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_BIN:
		return body_json_string(o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; i < o->via.array.size; i++)
			json_array_append_new(j,
			    body_json(&o->via.array.ptr[i]));
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object	*k = &o->via.map.ptr[i].key;

			if (k->type != MSGPACK_OBJECT_STR)
				continue;
			s = xstrndup(k->via.str.ptr, k->via.str.size);
			json_object_set_new(j, s,
			    body_json(&o->via.map.ptr[i].val));
			free(s);
		}
		return j;
	default:
		return json_null();
	}
}

void
body_pack_json(msgpack_packer *pk, const json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i, len;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach((json_t *)j, k, v) {
			len = strlen(k);
			msgpack_pack_str(pk, len);
			msgpack_pack_str_body(pk, k, len);
			body_pack_json(pk, v);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		for (i = 0; i < json_array_size(j); i++)
			body_pack_json(pk, json_array_get(j, i));
		break;
	case JSON_STRING:
		len = json_string_length(j);
		msgpack_pack_str(pk, len);
		msgpack_pack_str_body(pk, json_string_value(j), len);
		break;
	case JSON_INTEGER:
		if (json_integer_value(j) < 0)
			msgpack_pack_int64(pk, json_integer_value(j));
		else
			msgpack_pack_uint64(pk,
			    (uint64_t)json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	default:
		msgpack_pack_nil(pk);
		break;
	}
}
