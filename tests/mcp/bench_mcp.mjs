// bench_mcp: tools/call round trips (p50, p99) and calls per second over
// stdio and Streamable HTTP for list_agents and memory_read against orch's
// gateway (orch-mcp; its HTTP port) and, in the same run, the official
// TypeScript SDK's own minimal server with the same two tools: once
// through the official SDK client (what a Node client sees, its own
// validation included), once through a bare client (what the server
// itself costs); and each server's resident memory after the run.
//
// usage: node bench_mcp.mjs ORCH-MCP INSTANCE GATEWAY-PID ORCH-URL PEER-PORT [N]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setMaxListeners } from "node:events";

// The SDK's HTTP client adds an abort listener a call: not a leak here.
setMaxListeners(0);

const [mcp, instance, gatewayPid, orchUrl, peerPort, count] = process.argv.slice(2);
const n = Number(count ?? 2000);

const rss = (pid) => {
	const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
	return m ? Number(m[1]) : 0;
};

// Time n calls of each tool through call(name, args) (which throws on an
// error), after 200 to warm up.
async function timeCalls(call) {
	const out = {};
	for (const [name, args] of [["list_agents", {}], ["memory_read", { key: "bench/key" }]]) {
		for (let i = 0; i < 200; i++)
			await call(name, args);
		const lat = [];
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < n; i++) {
			const s = process.hrtime.bigint();
			await call(name, args);
			lat.push(Number(process.hrtime.bigint() - s) / 1e3);
		}
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		lat.sort((a, b) => a - b);
		out[name] = { p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], rate: n / secs };
	}
	return out;
}

// The bare HTTP client: initialize for a session, then a POST a call.
async function rawHttp(url, pidOf) {
	const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
	let id = 0;
	const post = async (method, params) => {
		const res = await fetch(url, { method: "POST", headers,
		    body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }) });
		if (res.headers.get("mcp-session-id"))
			headers["Mcp-Session-Id"] = res.headers.get("mcp-session-id");
		return res.json();
	};
	await post("initialize", { protocolVersion: "2025-11-25", capabilities: {},
	    clientInfo: { name: "bench", version: "1" } });
	headers["MCP-Protocol-Version"] = "2025-11-25";
	await fetch(url, { method: "POST", headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
	const out = await timeCalls(async (name, args) => {
		const r = await post("tools/call", { name, arguments: args });
		if (r.error !== undefined || r.result.isError)
			throw new Error(`${name}: ${JSON.stringify(r)}`);
	});
	out.rss = pidOf();
	return out;
}

async function run(transport, pidOf) {
	const client = new Client({ name: "bench", version: "1.0.0" });
	await client.connect(transport);
	await client.listTools();
	const out = {};
	for (const [name, args] of [["list_agents", {}], ["memory_read", { key: "bench/key" }]]) {
		for (let i = 0; i < 200; i++)
			await client.callTool({ name, arguments: args });
		const lat = [];
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < n; i++) {
			const s = process.hrtime.bigint();
			const r = await client.callTool({ name, arguments: args });
			if (r.isError)
				throw new Error(`${name}: ${JSON.stringify(r.content)}`);
			lat.push(Number(process.hrtime.bigint() - s) / 1e3);
		}
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		lat.sort((a, b) => a - b);
		out[name] = { p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], rate: n / secs };
	}
	out.rss = pidOf();
	await client.close();
	return out;
}

