// bench_mcp: tools/call round trips (p50, p99) and calls per second over
// stdio and Streamable HTTP for list_agents and memory_read against orch's
// gateway (orch-mcp; its HTTP port) and, in the same run, the official
// TypeScript SDK's own minimal server with the same two tools: once
// through the official SDK client (what a Node client sees, its own
// validation included), once through a bare client (what the server
// itself costs); and each server's resident memory after the run.
//
// Each line also says how much CPU the server's own processes spent a
// call (orch: the gateway, orch-mcp's relay and the supervisor; the SDK:
// its node process), which no client's cost blurs.
//
// usage: node bench_mcp.mjs ORCH-MCP INSTANCE GATEWAY-PID SUPERVISOR-PID ORCH-URL PEER-PORT [N]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { spawn } from "node:child_process";
import http from "node:http";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setMaxListeners } from "node:events";

// The SDK's HTTP client adds an abort listener a call: not a leak here.
setMaxListeners(0);

const [mcp, instance, gatewayPid, supPid, orchUrl, peerPort, count] = process.argv.slice(2);
const n = Number(count ?? 2000);

const rss = (pid) => {
	const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
	return m ? Number(m[1]) : 0;
};

// CPU time (user + system) of pids, in microseconds (ticks of 1/100 s).
const cpuOf = (pids) => pids.reduce((sum, pid) => {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
		return sum + (Number(f[11]) + Number(f[12])) * 10000;
	} catch {
		return sum;
	}
}, 0);

// Time n calls of each tool through call(name, args) (which throws on an
// error), after 200 to warm up; pids() are the server's processes.
async function timeCalls(call, pids) {
	const out = {};
	for (const [name, args] of [["list_agents", {}], ["memory_read", { key: "bench/key" }]]) {
		for (let i = 0; i < 200; i++)
			await call(name, args);
		const lat = [];
		const t0 = process.hrtime.bigint(), c0 = cpuOf(pids());
		for (let i = 0; i < n; i++) {
			const s = process.hrtime.bigint();
			await call(name, args);
			lat.push(Number(process.hrtime.bigint() - s) / 1e3);
		}
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		lat.sort((a, b) => a - b);
		out[name] = { p50: lat[Math.floor(n * 0.5)], p99: lat[Math.floor(n * 0.99)], rate: n / secs,
		    cpu: (cpuOf(pids()) - c0) / n };
	}
	return out;
}

// The bare HTTP client (node:http on one kept-alive connection; fetch
// costs more than the servers do): initialize for a session, then a POST
// a call.
async function rawHttp(url, pids, pidOf) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
	const u = new URL(url);
	let id = 0;
	const send = (body) => new Promise((resolve, reject) => {
		const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST",
		    headers: { ...headers, "Content-Length": Buffer.byteLength(body) }, agent }, (res) => {
			let data = "";
			res.setEncoding("utf8");
			res.on("data", (d) => { data += d; });
			res.on("end", () => resolve({ res, data }));
		});
		req.on("error", reject);
		req.end(body);
	});
	const post = async (method, params) => {
		const { res, data } = await send(JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }));
		if (res.headers["mcp-session-id"])
			headers["Mcp-Session-Id"] = res.headers["mcp-session-id"];
		return JSON.parse(data);
	};
	await post("initialize", { protocolVersion: "2025-11-25", capabilities: {},
	    clientInfo: { name: "bench", version: "1" } });
	headers["MCP-Protocol-Version"] = "2025-11-25";
	await send('{"jsonrpc":"2.0","method":"notifications/initialized"}');
	const out = await timeCalls(async (name, args) => {
		const r = await post("tools/call", { name, arguments: args });
		if (r.error !== undefined || r.result.isError)
			throw new Error(`${name}: ${JSON.stringify(r)}`);
	}, pids);
	out.rss = pidOf();
	agent.destroy();
	return out;
}

// pids: the server's processes, for its CPU; pidOf: the one whose RSS.
async function run(transport, pids, pidOf) {
	const client = new Client({ name: "bench", version: "1.0.0" });
	await client.connect(transport);
	await client.listTools();
	const out = await timeCalls(async (name, args) => {
		const r = await client.callTool({ name, arguments: args });
		if (r.isError)
			throw new Error(`${name}: ${JSON.stringify(r.content)}`);
	}, () => pids(transport.pid));
	out.rss = pidOf(transport.pid);
	await client.close();
	return out;
}

// The bare client: a JSON-RPC line out, wait for its answer line.
async function raw(command, args, pids, pidOf) {
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
	const out = await timeCalls(async (name, args) => {
		const r = JSON.parse(await ask("tools/call", { name, arguments: args }));
		if (r.error !== undefined || r.result.isError)
			throw new Error(`${name}: ${JSON.stringify(r)}`);
	}, () => pids(child.pid));
	out.rss = pidOf(child.pid);
	child.stdin.end();
	await new Promise((r) => child.on("exit", r));
	return out;
}

const peerScript = fileURLToPath(new URL("./sdk_server.mjs", import.meta.url));
const httpPeer = spawn(process.execPath, [peerScript, "http", peerPort], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise((resolve) => createInterface({ input: httpPeer.stdout }).once("line", resolve));
const peerUrl = `http://127.0.0.1:${peerPort}/mcp`;
// orch's processes: the gateway and the supervisor, and the relay if any.
const orchPids = (relay) => [gatewayPid, supPid, ...(relay ? [relay] : [])];
const orchRss = () => rss(gatewayPid);
const httpOrch = await rawHttp(orchUrl, () => orchPids(), orchRss);
const httpPeerRaw = await rawHttp(peerUrl, () => [httpPeer.pid], () => rss(httpPeer.pid));
const httpOrchSdk = await run(new StreamableHTTPClientTransport(new URL(orchUrl)), () => orchPids(), orchRss);
const httpPeerSdk = await run(new StreamableHTTPClientTransport(new URL(peerUrl)), () => [httpPeer.pid],
    () => rss(httpPeer.pid));
httpPeer.kill();
const rawOrch = await raw(mcp, ["-L", instance], orchPids, orchRss);
const rawPeer = await raw(process.execPath, [peerScript], (pid) => [pid], (pid) => rss(pid));
const orch = await run(new StdioClientTransport({ command: mcp, args: ["-L", instance],
    env: process.env }), orchPids, orchRss);
const peer = await run(new StdioClientTransport({ command: process.execPath, args: [peerScript] }),
    (pid) => [pid], (pid) => rss(pid));

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
	console.log(`  ${"".padEnd(12)} server CPU a call: orch ${o.cpu.toFixed(1)} us, SDK ${p.cpu.toFixed(1)} us ` +
	    `(${(p.cpu / Math.max(o.cpu, 0.1)).toFixed(1)}x)`);
}
console.log(`  resident memory: orch gateway ${orch.rss} kB, SDK server ${peer.rss} kB ` +
    `(${(peer.rss / orch.rss).toFixed(1)}x)`);
};
show(`MCP tools/call over stdio, ${n} sequential calls each, a bare line client`, rawOrch, rawPeer);
show(`the same through the official SDK client (its own validation included)`, orch, peer);
show(`MCP tools/call over Streamable HTTP, ${n} sequential calls each, a bare client (node:http, keep-alive)`,
    httpOrch, httpPeerRaw);
show(`the same through the official SDK client`, httpOrchSdk, httpPeerSdk);
process.exit(0);
