#include "tests/unit/unit.h"

#include <stdio.h>

#include "ipc/body.h"
#include "supervisor/tasktable.h"

/* Rows as sched_pack makes them; a row without a task name is skipped. */
static void
test_rows(void **state)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	msgpack_unpacked	 up;
	char			*out = NULL;
	size_t			 len = 0;
	FILE			*f;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_map(&pk, 8);
	body_pack_kv_str(&pk, "task", "build");
	body_pack_kv_str(&pk, "stage", "make");
	body_pack_kv_str(&pk, "status", "failed");
	body_pack_kv_str(&pk, "agent", "w1");
	body_pack_kv_u64(&pk, "attempts", 2);
	body_pack_kv_u64(&pk, "duration_ns", 1500000000);
	body_pack_kv_i64(&pk, "exit", 3);
	body_pack_kv_str(&pk, "reason", "exited 3");
	msgpack_pack_map(&pk, 4);
	body_pack_kv_str(&pk, "task", "2:later");
	body_pack_kv_str(&pk, "status", "pending");
	body_pack_kv_str(&pk, "agent", "");
	body_pack_kv_i64(&pk, "exit", -1);
	msgpack_pack_map(&pk, 1);
	body_pack_kv_str(&pk, "status", "ok");
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, NULL),
	    MSGPACK_UNPACK_SUCCESS);

	f = open_memstream(&out, &len);
	tasktable_print(f, &up.data);
	fclose(f);
	assert_string_equal(out,
	    "TASK                     STAGE        STATUS    AGENT            "
	    "ATTEMPTS  DURATION  EXIT  REASON\n"
	    "build                    make         failed    w1               "
	    "       2     1.50s     3  exited 3\n"
	    "2:later                               pending   -                "
	    "       0     0.00s     -\n");
	free(out);

	/* Not an array: the header alone. */
	f = open_memstream(&out, &len);
	tasktable_print(f, NULL);
	fclose(f);
	assert_non_null(strstr(out, "TASK"));
	assert_null(strchr(strchr(out, '\n') + 1, '\n'));
	free(out);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
