/* Draaiboek-assistent web widget: one script tag, no dependencies, no build step.
 *   <script src="http://HOST:5005/webhooks/widget/widget.js" data-server="http://HOST:5005" defer></script>
 * Talks to the Rasa channel bot.channels.widget.WidgetInput (POST {server}/webhooks/widget/webhook).
 * Message text only ever reaches the page through textContent; links only for http(s) and mailto. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || document.querySelector("[data-draaiboek-widget]")) return;

  const server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const title = script.dataset.title || "Draaiboek-assistent";
  // set where the server requires a channel token (DRAAIBOEK_CHANNEL_TOKEN)
  const token = script.dataset.token || "";
  const endpoint = server + "/webhooks/widget/webhook";
  const storeKey = "draaiboek-widget:" + server;
  const RETRY_MS = [1000, 2000, 4000, 8000];
  const REQUEST_TIMEOUT_MS = 45000;
  const MAX_HISTORY = 100;
  const LINK = /(https?:\/\/[^\s<>"']+|[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})/i;
  const TEXT = {
    launcher: "Vraag het de assistent",
    close: "Sluit de assistent",
    log: "Gesprek met de assistent",
    input: "Je vraag",
    placeholder: "Stel je vraag over de draaiboeken…",
    send: "Verstuur",
    intro: "Hallo! Ik beantwoord vragen over de draaiboeken van VDAB en vermeld altijd de bron. " +
      "Deel hier geen persoonsgegevens van cliënten.",
    you: "Jij: ",
    bot: "Assistent: ",
    typing: "De assistent schrijft een antwoord…",
    offline: "Verbinding verbroken – opnieuw proberen…",
    back: "Verbinding hersteld.",
    error: "Er ging iets mis (fout {status}). Probeer het opnieuw.",
    empty: "Ik kreeg geen antwoord. Probeer het opnieuw.",
    choices: "Keuzes",
    feedback: "Was dit antwoord juist?",
    good: "Goed antwoord",
    bad: "Fout antwoord",
  };

  // --- state: sender id, rendered history and unsent messages, kept per tab --------------------
  const state = load();

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storeKey));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.history)) {
        return { sender: saved.sender, history: saved.history, queue: saved.queue || [], open: !!saved.open };
      }
    } catch (e) { /* unreadable storage: start a new conversation */ }
    return { sender: newId(), history: [], queue: [], open: false };
  }

  function save() {
    state.history = state.history.slice(-MAX_HISTORY);
    try { sessionStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* storage full or blocked */ }
  }

  // crypto.randomUUID needs a secure context; an intranet page over plain http is not one.
  function newId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "widget-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- DOM helpers: text goes in through textContent only ---------------------------------------
  function el(tag, className, text, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  function safeHref(candidate) {
    if (candidate.includes("@") && !/^https?:/i.test(candidate)) return "mailto:" + candidate;
    try {
      const url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // Appends `text` to `node`, with URLs and e-mail addresses as links.
  function linkify(node, text) {
    let rest = text;
    let match;
    while ((match = LINK.exec(rest))) {
      let found = match[0];
      const trailing = /[.,;:!?)\]]+$/.exec(found);
      if (trailing) found = found.slice(0, -trailing[0].length);
      node.append(rest.slice(0, match.index));
      const href = safeHref(found);
      if (href) {
        const a = el("a", null, found, { href, rel: "noopener noreferrer" });
        if (!href.startsWith("mailto:")) a.target = "_blank";
        node.append(a);
      } else {
        node.append(found);
      }
      rest = rest.slice(match.index + found.length);
    }
    node.append(rest);
    return node;
  }

  // Paragraph per line, "- " lines as a list, "Bron: " lines set apart at the end.
  function renderText(parent, text) {
    let list = null;
    let source = null;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) { list = null; continue; }
      if (line.startsWith("Bron:")) {
        if (source) source.append(el("br"));
        else parent.append((source = el("p", "dbw-source")));
        linkify(source, line);
        list = null;
      } else if (line.startsWith("- ")) {
        if (!list) parent.append((list = el("ul")));
        list.append(linkify(el("li"), line.slice(2)));
        source = null;
      } else {
        parent.append(linkify(el("p"), line));
        list = source = null;
      }
    }
  }

  // --- the widget, in a shadow root so the intranet page's CSS and ours stay apart --------------
  const host = el("div", null, null, { "data-draaiboek-widget": "" });
  host.hidden = true;
  const root = host.attachShadow({ mode: "open" });
  const css = el("link", null, null, { rel: "stylesheet", href: server + "/webhooks/widget/widget.css" });
  css.addEventListener("load", () => { host.hidden = false; });
  css.addEventListener("error", () => { host.hidden = false; });

  const frame = el("div", "dbw");
  const launcher = el("button", "dbw-launcher", TEXT.launcher,
    { type: "button", "aria-expanded": "false", "aria-controls": "dbw-panel" });
  const panel = el("div", "dbw-panel", null,
    { id: "dbw-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "dbw-title" });
  panel.hidden = true;
  const header = el("div", "dbw-header");
  const close = el("button", "dbw-close", "×", { type: "button", "aria-label": TEXT.close, title: TEXT.close });
  header.append(el("div", "dbw-title", title, { id: "dbw-title" }), close);
  const log = el("div", "dbw-log", null,
    { role: "log", "aria-live": "polite", "aria-label": TEXT.log, tabindex: "0" });
  log.append(el("p", "dbw-intro", TEXT.intro));
  const typingBox = el("div", "dbw-typing", null, { "aria-hidden": "true" });
  typingBox.append(el("span", "dbw-dot"), el("span", "dbw-dot"), el("span", "dbw-dot"), el("span", "dbw-sr", TEXT.typing));
  typingBox.hidden = true;
  const status = el("div", "dbw-status", null, { role: "status" });
  const form = el("form", "dbw-form");
  const input = el("textarea", "dbw-input", null,
    { id: "dbw-input", rows: "2", maxlength: "1000", placeholder: TEXT.placeholder, autocomplete: "off" });
  const send = el("button", "dbw-send", TEXT.send, { type: "submit" });
  form.append(el("label", "dbw-sr", TEXT.input, { for: "dbw-input" }), input, send);
  panel.append(header, log, typingBox, status, form);
  frame.append(panel, launcher);
  root.append(css, frame);

  function setOpen(open, moveFocus) {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      log.scrollTop = log.scrollHeight;
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(!state.open, true));
  close.addEventListener("click", () => setOpen(false, true));
  frame.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.open) { event.preventDefault(); setOpen(false, true); }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text, text);
  });

  // --- messages ---------------------------------------------------------------------------------
  function renderMessage(message) {
    const item = el("div", "dbw-msg dbw-" + message.from);
    item.append(el("span", "dbw-sr", message.from === "user" ? TEXT.you : TEXT.bot));
    if (message.from === "user") item.append(el("p", null, message.text));
    else renderText(item, message.text || "");
    if (message.buttons && message.buttons.length) item.append(renderButtons(message));
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function renderButtons(message) {
    const feedback = message.buttons.every((b) => /^\/feedback\b/.test(b.payload || ""));
    const group = el("div", feedback ? "dbw-buttons dbw-feedback" : "dbw-buttons",
      null, { role: "group", "aria-label": feedback ? TEXT.feedback : TEXT.choices });
    message.buttons.forEach((button, index) => {
      const node = el("button", "dbw-button", button.title, { type: "button" });
      if (feedback) {
        node.setAttribute("aria-label", /"fout"/.test(button.payload) ? TEXT.bad : TEXT.good);
        node.setAttribute("aria-pressed", String(message.rated === index));
        node.disabled = message.rated != null;
      }
      node.addEventListener("click", () => {
        if (feedback) {
          message.rated = index; // one rating per answer
          group.querySelectorAll("button").forEach((b, i) => {
            b.disabled = true;
            b.setAttribute("aria-pressed", String(i === index));
          });
        }
        ask(button.title, button.payload || button.title);
        input.focus();
      });
      group.append(node);
    });
    return group;
  }

  function add(message) {
    state.history.push(message);
    save();
    renderMessage(message);
  }

  function ask(shown, message) {
    add({ from: "user", text: shown });
    state.queue.push(message);
    save();
    pump();
  }

  // One message at a time, in order; a message leaves the queue only once it is answered.
  let busy = false;
  async function pump() {
    if (busy) return;
    busy = true;
    while (state.queue.length) {
      typingBox.hidden = false;
      log.scrollTop = log.scrollHeight;
      const replies = await post(state.queue[0]);
      state.queue.shift();
      typingBox.hidden = true;
      for (const reply of replies) {
        const text = [reply.text, reply.image].filter((part) => typeof part === "string").join("\n");
        const buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
        if (text || buttons.length) add({ from: "bot", text, buttons });
      }
      save();
    }
    busy = false;
  }

  async function post(message) {
    for (let attempt = 0; ; attempt++) {
      let code = 0;
      try {
        const response = await fetch(endpoint, {
          method: "POST",
          headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}),
          body: JSON.stringify({ sender: state.sender, message }),
          signal: AbortSignal.timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
        });
        code = response.status;
        if (response.ok) {
          const replies = await response.json();
          showStatus(attempt > 0 ? TEXT.back : "");
          return Array.isArray(replies) && replies.length ? replies : [{ text: TEXT.empty }];
        }
      } catch (e) { /* network error, timeout or unreadable reply: retry */ }
      if (code >= 400 && code < 500) {
        showStatus("");
        return [{ text: TEXT.error.replace("{status}", code) }];
      }
      showStatus(TEXT.offline);
      await pause(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
    }
  }

  let statusTimer = 0;
  function showStatus(text) {
    clearTimeout(statusTimer);
    status.textContent = text;
    status.classList.toggle("dbw-status-shown", !!text);
    if (text === TEXT.back) statusTimer = setTimeout(() => showStatus(""), 4000);
  }

  // Waits `ms`, or less when the browser says it is back online.
  function pause(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener("online", done);
    });
  }

  function start() {
    state.history.forEach(renderMessage);
    document.body.append(host);
    setOpen(state.open, false);
    if (state.queue.length) pump();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
