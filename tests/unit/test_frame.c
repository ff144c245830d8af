#include "tests/unit/unit.h"

#include <event2/buffer.h>

#include "ipc/frame.h"

static void
add_frame(struct evbuffer *b, const char *payload)
{
	assert_int_equal(frame_add(b, payload, (uint32_t)strlen(payload)), 0);
}

static void
test_length_codec(void **state)
{
	uint8_t	hdr[4];

	(void)state;
	frame_put_length(hdr, 0x01020304);
	assert_memory_equal(hdr, "\x01\x02\x03\x04", 4);
	assert_int_equal(frame_get_length(hdr), 0x01020304);
	frame_put_length(hdr, 0xffffffff);
	assert_int_equal(frame_get_length(hdr), 0xffffffffu);
}

/* Bytes arrive one at a time: the frame appears exactly when complete. */
static void
test_one_byte_at_a_time(void **state)
{
	struct evbuffer	*all = evbuffer_new(), *in = evbuffer_new();
	const uint8_t	*payload;
	uint32_t	 len;
	uint8_t		 byte;
	int		 got = 0, rc;
	const char	*want[] = { "alpha", "b", "gamma-delta" };

	(void)state;
	for (size_t i = 0; i < 3; i++)
		add_frame(all, want[i]);
	while (evbuffer_remove(all, &byte, 1) == 1) {
		evbuffer_add(in, &byte, 1);
		while ((rc = frame_peek(in, 1024, &payload, &len, NULL)) == 1) {
			assert_int_equal(len, strlen(want[got]));
			assert_memory_equal(payload, want[got], len);
			frame_drain(in, len);
			got++;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(got, 3);
	assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(all);
	evbuffer_free(in);
}

/* Many frames in one read, split across evbuffer chains. */
static void
test_coalesced(void **state)
{
	struct evbuffer	*in = evbuffer_new();
	const uint8_t	*payload;
	uint32_t	 len;
	char		 buf[32];
	int		 n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof buf, "frame %d", i);
		add_frame(in, buf);
	}
	while (frame_peek(in, 1024, &payload, &len, NULL) == 1) {
		snprintf(buf, sizeof buf, "frame %d", n++);
		assert_int_equal(len, strlen(buf));
		assert_memory_equal(payload, buf, len);
		frame_drain(in, len);
	}
	assert_int_equal(n, 1000);
	evbuffer_free(in);
}

/* A length over the limit is refused on its 4 bytes alone. */
static void
test_oversized_prefix(void **state)
{
	struct evbuffer	*in = evbuffer_new();
	const uint8_t	*payload;
	uint32_t	 len;
	char		*cause = NULL;

	(void)state;
	evbuffer_add(in, "\xff\xff\xff\xff", 4);
	assert_cause(frame_peek(in, 16u << 20, &payload, &len, &cause), cause);
	evbuffer_drain(in, 4);

	/* Exactly the limit is fine, one more is not. */
	evbuffer_add(in, "\x00\x00\x00\x04" "abcd", 8);
	assert_int_equal(frame_peek(in, 4, &payload, &len, NULL), 1);
	assert_cause(frame_peek(in, 3, &payload, &len, &cause), cause);
	evbuffer_drain(in, 8);

	evbuffer_add(in, "\x00\x00\x00\x00", 4);
	assert_cause(frame_peek(in, 1024, &payload, &len, &cause), cause);
	evbuffer_free(in);
}

/* A partial header or payload is "need more", never an error. */
static void
test_partial(void **state)
{
	struct evbuffer	*in = evbuffer_new();
	const uint8_t	*payload;
	uint32_t	 len;

	(void)state;
	assert_int_equal(frame_peek(in, 1024, &payload, &len, NULL), 0);
	evbuffer_add(in, "\x00\x00\x00", 3);
	assert_int_equal(frame_peek(in, 1024, &payload, &len, NULL), 0);
	evbuffer_add(in, "\x05" "abc", 4);
	assert_int_equal(frame_peek(in, 1024, &payload, &len, NULL), 0);
	evbuffer_add(in, "de", 2);
	assert_int_equal(frame_peek(in, 1024, &payload, &len, NULL), 1);
	assert_memory_equal(payload, "abcde", 5);
	evbuffer_free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_codec),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_coalesced),
		cmocka_unit_test(test_oversized_prefix),
		cmocka_unit_test(test_partial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
