// Audition's episode player: enhances the plain <audio controls> of an episode page (or its
// embed) with skip buttons, playback speed, keyboard shortcuts, a remembered position, ?t=
// deep links, and chapters and a transcript that follow the voice. Without this script the
// page still plays, and its chapters and transcript are plain text and links.
(function () {
  "use strict";
  var page = document.querySelector("[data-episode]");
  copyButtons();
  if (!page) return;
  var audio = page.querySelector("audio");
  var bar = page.querySelector(".controls");
  if (!audio || !bar) return;
  var id = page.getAttribute("data-episode");
  var key = "audition:" + location.pathname + ":" + id;
  var reduced = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var chapters = Array.prototype.slice.call(page.querySelectorAll(".chapters [data-start]"));
  var cues = Array.prototype.slice.call(page.querySelectorAll(".transcript [data-start]"));
  var play = bar.querySelector("[data-action=play]");
  var speed = bar.querySelector("select");
  var clock = bar.querySelector(".clock");

  bar.hidden = false;
  audio.controls = false;

  function seek(seconds, andPlay) {
    var end = isFinite(audio.duration) ? audio.duration : seconds;
    audio.currentTime = Math.max(0, Math.min(seconds, end));
    if (andPlay) start();
    mark();
  }
  function start() {
    var p = audio.play();
    if (p && p.catch) p.catch(function () {});
  }
  function toggle() {
    if (audio.paused) start(); else audio.pause();
  }
  function clockText(s) {
    s = Math.max(0, Math.floor(s || 0));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }
  // ?t=83, ?t=1:23, ?t=1:02:03 or ?t=1h2m3s
  function deepLink() {
    var t = new URLSearchParams(location.search).get("t");
    if (!t) return null;
    var m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(t);
    if (t.indexOf(":") >= 0) {
      return t.split(":").reduce(function (a, p) { return a * 60 + (parseFloat(p) || 0); }, 0);
    }
    if (m && t) return (+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0));
    return null;
  }
  function current(list, now) {
    var found = null;
    for (var i = 0; i < list.length; i++) {
      if (+list[i].getAttribute("data-start") <= now + 0.05) found = list[i]; else break;
    }
    return found;
  }
  function setCurrent(list, item) {
    for (var i = 0; i < list.length; i++) {
      if (list[i] === item) list[i].setAttribute("aria-current", "true");
      else list[i].removeAttribute("aria-current");
    }
  }
  var lastCue = null;
  function mark() {
    var now = audio.currentTime;
    setCurrent(chapters, current(chapters, now));
    var cue = current(cues, now);
    if (cue && +cue.getAttribute("data-end") < now) cue = null;
    setCurrent(cues, cue);
    if (cue && cue !== lastCue) {
      var box = cue.closest(".transcript");
      if (box && box.scrollHeight > box.clientHeight) {
        var top = cue.offsetTop - box.offsetTop - box.clientHeight / 3;
        box.scrollTo({ top: top, behavior: reduced ? "auto" : "smooth" });
      }
    }
    lastCue = cue;
    clock.textContent = clockText(now) + " / " + clockText(audio.duration);
  }
  function remember() {
    try {
      if (audio.ended) localStorage.removeItem(key);
      else if (audio.currentTime > 5) localStorage.setItem(key, String(audio.currentTime));
    } catch (e) { /* private browsing: nothing remembered */ }
  }

  bar.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    var action = b.getAttribute("data-action");
    if (action === "play") toggle();
    else seek(audio.currentTime + (+b.getAttribute("data-skip") || 0), false);
  });
  speed.addEventListener("change", function () { audio.playbackRate = +speed.value; });
  page.addEventListener("click", function (e) {
    var link = e.target.closest("[data-start]");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    seek(+link.getAttribute("data-start"), true);
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (t && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) return;
    var k = e.key;
    if (k === " " && t && (t.tagName === "BUTTON" || t.tagName === "A")) return;
    if (k === " " || k === "k") toggle();
    else if (k === "ArrowLeft" || k === "j") seek(audio.currentTime - 15, false);
    else if (k === "ArrowRight" || k === "l") seek(audio.currentTime + 30, false);
    else if (k === ">" || k === "<") {
      var i = speed.selectedIndex + (k === ">" ? 1 : -1);
      if (i >= 0 && i < speed.options.length) { speed.selectedIndex = i; audio.playbackRate = +speed.value; }
    } else return;
    e.preventDefault();
  });
  audio.addEventListener("play", function () {
    play.setAttribute("aria-pressed", "true");
    play.textContent = play.getAttribute("data-pause");
  });
  audio.addEventListener("pause", function () {
    play.setAttribute("aria-pressed", "false");
    play.textContent = play.getAttribute("data-play");
    remember();
  });
  audio.addEventListener("timeupdate", mark);
  audio.addEventListener("loadedmetadata", mark);
  audio.addEventListener("ended", remember);
  var saved = 0;
  audio.addEventListener("timeupdate", function () {
    if (Date.now() - saved > 5000) { saved = Date.now(); remember(); }
  });

  var asked = deepLink();
  var stored = null;
  try { stored = parseFloat(localStorage.getItem(key)); } catch (e) { stored = null; }
  var from = asked !== null ? asked : (stored > 0 ? stored : null);
  if (from !== null) {
    var go = function () { seek(from, asked !== null); };
    if (audio.readyState >= 1) go(); else audio.addEventListener("loadedmetadata", go, { once: true });
  }
  mark();

  function copyButtons() {
    var buttons = document.querySelectorAll("[data-copy]");
    Array.prototype.forEach.call(buttons, function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var done = function () {
          var said = b.getAttribute("data-copied");
          var was = b.textContent;
          b.textContent = said;
          setTimeout(function () { b.textContent = was; }, 2000);
        };
        if (navigator.clipboard) navigator.clipboard.writeText(b.getAttribute("data-copy")).then(done, function () {});
      });
    });
  }
})();
