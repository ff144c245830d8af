// The official MCP SDK client against orch's gateway, over stdio (through
// orch-mcp) or Streamable HTTP: connect (initialize), list the tools, call
// one tool of each family and check every structuredContent against the
// tool's outputSchema; list the resources and read one.
//
// usage: node sdk_client.mjs stdio ORCH-MCP INSTANCE AGENT
//        node sdk_client.mjs http URL AGENT
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv from "ajv";

const [how, ...rest] = process.argv.slice(2);
const agent = rest[rest.length - 1];
const fail = (why) => { console.error(`sdk_client: ${why}`); process.exit(1); };

const client = new Client({ name: "orch-e2e", version: "1.0.0" });
await client.connect(how === "http" ? new StreamableHTTPClientTransport(new URL(rest[0])) :
    new StdioClientTransport({
	command: rest[0], args: ["-L", rest[1]], env: process.env, stderr: "inherit",
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
	["submit_task", { command: "echo sdk-hello", agent, id: "sdk", wait: true }],
	["list_tasks", {}],
	["read_terminal_output", { agent, linesOfOutput: 50 }],
	["task_logs", () => ({ task: submitted, tail: 5 })],
	["validate_workflow", { workflow: { name: "v", stages: [{ name: "s", tasks: [{ id: "t", command: "true" }] }] } }],
	["dashboard", {}],
	["send_message", { to: agent, content: `from the SDK over ${how}` }],
	["broadcast", { content: "all", filter: { id: agent } }],
	["memory_write", { key: `sdk/${how}`, value: "v1" }],
	["memory_read", { key: `sdk/${how}` }],
];
let submitted;
for (const [name, given] of calls) {
	const args = typeof given === "function" ? given() : given;
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
	if (name === "submit_task")
		submitted = res.structuredContent.task;
	if (name === "read_terminal_output" && !res.structuredContent.output.includes("sdk-hello"))
		fail(`read_terminal_output: ${JSON.stringify(res.structuredContent)}`);
	if (name === "task_logs" && res.structuredContent.log !== "sdk-hello\n")
		fail(`task_logs: ${JSON.stringify(res.structuredContent)}`);
	if (name === "memory_read" && res.structuredContent.value !== "v1")
		fail(`memory_read: ${JSON.stringify(res.structuredContent)}`);
}
const { resources } = await client.listResources();
const screen = resources.find((r) => r.uri === `orch://agent/${agent}/screen`);
if (!screen)
	fail(`no screen of ${agent} in resources/list: ${JSON.stringify(resources)}`);
const read = await client.readResource({ uri: screen.uri });
if (!read.contents[0].text.includes("sdk-hello"))
	fail(`resources/read ${screen.uri}: ${JSON.stringify(read)}`);
await client.close();
console.log(`sdk_client: ${tools.length} tools, ${calls.length} calls validated, ${resources.length} resources`);
