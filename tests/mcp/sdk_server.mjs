// The peer in bench_mcp: the official TypeScript SDK's own minimal server
// over stdio (or, given "http PORT", Streamable HTTP on 127.0.0.1 with a
// session a client, answering in JSON as orch does), with two tools shaped like orch's list_agents and
// memory_read (fixed answers of the same size), so that the same client
// measures both servers' cost of a tools/call.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { z } from "zod";

const agents = [0, 1, 2].map((i) => ({ id: `w${i}`, type: "worker",
    status: "idle", pid: 1000 + i, restarts: 0, capabilities: ["test"],
    task: "", command: "", session: 2000 + i, restart: "permanent" }));
function makeServer() {
const server = new McpServer({ name: "sdk-peer", version: "1.0.0" });
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
return server;
}

if (process.argv[2] === "http") {
	const sessions = new Map();
	const srv = http.createServer(async (req, res) => {
		let t = sessions.get(req.headers["mcp-session-id"]);
		if (t === undefined) {
			t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(),
			    enableJsonResponse: true, onsessioninitialized: (id) => sessions.set(id, t) });
			await makeServer().connect(t);
		}
		await t.handleRequest(req, res);
	});
	srv.listen(Number(process.argv[3]), "127.0.0.1", () => console.log("listening"));
} else
	await makeServer().connect(new StdioServerTransport());
