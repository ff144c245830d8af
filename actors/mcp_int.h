/*
 * Inside the MCP tool table: each tool's arguments, checked and packed as
 * the orch operation it becomes expects (mcp_args.c). Each is 0, or -1
 * with why naming the argument at fault.
 */
#ifndef ORCH_ACTORS_MCP_INT_H
#define ORCH_ACTORS_MCP_INT_H

#include "actors/mcp_tools.h"

/* How many bytes of a screen read_terminal_output looks at, at most. */
#define MCP_SCREEN_BYTES	(256 * 1024)
#define MCP_LINES_MAX		10000
#define MCP_LINES_DEFAULT	25
#define MCP_WORKFLOW_MAX	((size_t)1 << 20)

int	mcp_args_agent_id(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_task_name(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_deploy(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_submit(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_message(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_broadcast(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_screen(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_key(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_mem_write(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_mem_list(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_publish(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_events(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_inbox(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_type(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_logs(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_workflow(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);
int	mcp_args_control(const json_t *args, struct mcp_req *r,
	    char *why, size_t size);

#endif
