/*
 * orch-ctl's commands that live in their own files.
 */
#ifndef ORCH_TOOLS_CTL_H
#define ORCH_TOOLS_CTL_H

#include "tools/client.h"

int	ctl_mem(struct client *c, int argc, char **argv);
int	ctl_events(struct client *c, int argc, char **argv);
int	ctl_events_publish(struct client *c, int argc, char **argv);
int	ctl_send(struct client *c, int argc, char **argv);
int	ctl_inbox(struct client *c, int argc, char **argv);
int	ctl_broadcast(struct client *c, int argc, char **argv);

#endif
