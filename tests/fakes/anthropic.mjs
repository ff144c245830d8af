// A scripted stand-in for the Anthropic Messages API, for running the real
// Claude Code CLI offline. It answers step N of SCRIPT (a JSON file: an
// array of steps, each {"tool": NAME, "input": {...}} or {"text": "..."},
// either with "delay_ms": N to answer that much later; with "once": true
// only the first request for that step waits; with "when": REGEX it is
// the step for any request whose last user message (its text or a tool
// result in it) matches, whatever N; with "echo": true its text is
// followed by the last line the user said; {"status": 400, "error": "..."}
// answers with that API error)
// where N is how many assistant messages the request's conversation holds
// (Claude Code resends the whole conversation), so each tool result moves
// the script on. Requests without tools (titles, summaries) get a word.
// Every request body is appended to LOG, a JSON object a line.
//
// usage: node anthropic.mjs SCRIPT LOG PORTFILE   (the port it listens on
//        is written to PORTFILE)
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";

const [scriptPath, logPath, portPath] = process.argv.slice(2);
const script = JSON.parse(readFileSync(scriptPath, "utf8"));

function sse(res, events) {
	res.writeHead(200, { "content-type": "text/event-stream" });
	for (const e of events)
		res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
	res.end();
}

let answered = 0;
const served = new Set();

// Each message its own id: Claude Code merges those that share one.
function message(blocks, stop) {
	const events = [{ type: "message_start", message: { id: `msg_stand_in_${++answered}`,
	    type: "message", role: "assistant", model: "claude-stand-in",
	    content: [], stop_reason: null, stop_sequence: null,
	    usage: { input_tokens: 1, output_tokens: 1 } } }];
	blocks.forEach((b, index) => {
		if (b.tool !== undefined) {
			events.push({ type: "content_block_start", index,
			    content_block: { type: "tool_use", id: `toolu_${index}_${Date.now()}`,
			    name: b.tool, input: {} } });
			events.push({ type: "content_block_delta", index,
			    delta: { type: "input_json_delta", partial_json: JSON.stringify(b.input ?? {}) } });
		} else {
			events.push({ type: "content_block_start", index,
			    content_block: { type: "text", text: "" } });
			events.push({ type: "content_block_delta", index,
			    delta: { type: "text_delta", text: b.text } });
		}
		events.push({ type: "content_block_stop", index });
	});
	events.push({ type: "message_delta", delta: { stop_reason: stop, stop_sequence: null },
	    usage: { output_tokens: 1 } });
	events.push({ type: "message_stop" });
	return events;
}

const server = createServer((req, res) => {
	let body = "";
	req.on("data", (c) => { body += c; });
	req.on("end", () => {
		if (req.method !== "POST" || !req.url.startsWith("/v1/messages")) {
			res.writeHead(200, { "content-type": "application/json" });
			res.end("{}");
			return;
		}
		appendFileSync(logPath, body.replace(/\n/g, " ") + "\n");
		const r = JSON.parse(body);
		if (!Array.isArray(r.tools) || r.tools.length === 0) {
			sse(res, message([{ text: "orch" }], "end_turn"));
			return;
		}
		const last = [...r.messages].reverse().find((m) => m.role === "user");
		// What the user said last: the last text or tool result of its
		// message (Claude Code adds a prompt to a turn an error ended).
		const blocks = last === undefined ? [] : typeof last.content === "string" ?
		    [{ type: "text", text: last.content }] :
		    last.content.filter((c) => c.type === "text" || c.type === "tool_result");
		const end = blocks[blocks.length - 1];
		const said = end === undefined ? "" : end.type === "text" ? end.text : JSON.stringify(end.content);
		let step = script.findIndex((x) => x.when !== undefined && new RegExp(x.when).test(said));
		if (step < 0) {
			// Step N of those with no "when".
			const plain = script.filter((x) => x.when === undefined);
			const n = r.messages.filter((m) => m.role === "assistant").length;
			step = script.indexOf(plain[Math.min(n, plain.length - 1)]);
		}
		const s = script[step].echo ? { ...script[step],
		    text: `${script[step].text ?? ""}${said.split("\n").pop()}` } : script[step];
		const delay = s.once && served.has(step) ? 0 : s.delay_ms ?? 0;
		served.add(step);
		setTimeout(() => {
			if (s.status !== undefined) {
				// An API error, as the Messages API sends one.
				res.writeHead(s.status, { "content-type": "application/json" });
				res.end(JSON.stringify({ type: "error", error: { type: "invalid_request_error",
				    message: s.error ?? "scripted error" } }));
				return;
			}
			sse(res, message([s], s.tool !== undefined ? "tool_use" : "end_turn"));
		}, delay);
	});
});
server.listen(0, "127.0.0.1", () => {
	writeFileSync(portPath, String(server.address().port));
});
