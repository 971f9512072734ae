// Drives Debian's headless Chromium (through playwright-core) over a show's pages served by
// `audition serve`, and prints what it saw as JSON for tests/site.rs to judge:
//   node tests/site_check.js <site URL ending in /> <episode id> <screenshot folder>
// It plays, seeks, follows the transcript, opens ?t= links, walks the page with Tab, runs
// axe-core, looks with JavaScript off, and saves screenshots light and dark.
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const [site, id, shots] = process.argv.slice(2);
const origin = new URL(site).origin;
const episodeUrl = `${site}episodes/${id}.html`;
const axePath = require.resolve("axe-core/axe.min.js");

// The flags the machine's own probe starts Chromium with: its closed network refuses the
// background connections Chromium makes otherwise.
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage",
];

function watch(page, seen) {
  page.on("console", (m) => { if (m.type() === "error") seen.console.push(m.text()); });
  page.on("pageerror", (e) => seen.console.push(String(e)));
  page.on("response", (r) => { if (r.status() >= 400) seen.console.push(`${r.status()} ${r.url()}`); });
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:")) seen.foreign.push(u);
  });
}

async function metadata(page) {
  await page.waitForFunction(() => document.querySelector("audio").readyState >= 1, null, { timeout: 15000 });
}

const now = (page) => page.evaluate(() => document.querySelector("audio").currentTime);

async function axe(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
      help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return result;
}

// Presses Tab until focus comes back round, naming each element reached.
async function tabWalk(page) {
  const reached = [];
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press("Tab");
    const name = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      return e.getAttribute("data-tab-name");
    });
    if (name === null) { if (reached.length) break; else continue; }
    if (reached.includes(name)) break;
    reached.push(name);
  }
  return reached;
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS, headless: true });
  const out = { console: [], foreign: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    watch(page, out);

    // Play.
    await page.goto(episodeUrl, { waitUntil: "load" });
    await metadata(page);
    out.controlsShown = await page.isVisible(".controls");
    await page.evaluate(() => { document.querySelector("audio").muted = true; });
    await page.click("[data-action=play]");
    await page.waitForTimeout(1500);
    out.playedTo = await now(page);
    out.playLabel = await page.textContent("[data-action=play]");

    // The third chapter.
    const third = page.locator(".chapters li:nth-child(3) a[data-start]");
    out.thirdChapterStart = +(await third.getAttribute("data-start"));
    await third.click();
    await page.waitForTimeout(300);
    out.afterChapterClick = await now(page);
    out.currentChapter = await page.evaluate(() => {
      const c = document.querySelector(".chapters [aria-current]");
      return c && +c.getAttribute("data-start");
    });
    // The transcript's current cue, once the voice is back after the chapter's jingle.
    await page.waitForSelector(".transcript [aria-current]", { timeout: 10000 }).catch(() => {});
    out.cue = await page.evaluate(() => {
      const a = document.querySelector("audio");
      const c = document.querySelector(".transcript [aria-current]");
      return { time: a.currentTime, start: c && +c.getAttribute("data-start"),
        end: c && +c.getAttribute("data-end"), text: c && c.textContent,
        count: document.querySelectorAll(".transcript [aria-current]").length };
    });
    // A cue clicked seeks to it.
    const cue = page.locator(".transcript a[data-start]").nth(5);
    out.fifthCueStart = +(await cue.getAttribute("data-start"));
    await cue.click();
    await page.waitForTimeout(200);
    out.afterCueClick = await now(page);
    // Speed and skip.
    await page.selectOption(".controls select", "1.5");
    out.rate = await page.evaluate(() => document.querySelector("audio").playbackRate);
    const beforeSkip = await now(page);
    await page.click("[data-skip='30']");
    out.skipped = (await now(page)) - beforeSkip;
    await page.click("[data-action=play]");
    await page.waitForTimeout(200);
    out.pausedAt = await now(page);

    // The position is remembered.
    await page.goto(episodeUrl, { waitUntil: "load" });
    await metadata(page);
    await page.waitForTimeout(300);
    out.restoredTo = await now(page);

    // Deep links, both spellings.
    out.deepLinks = {};
    for (const t of ["83", "1:23"]) {
      const p = await context.newPage();
      watch(p, out);
      await p.goto(`${episodeUrl}?t=${t}`, { waitUntil: "load" });
      await metadata(p);
      await p.waitForTimeout(300);
      out.deepLinks[t] = await now(p);
      await p.close();
    }

    // Keyboard: every control reached with Tab.
    const tabPage = await context.newPage();
    await tabPage.goto(episodeUrl, { waitUntil: "load" });
    await metadata(tabPage);
    out.controls = await tabPage.evaluate(() => {
      const all = Array.from(document.querySelectorAll("a[href], button, select, [tabindex]"))
        .filter((e) => e.offsetParent !== null || e.getClientRects().length);
      return all.map((e, i) => {
        const name = `${e.tagName.toLowerCase()}#${i}:${(e.textContent || "").trim().slice(0, 30)}`;
        e.setAttribute("data-tab-name", name);
        return name;
      });
    });
    out.tabbed = await tabWalk(tabPage);
    out.focusRing = await tabPage.evaluate(() => {
      const b = document.querySelector("[data-action=play]");
      b.focus();
      const s = getComputedStyle(b);
      return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
    });
    // A shortcut: → moves on 30 s.
    await tabPage.evaluate(() => document.activeElement.blur());
    const t0 = await now(tabPage);
    await tabPage.keyboard.press("ArrowRight");
    out.arrowSkip = (await now(tabPage)) - t0;
    await tabPage.close();

    // axe-core, light and dark, on the episode page and the show's page.
    out.axe = {};
    for (const scheme of ["light", "dark"]) {
      const p = await context.newPage();
      await p.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
      for (const [name, url] of [["episode", episodeUrl], ["index", site], ["embed", `${site}episodes/${id}.embed.html`]]) {
        await p.goto(url, { waitUntil: "load" });
        out.axe[`${name}-${scheme}`] = await axe(p);
        if (name !== "embed") {
          await p.screenshot({ path: path.join(shots, `${name}-${scheme}.png`), fullPage: true });
        }
      }
      await p.close();
    }

    // Without JavaScript: the native player, the chapters and the transcript as text.
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const p = await plain.newPage();
    watch(p, out);
    await p.goto(episodeUrl, { waitUntil: "load" });
    out.withoutScript = await p.evaluate(() => ({
      nativeControls: document.querySelector("audio").hasAttribute("controls"),
      customHidden: document.querySelector(".controls").hidden,
      chapters: document.querySelectorAll(".chapters li").length,
      transcriptWords: (document.querySelector(".transcript") || { textContent: "" }).textContent.split(/\s+/).length,
      download: !!document.querySelector("a[download]"),
    }));
    await plain.close();
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
