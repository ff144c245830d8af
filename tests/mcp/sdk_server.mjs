// The peer in bench_mcp: the official TypeScript SDK's own minimal server
// over stdio, with two tools shaped like orch's list_agents and
// memory_read (fixed answers of the same size), so that the same client
// measures both servers' cost of a tools/call.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "sdk-peer", version: "1.0.0" });
const agents = [0, 1, 2].map((i) => ({ id: `w${i}`, type: "worker",
    status: "idle", pid: 1000 + i, restarts: 0, capabilities: ["test"],
    task: "", command: "", session: 2000 + i, restart: "permanent" }));
server.registerTool("list_agents", {
	description: "Every agent",
	inputSchema: {},
	outputSchema: { agents: z.array(z.object({}).passthrough()) },
}, async () => {
	const out = { agents };
	return { content: [{ type: "text", text: JSON.stringify(out) }], structuredContent: out };
});
server.registerTool("memory_read", {
	description: "Read a key",
	inputSchema: { key: z.string() },
	outputSchema: { key: z.string(), value: z.string(), owner: z.string(),
	    access: z.string(), version: z.number(), created_ns: z.number(),
	    modified_ns: z.number(), len: z.number() },
}, async ({ key }) => {
	const out = { key, value: "value", owner: "operator", access: "shared",
	    version: 1, created_ns: 1, modified_ns: 1, len: 5 };
	return { content: [{ type: "text", text: JSON.stringify(out) }], structuredContent: out };
});
await server.connect(new StdioServerTransport());
