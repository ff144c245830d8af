// The official MCP SDK client against orch's gateway over stdio: connect
// (initialize), list the tools, call one tool of each family and check
// every structuredContent against the tool's outputSchema.
//
// usage: node sdk_client.mjs ORCH-MCP INSTANCE AGENT
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv from "ajv";

const [mcp, instance, agent] = process.argv.slice(2);
const fail = (why) => { console.error(`sdk_client: ${why}`); process.exit(1); };

const client = new Client({ name: "orch-e2e", version: "1.0.0" });
await client.connect(new StdioClientTransport({
	command: mcp, args: ["-L", instance], env: process.env, stderr: "inherit",
}));
const server = client.getServerVersion();
if (server?.name !== "orch")
	fail(`server is ${JSON.stringify(server)}`);

const { tools } = await client.listTools();
const byName = new Map(tools.map((t) => [t.name, t]));
const ajv = new Ajv({ strict: false });
const calls = [
	["list_agents", {}],
	["inspect_agent", { agent }],
	["submit_task", { command: "echo sdk-hello", agent, wait: true }],
	["list_tasks", {}],
	["read_terminal_output", { agent, linesOfOutput: 50 }],
	["send_message", { to: agent, content: "from the SDK" }],
	["broadcast", { content: "all", filter: { id: agent } }],
];
for (const [name, args] of calls) {
	const tool = byName.get(name);
	if (tool === undefined)
		fail(`no tool ${name} in tools/list`);
	const res = await client.callTool({ name, arguments: args });
	if (res.isError)
		fail(`${name}: ${JSON.stringify(res.content)}`);
	const validate = ajv.compile(tool.outputSchema);
	if (!validate(res.structuredContent))
		fail(`${name}: structuredContent does not match its outputSchema: ` +
		    JSON.stringify(validate.errors));
	if (JSON.stringify(JSON.parse(res.content[0].text)) === undefined)
		fail(`${name}: the text is not JSON`);
	if (name === "submit_task" && res.structuredContent.result.output !== "sdk-hello\n")
		fail(`submit_task: output ${JSON.stringify(res.structuredContent)}`);
	if (name === "read_terminal_output" && !res.structuredContent.output.includes("sdk-hello"))
		fail(`read_terminal_output: ${JSON.stringify(res.structuredContent)}`);
}
await client.close();
console.log(`sdk_client: ${tools.length} tools, ${calls.length} calls validated`);
