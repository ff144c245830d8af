/* Shared by the cmocka suites: includes and small helpers. */
#ifndef ORCH_TESTS_UNIT_H
#define ORCH_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Assert rc is the failure value and a cause was given; free it. */
#define assert_cause(call, cause) do {					\
	int	rc_ = (call);						\
	if (rc_ >= 0 || (cause) == NULL)				\
		fail_msg("expected failure with a cause, got %d", rc_); \
	free(cause);							\
	(cause) = NULL;							\
} while (0)

#endif
