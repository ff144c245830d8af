/*
 * Bodies as JSON and back, for whoever speaks JSON to the outside (orch-ctl
 * --json, the MCP gateway): msgpack maps, arrays and scalars map to their
 * JSON kind; strings and binaries become JSON strings (bytes that are not
 * UTF-8, as terminal output may be, are shown as '?').
 */
#ifndef ORCH_IPC_BODY_JSON_H
#define ORCH_IPC_BODY_JSON_H

#include <jansson.h>
#include <msgpack.h>

/* o as a new JSON value (never NULL: null for what JSON has not). */
json_t	*body_json(const msgpack_object *o);

/* Pack j (any JSON value) as msgpack: objects as maps, strings as str. */
void	 body_pack_json(msgpack_packer *pk, const json_t *j);

#endif
