// Hostile input to the gateway, N requests over each transport (HTTP on
// url, lines on the mcp.sock path), one after another, each answered
// before the next: malformed JSON, batches, nesting too deep, the wrong
// types, unknown methods and tools, bad arguments, missing sessions and
// headers. Every one must get its error (none may crash, hang or be
// dropped); the gateway's resident memory is read after a warm-up and at
// the end and printed as "rss WARM END" (KiB).
//
//   node hostile.mjs URL SOCK PID N [TOKEN]
import net from "node:net";
import fs from "node:fs";

const [url, sock, pid, nArg, token] = process.argv.slice(2);
const n = Number(nArg);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const deep = "[".repeat(100) + "]".repeat(100);
const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
// [body, HTTP headers, the error code wanted (or "isError": a tool's
// result saying it could not); null: a line has no headers
// to disagree with, so it is not sent as one]
const kinds = [
	['{"jsonrpc":', {}, -32700],
	['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', {}, -32600],
	[`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${deep}}}`, {}, -32600],
	["42", {}, -32600],
	['{"jsonrpc":"2.0","id":{"no":1},"method":"ping"}', {}, -32600],
	['{"jsonrpc":"1.0","id":1,"method":"ping"}', {}, -32600],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "no/such", params: { _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "no/such" }, -32601],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "no_such_tool", _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "no_such_tool" }, -32602],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "submit_task", arguments: { command: 7 }, _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "submit_task" }, -32602],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_agents", _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "wrong_name" }, -32020, null],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "1999-01-01", "io.modelcontextprotocol/clientCapabilities": {} } } }),
	    { "MCP-Protocol-Version": "1999-01-01", "Mcp-Method": "server/discover" }, -32022],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "orch://nothing/" + "x".repeat(300), _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "resources/read", "Mcp-Name": "orch://nothing/" + "x".repeat(300) }, -32602],
	[JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "memory_write", arguments: { key: "k", value: "v".repeat(60000), access: "nonsense" }, _meta: meta } }),
	    { "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "memory_write" }, "isError"],
];

function want(kind, msg, how) {
	if (kind[2] === "isError" ? !(msg && msg.result && msg.result.isError === true) :
	    !msg || !msg.error || msg.error.code !== kind[2])
		throw new Error(`${how}: ${kind[0].slice(0, 80)}: got ${JSON.stringify(msg).slice(0, 300)}`);
}

async function overHttp(i) {
	const kind = kinds[i % kinds.length];
	const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...kind[1] };
	if (token) headers.Authorization = `Bearer ${token}`;
	const res = await fetch(url, { method: "POST", headers, body: kind[0] });
	want(kind, await res.json(), `HTTP ${res.status}`);
}

function lineClient() {
	const s = net.connect(sock);
	let buf = "", waiting = null;
	s.on("data", (d) => {
		buf += d;
		let nl;
		while ((nl = buf.indexOf("\n")) >= 0) {
			const line = buf.slice(0, nl);
			buf = buf.slice(nl + 1);
			const w = waiting;
			waiting = null;
			if (w) w(JSON.parse(line));
		}
	});
	return (body) => new Promise((resolve, reject) => {
		waiting = resolve;
		s.write(body.replace(/\n/g, " ") + "\n");
		s.once("error", reject);
	});
}

const send = lineClient();
async function overLine(i) {
	const kind = kinds[i % kinds.length];
	if (kind[3] !== null)
		want(kind, await send(kind[0]), "line");
}

const warmup = Math.min(1000, n);
for (let i = 0; i < warmup; i++) { await overHttp(i); await overLine(i); }
const warm = rss();
for (let i = warmup; i < n; i++) { await overHttp(i); await overLine(i); }
console.log(`rss ${warm} ${rss()} after ${n} hostile requests over each of HTTP and mcp.sock`);
process.exit(0);