// The bare client: a JSON-RPC line out, wait for its answer line.
async function raw(command, args, pidOf) {
	const child = spawn(command, args, { env: process.env, stdio: ["pipe", "pipe", "inherit"] });
	const lines = createInterface({ input: child.stdout });
	const waiting = [];
	lines.on("line", (l) => waiting.shift()?.(l));
	let id = 0;
	const ask = (method, params) => new Promise((resolve) => {
		waiting.push(resolve);
		child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }) + "\n");
	});
	await ask("initialize", { protocolVersion: "2025-11-25", capabilities: {},
	    clientInfo: { name: "bench", version: "1" } });
	child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
	const out = {};
	for (const [name, args] of [["list_agents", {}], ["memory_read", { key: "bench/key" }]]) {
		for (let i = 0; i < 200; i++)
			await ask("tools/call", { name, arguments: args });
		const lat = [];
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < n; i++) {
			const s = process.hrtime.bigint();
			const r = JSON.parse(await ask("tools/call", { name, arguments: args }));
			if (r.error !== undefined || r.result.isError)
				throw new Error(`${name}: ${JSON.stringify(r)}`);
			lat.push(Number(process.hrtime.bigint() - s) / 1e3);
		}
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		lat.sort((a, b) => a - b);
		out[name] = { p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], rate: n / secs };
	}
	out.rss = pidOf(child.pid);
	child.stdin.end();
	await new Promise((r) => child.on("exit", r));
	return out;
}

const peerScript = fileURLToPath(new URL("./sdk_server.mjs", import.meta.url));
const httpPeer = spawn(process.execPath, [peerScript, "http", peerPort], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve) => createInterface({ input: httpPeer.stdout }).once("line", resolve));
const peerUrl = `http://127.0.0.1:${peerPort}/mcp`;
const httpOrch = await rawHttp(orchUrl, () => rss(gatewayPid));
const httpPeerRaw = await rawHttp(peerUrl, () => rss(httpPeer.pid));
const httpOrchSdk = await run(new StreamableHTTPClientTransport(new URL(orchUrl)), () => rss(gatewayPid));
const httpPeerSdk = await run(new StreamableHTTPClientTransport(new URL(peerUrl)), () => rss(httpPeer.pid));
httpPeer.kill();
const rawOrch = await raw(mcp, ["-L", instance], () => rss(gatewayPid));
const rawPeer = await raw(process.execPath, [peerScript], (pid) => rss(pid));

const orch = await run(new StdioClientTransport({ command: mcp, args: ["-L", instance],
    env: process.env }),
    () => rss(gatewayPid));
const peerT = new StdioClientTransport({ command: process.execPath,
    args: [peerScript] });
const peer = await run(peerT, () => rss(peerT.pid));

const show = (title, orch, peer) => {
console.log(title);
for (const name of ["list_agents", "memory_read"]) {
	const o = orch[name], p = peer[name];
	console.log(`  ${name.padEnd(12)} orch gateway  p50 ${o.p50.toFixed(1).padStart(7)} us  p99 ` +
	    `${o.p99.toFixed(1).padStart(7)} us  ${o.rate.toFixed(0).padStart(6)} calls/s`);
	console.log(`  ${"".padEnd(12)} SDK server    p50 ${p.p50.toFixed(1).padStart(7)} us  p99 ` +
	    `${p.p99.toFixed(1).padStart(7)} us  ${p.rate.toFixed(0).padStart(6)} calls/s`);
	console.log(`  ${"".padEnd(12)} SDK / orch    p50 ${(p.p50 / o.p50).toFixed(2).padStart(7)}x    p99 ` +
	    `${(p.p99 / o.p99).toFixed(2).padStart(7)}x    calls/s ${(o.rate / p.rate).toFixed(2)}x orch's`);
}
console.log(`  resident memory: orch gateway ${orch.rss} kB, SDK server ${peer.rss} kB ` +
    `(${(peer.rss / orch.rss).toFixed(1)}x)`);
};
show(`MCP tools/call over stdio, ${n} sequential calls each, a bare line client`, rawOrch, rawPeer);
show(`the same through the official SDK client (its own validation included)`, orch, peer);
show(`MCP tools/call over Streamable HTTP, ${n} sequential calls each, a bare fetch client (keep-alive)`,
    httpOrch, httpPeerRaw);
show(`the same through the official SDK client`, httpOrchSdk, httpPeerSdk);
process.exit(0);
