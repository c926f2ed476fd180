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
  const passageEndpoint = server + "/webhooks/widget/passage";
  const storeKey = "draaiboek-widget:" + server;
  const RETRY_MS = [1000, 2000, 4000, 8000];
  const REQUEST_TIMEOUT_MS = 45000;
  const MAX_HISTORY = 100;
  // room above an answer when it is scrolled to the top of the conversation
  const SCROLL_MARGIN = 8;
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
    typing: "De assistent typt…",
    restart: "Nieuw gesprek",
    restartLabel: "Nieuw gesprek: wis dit gesprek en begin opnieuw",
    restarted: "Nieuw gesprek gestart.",
    source: "Bron:",
    citation: "Open de passage: ",
    version: ", versie ",
    passageClose: "Sluit de passage",
    passageLoading: "Passage laden…",
    passageError: "De passage kon niet geladen worden. Probeer het opnieuw.",
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

  // Paragraph per line, "- " lines as a list, "Bron: " lines set apart at the end; with citations
  // from the server, the source lines become buttons that open each cited passage.
  function renderText(parent, text, cited) {
    let list = null;
    let source = null;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) { list = null; continue; }
      if (line.startsWith("Bron:") && cited) {
        if (!source) parent.append(renderCitations(cited));
        source = true;
        list = null;
      } else if (line.startsWith("Bron:")) {
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

  // "Draaiboek Lokale Partnerschappen, versie 6"; a document whose version is its date: the title only
  function documentLabel(c) {
    return c.title + (c.version && c.version !== c.date ? TEXT.version + c.version : "");
  }

  function citationLabel(c) {
    return documentLabel(c) + ", §" + c.section + " " + c.section_title;
  }

  function renderCitations(cited) {
    const box = el("div", "dbw-source");
    box.append(el("span", "dbw-source-label", TEXT.source));
    const list = el("ul", "dbw-citations");
    for (const c of cited) {
      const label = citationLabel(c);
      const button = el("button", "dbw-cite", label, { type: "button", "aria-label": TEXT.citation + label });
      button.addEventListener("click", () => openPassage(c, button));
      const item = el("li");
      item.append(button);
      list.append(item);
    }
    box.append(list);
    return box;
  }

  // --- the widget, in a shadow root so the intranet page's CSS and ours stay apart --------------
  const host = el("div", null, null, { "data-draaiboek-widget": "" });
  host.hidden = true;
  const root = host.attachShadow({ mode: "open" });
  const css = el("link", null, null, { rel: "stylesheet", href: server + "/webhooks/widget/widget.css" });
  const shown = () => { host.hidden = false; scrollToLatest(); };
  css.addEventListener("load", shown);
  css.addEventListener("error", shown);

  const frame = el("div", "dbw");
  const launcher = el("button", "dbw-launcher", TEXT.launcher,
    { type: "button", "aria-expanded": "false", "aria-controls": "dbw-panel" });
  const panel = el("div", "dbw-panel", null,
    { id: "dbw-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "dbw-title" });
  panel.hidden = true;
  const header = el("div", "dbw-header");
  const close = el("button", "dbw-close", "×", { type: "button", "aria-label": TEXT.close, title: TEXT.close });
  const restart = el("button", "dbw-restart", TEXT.restart,
    { type: "button", "aria-label": TEXT.restartLabel, title: TEXT.restartLabel });
  const tools = el("div", "dbw-tools");
  tools.append(restart, close);
  header.append(el("div", "dbw-title", title, { id: "dbw-title" }), tools);
  const log = el("div", "dbw-log", null,
    { role: "log", "aria-live": "polite", "aria-busy": "false", "aria-label": TEXT.log, tabindex: "0" });
  log.append(el("p", "dbw-intro", TEXT.intro));
  // the dots are for the eyes; screen readers hear "De assistent typt…" from the live region `waiting`
  const typingBox = el("div", "dbw-typing", null, { "aria-hidden": "true" });
  typingBox.append(el("span", "dbw-dot"), el("span", "dbw-dot"), el("span", "dbw-dot"));
  typingBox.hidden = true;
  const waiting = el("div", "dbw-sr dbw-waiting", null, { role: "status", "aria-live": "polite" });
  const status = el("div", "dbw-status", null, { role: "status" });
  const form = el("form", "dbw-form");
  const input = el("textarea", "dbw-input", null,
    { id: "dbw-input", rows: "2", maxlength: "1000", placeholder: TEXT.placeholder, autocomplete: "off" });
  const send = el("button", "dbw-send", TEXT.send, { type: "submit" });
  form.append(el("label", "dbw-sr", TEXT.input, { for: "dbw-input" }), input, send);
  // the cited passage, over the conversation
  const passage = el("div", "dbw-passage", null,
    { role: "dialog", "aria-modal": "true", "aria-labelledby": "dbw-passage-title", "aria-describedby": "dbw-passage-doc" });
  passage.hidden = true;
  const passageHead = el("div", "dbw-passage-head");
  const passageTitle = el("h2", "dbw-passage-title", null, { id: "dbw-passage-title" });
  const passageClose = el("button", "dbw-close dbw-passage-close", "×",
    { type: "button", "aria-label": TEXT.passageClose, title: TEXT.passageClose });
  passageHead.append(passageTitle, passageClose);
  const passageDoc = el("p", "dbw-passage-doc", null, { id: "dbw-passage-doc" });
  const passageBody = el("div", "dbw-passage-body", null, { tabindex: "0", role: "document", "aria-labelledby": "dbw-passage-title" });
  passage.append(passageHead, passageDoc, passageBody);
  panel.append(header, log, typingBox, waiting, status, form, passage);
  frame.append(panel, launcher);
  root.append(css, frame);

  function setOpen(open, moveFocus) {
    state.open = open;
    save();
    panel.hidden = !open;
    frame.classList.toggle("dbw-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      scrollToLatest();
      if (moveFocus) input.focus();
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(!state.open, true));
  close.addEventListener("click", () => setOpen(false, true));
  restart.addEventListener("click", newConversation);
  frame.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !state.open) return;
    event.preventDefault();
    if (!passage.hidden) closePassage();
    else setOpen(false, true);
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
  // The first answer of the latest turn: where the conversation opens and scrolls to.
  let latestAnswer = null;

  function renderMessage(message) {
    const item = el("div", "dbw-msg dbw-" + message.from);
    item.append(el("span", "dbw-sr", message.from === "user" ? TEXT.you : TEXT.bot));
    if (message.from === "user") item.append(el("p", null, message.text));
    else renderText(item, message.text || "", Array.isArray(message.citations) && message.citations.length ? message.citations : null);
    if (message.buttons && message.buttons.length) item.append(renderButtons(message));
    const previous = log.lastElementChild;
    log.append(item);
    if (message.from === "bot" && !(previous && previous.classList.contains("dbw-bot"))) latestAnswer = item;
    return item;
  }

  // A long answer opens at its first line, not at its source line; a short one shows the question too.
  function scrollToLatest() {
    if (panel.hidden) return;
    const bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = latestAnswer && latestAnswer.isConnected
      ? Math.min(bottom, latestAnswer.offsetTop - SCROLL_MARGIN) : bottom;
  }

  // Choices and ratings are one-off: after a click the group's buttons are disabled, the chosen one marked.
  // An answer's 👍/👎 form a group of their own, so a choice beside them ("Meer uitleg") leaves them usable.
  function renderButtons(message) {
    const isRating = (b) => /^\/feedback\b/.test(b.payload || "");
    const groups = document.createDocumentFragment();
    for (const feedback of [false, true]) {
      const indexes = message.buttons.map((b, i) => i).filter((i) => isRating(message.buttons[i]) === feedback);
      if (indexes.length) groups.append(renderGroup(message, indexes, feedback));
    }
    return groups;
  }

  function renderGroup(message, indexes, feedback) {
    const key = feedback ? "rated" : "chosen";
    const group = el("div", feedback ? "dbw-buttons dbw-feedback" : "dbw-buttons",
      null, { role: "group", "aria-label": feedback ? TEXT.feedback : TEXT.choices });
    for (const index of indexes) {
      const button = message.buttons[index];
      const node = el("button", "dbw-button", button.title, { type: "button" });
      if (feedback) node.setAttribute("aria-label", /"fout"/.test(button.payload) ? TEXT.bad : TEXT.good);
      node.setAttribute("aria-pressed", String(message[key] === index));
      node.disabled = message[key] != null;
      node.addEventListener("click", () => {
        message[key] = index;
        group.querySelectorAll("button").forEach((b, i) => {
          b.disabled = true;
          b.setAttribute("aria-pressed", String(indexes[i] === index));
        });
        ask(button.title, button.payload || button.title);
        input.focus();
      });
      group.append(node);
    }
    return group;
  }

  function add(message) {
    state.history.push(message);
    save();
    return renderMessage(message);
  }

  function ask(shown, message) {
    add({ from: "user", text: shown });
    log.scrollTop = log.scrollHeight;
    state.queue.push(message);
    save();
    pump();
  }

  function setWaiting(on) {
    typingBox.hidden = !on;
    log.setAttribute("aria-busy", String(on));
    waiting.textContent = on ? TEXT.typing : "";
  }

  // One message at a time, in order; a message leaves the queue only once it is answered.
  let busy = false;
  async function pump() {
    if (busy) return;
    busy = true;
    while (state.queue.length) {
      const sender = state.sender;
      setWaiting(true);
      log.scrollTop = log.scrollHeight;
      const replies = await post(state.queue[0], sender);
      setWaiting(false);
      if (sender !== state.sender) continue; // "Nieuw gesprek" in the meantime: the old answer is dropped
      state.queue.shift();
      let first = null;
      for (const reply of replies) {
        const text = [reply.text, reply.image].filter((part) => typeof part === "string").join("\n");
        const buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
        const citations = Array.isArray(reply.citations) ? reply.citations.filter(validCitation) : [];
        if (!text && !buttons.length) continue;
        const item = add(Object.assign({ from: "bot", text, buttons }, citations.length ? { citations } : {}));
        first = first || item;
      }
      if (first) latestAnswer = first;
      scrollToLatest();
      save();
    }
    busy = false;
  }

  function validCitation(c) {
    return c && ["document", "title", "version", "section", "section_title"].every((k) => typeof c[k] === "string");
  }

  // "Nieuw gesprek": a new conversation id (so an empty conversation on the server), no history, no queue.
  function newConversation() {
    closePassage(false);
    state.sender = newId();
    state.history = [];
    state.queue = [];
    save();
    log.replaceChildren(el("p", "dbw-intro", TEXT.intro));
    latestAnswer = null;
    setWaiting(false);
    showStatus(TEXT.restarted);
    input.value = "";
    input.focus();
  }

  async function post(message, sender) {
    for (let attempt = 0; ; attempt++) {
      let code = 0;
      try {
        const response = await fetch(endpoint, {
          method: "POST",
          headers: Object.assign({ "Content-Type": "application/json" }, token ? { Authorization: "Bearer " + token } : {}),
          body: JSON.stringify({ sender, message }),
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
      if (sender !== state.sender) return [];
      showStatus(TEXT.offline);
      await pause(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      if (sender !== state.sender) return [];
    }
  }

  let statusTimer = 0;
  function showStatus(text) {
    clearTimeout(statusTimer);
    status.textContent = text;
    status.classList.toggle("dbw-status-shown", !!text);
    if (text === TEXT.back || text === TEXT.restarted) statusTimer = setTimeout(() => showStatus(""), 4000);
  }

  // --- the cited passage: fetched from the server, shown over the conversation ------------------
  let passageOpener = null;
  let passageRequest = 0;

  async function openPassage(c, opener) {
    passageOpener = opener;
    const request = ++passageRequest;
    passageTitle.textContent = "§" + c.section + " " + c.section_title;
    passageDoc.textContent = documentLabel(c) + (c.date ? " (" + c.date + ")" : "");
    passageBody.replaceChildren(el("p", "dbw-passage-note", TEXT.passageLoading));
    for (const node of [header, log, form]) node.inert = true;
    passage.hidden = false;
    passageClose.focus();
    let found = null;
    try {
      const url = passageEndpoint + "?doc=" + encodeURIComponent(c.document) + "&section=" + encodeURIComponent(c.section);
      const response = await fetch(url, { headers: token ? { Authorization: "Bearer " + token } : {} });
      const body = await response.json();
      found = response.ok && body && Array.isArray(body.passages) ? body : null;
      if (!found && request === passageRequest) {
        passageBody.replaceChildren(el("p", "dbw-passage-note", typeof body.error === "string" ? body.error : TEXT.passageError));
      }
    } catch (e) {
      if (request === passageRequest) passageBody.replaceChildren(el("p", "dbw-passage-note", TEXT.passageError));
    }
    if (!found || request !== passageRequest || passage.hidden) return;
    // the section's heading is the dialog's title already
    const texts = found.passages.map(String).filter((text) => text.trim() !== c.section_title);
    passageBody.replaceChildren(...texts.map((text) => el("p", null, text)));
  }

  function closePassage(moveFocus = true) {
    if (passage.hidden) return;
    passageRequest++;
    passage.hidden = true;
    for (const node of [header, log, form]) node.inert = false;
    if (moveFocus && passageOpener && passageOpener.isConnected) passageOpener.focus();
    passageOpener = null;
  }

  passageClose.addEventListener("click", () => closePassage());
  // Tab stays inside the passage while it is open (close button, text)
  passage.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const first = passageClose;
    const last = passageBody;
    const active = root.activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  });

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
