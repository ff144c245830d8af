/*
 * Reading and writing message bodies: msgpack maps with string keys.
 *
 * Readers take a decoded map and a key and say whether the value is there
 * with the right type; a missing map (NULL) or a non-map reads as empty.
 * Writers pack one key and value onto a packer.
 */
#ifndef ORCH_IPC_BODY_H
#define ORCH_IPC_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

const msgpack_object *body_get(const msgpack_object *map, const char *key);
/* Copy a string value into buf (NUL-terminated); -1 if absent or too long. */
int		 body_str(const msgpack_object *map, const char *key, char *buf,
		    size_t size);
/* A string or binary value in place (not NUL-terminated), or NULL. */
const char	*body_bytes(const msgpack_object *map, const char *key,
		    size_t *len);
int		 body_u64(const msgpack_object *map, const char *key,
		    uint64_t *out);
int		 body_i64(const msgpack_object *map, const char *key,
		    int64_t *out);
int		 body_bool(const msgpack_object *map, const char *key,
		    bool *out);
/* Any number (integer or float) as a double. 0, or -1 (*out untouched). */
int		 body_double(const msgpack_object *map, const char *key,
		    double *out);

void		 body_pack_str(msgpack_packer *pk, const char *s);
void		 body_pack_kv_str(msgpack_packer *pk, const char *key,
		    const char *val);
void		 body_pack_kv_bin(msgpack_packer *pk, const char *key,
		    const void *val, size_t len);
void		 body_pack_kv_u64(msgpack_packer *pk, const char *key,
		    uint64_t val);
void		 body_pack_kv_i64(msgpack_packer *pk, const char *key,
		    int64_t val);
void		 body_pack_kv_bool(msgpack_packer *pk, const char *key,
		    bool val);
void		 body_pack_kv_double(msgpack_packer *pk, const char *key,
		    double val);

#endif
