/* Permissions: names, the tiers' defaults, and an agent's effective set. */
#include "tests/unit/unit.h"

#include "ipc/perm.h"

static void
test_tiers(void **state)
{
	struct agent_config	ac;
	char			buf[256];

	(void)state;
	agent_config_defaults(&ac);
	/* Tier 1 by default: what an autonomous agent needs. */
	perm_format(perm_effective(&ac), buf, sizeof buf);
	assert_string_equal(buf, "session:read data:share data:read "
	    "command:execute");
	ac.tier = 2;
	perm_format(perm_effective(&ac), buf, sizeof buf);
	assert_string_equal(buf, "session:read session:write data:share "
	    "data:read command:execute");
	ac.tier = 3;
	assert_int_equal(perm_effective(&ac), 0);
	perm_format(0, buf, sizeof buf);
	assert_string_equal(buf, "none");
	/* A list replaces the tier's; an empty one is none. */
	ac.tier = 1;
	ac.perms_given = true;
	assert_int_equal(perm_effective(&ac), 0);
	strlist_add(&ac.perms, "agent:coordinate");
	assert_int_equal(perm_effective(&ac), PERM_BIT(PERM_AGENT_COORDINATE));
	agent_config_clear(&ac);
	assert_int_equal(perm_tier(0), 0);
	assert_int_equal(perm_tier(4), 0);
}

static void
test_names(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < PERM_COUNT; i++)
		assert_int_equal(perm_parse(perm_name(i)), i);
	assert_int_equal(perm_parse("session:everything"), -1);
	assert_string_equal(perm_name(PERM_OPERATOR), "operator only");
	assert_string_equal(perm_name(PERM_NONE), "anyone");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
