// The web dashboard in a real browser: Debian's chromium, headless, driven
// by playwright-core. The page must go live over its event stream, show
// the supervisor's agents, and follow tasks submitted meanwhile (running,
// then ok, on the timeline too); its approve and deny buttons must decide
// held tasks; a page of another origin must not be able to approve, nor a
// request without the page's token; and the page may ask nothing of any
// host but its own.
//
// usage: node browser.mjs URL TOKEN ORCH-CTL INSTANCE DIR
//   URL is the gateway's http://127.0.0.1:PORT, TOKEN its mcp.token, DIR a
//   scratch directory the held tasks touch files in.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const [base, token, ctl, inst, dir] = process.argv.slice(2);
const origin = new URL(base).origin;
const access = "?token=" + encodeURIComponent(token);
let browser;
const fail = async (why) => {
	console.error(`browser: ${why}`);
	if (browser) await browser.close().catch(() => {});
	process.exit(1);
};
const orch = (...args) => execFileSync(ctl, ["-L", inst, ...args], { encoding: "utf8" });
const T = 15000;	// every wait below is on a condition, with this deadline
const waitFile = async (path) => {
	for (const end = Date.now() + T; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
		if (existsSync(path)) return;
	await fail(`${path} never appeared`);
};

browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox"],	// root here; the page is ours
});
const ctx = await browser.newContext();
const offsite = [], problems = [];
ctx.on("request", (r) => { if (new URL(r.url()).origin !== origin) offsite.push(r.url()); });
const page = await ctx.newPage();
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
// Refusals this script asks for itself are counted where they are asked.
let refusalsAsked = 0;
page.on("response", (r) => { if (r.status() >= 400 && refusalsAsked-- <= 0) problems.push(`${r.url()}: ${r.status()}`); });
page.on("console", (m) => { if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`); });
const step = async (what, p) => { try { return await p; } catch (e) { return fail(`${what}: ${e.message.split("\n")[0]}`); } };

await step("the page", page.goto(base + "/" + access));
await step("going live", page.waitForFunction(() => document.getElementById("conn").textContent === "live", null, { timeout: T }));

// The agents the supervisor has, and no other.
const want = JSON.parse(orch("status", "--json")).agents.map((a) => a.id).sort();
await step("the agents", page.waitForFunction((n) => document.querySelectorAll("#agents tbody tr").length === n, want.length, { timeout: T }));
const shown = (await page.$$eval("#agents tbody tr", (rows) => rows.map((r) => r.dataset.agent))).sort();
if (JSON.stringify(shown) !== JSON.stringify(want))
	await fail(`agents shown ${shown}, supervisor has ${want}`);

// Tasks submitted while the page watches: each seen running, then ok, its
// agent working then idle, and a bar on the timeline.
const row = (task, status) => `#tasks tbody tr[data-task="${task}"]` + (status ? `[data-status="${status}"]` : "");
const agentStatus = (a, st) => page.waitForFunction(([a, st]) => {
	const r = document.querySelector(`#agents tbody tr[data-agent="${a}"]`);
	return r && r.children[1].textContent === st;
}, [a, st], { timeout: T });
const seen0 = Number(await page.evaluate(() => document.body.dataset.seen));
const slow = orch("submit", "--agent", "w1", "--id", "slow", "--", "sleep 1.5").trim();
await step(`${slow} running`, page.waitForSelector(row(slow, "running"), { timeout: T }));
await step("w1 working", agentStatus("w1", "working"));
await step(`${slow} ok`, page.waitForSelector(row(slow, "ok"), { timeout: T }));
await step("w1 idle", agentStatus("w1", "idle"));
await step(`${slow} on the timeline`, page.waitForSelector(`#timeline rect[data-task="${slow}"]`, { state: "attached", timeout: T }));
const seen1 = Number(await page.evaluate(() => document.body.dataset.seen));
if (!(seen1 >= seen0 + 3))
	await fail(`the page drew ${seen1 - seen0} snapshots while ${slow} ran`);

// Two held tasks; the header counts them.
const yes = orch("submit", "--approval", "--agent", "w2", "--id", "yes", "--", `touch ${dir}/approved`).trim();
const no = orch("submit", "--approval", "--agent", "w3", "--id", "no", "--", `touch ${dir}/denied`).trim();
await step("held tasks", page.waitForSelector(`${row(no, "waiting")} button.deny`, { timeout: T }));
await step("approvals counted", page.waitForFunction(() => document.getElementById("approvals").textContent === "2", null, { timeout: T }));

// Without the page's token, from the page itself: refused.
refusalsAsked = 1;
const bare = await page.evaluate(async ([task, access]) => (await fetch("/api/approve" + access, {
	method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ task }),
})).status, [yes, access]);
if (bare !== 403)
	await fail(`a POST without the page token got ${bare}`);

// Another origin holding the token (even that): its fetch is refused, as
// JSON (a preflight nobody answers) and as a form-like text/plain post.
const pageToken = await page.getAttribute('meta[name="orch-token"]', "content");
const evil = await browser.newContext();
await evil.route("http://evil.test/**", (r) => r.fulfill({ contentType: "text/html", body: "<html><body>elsewhere</body></html>" }));
const ep = await evil.newPage();
await ep.goto("http://evil.test/");
const tries = await ep.evaluate(async ([url, task, tok]) => {
	const out = [];
	for (const init of [
		{ method: "POST", headers: { "Content-Type": "application/json", "X-Orch-Token": tok }, body: JSON.stringify({ task }) },
		{ method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ task }) },
	]) {
		try { const r = await fetch(url, init); out.push(r.type === "opaque" ? "opaque" : String(r.status)); }
		catch (e) { out.push("refused"); }
	}
	return out;
}, [base + "/api/approve" + access, yes, pageToken]);
if (tries[0] !== "refused")
	await fail(`another origin's JSON POST got ${tries[0]}`);
await evil.close();
const held = JSON.parse(orch("tasks", "--json")).tasks.find((t) => t.task === yes);
if (held?.status !== "waiting" || existsSync(`${dir}/approved`))
	await fail(`after another origin's POSTs (${tries}), ${yes} is ${held?.status}`);

// The buttons.
await page.click(`${row(yes, "waiting")} button.approve`);
await waitFile(`${dir}/approved`);
await step(`${yes} ok`, page.waitForSelector(row(yes, "ok"), { timeout: T }));
await step("approve's word", page.waitForFunction((t) => document.getElementById("alert").textContent === t + ": approved", yes, { timeout: T }));
await page.click(`${row(no, "waiting")} button.deny`);
await step(`${no} denied`, page.waitForFunction((sel) => {
	const r = document.querySelector(sel);
	return r && r.dataset.status === "failed" && r.children[6].textContent === "denied";
}, row(no), { timeout: T }));
await step("no approvals left", page.waitForFunction(() => document.getElementById("approvals").textContent === "0", null, { timeout: T }));
if (existsSync(`${dir}/denied`))
	await fail(`${no} ran though denied`);

await browser.close();
if (offsite.length)
	await fail(`the page asked other hosts: ${[...new Set(offsite)].join(" ")}`);
if (problems.length)
	await fail(problems.join("; "));
console.log(`browser: ok, ${seen1 - seen0} snapshots while one task ran, ${want.length} agents, approve and deny clicked`);
