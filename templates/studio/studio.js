/* global document, window, sessionStorage, fetch, AbortController, Option, confirm */
// The template studio (/studio): the credential's HTML and CSS beside a live, watermarked PNG
// preview. Plain browser script, no framework: it calls the same API routes a client would, with
// the token the author typed once (sessionStorage: this tab only, gone when it closes).
'use strict';

(() => {
  const TOKEN_KEY = 'badgeworks.studio.token';
  // Previews are rate-limited per org (60 a minute): wait for a pause in typing before asking.
  const DEBOUNCE_MS = 500;
  const MAX_CREDENTIAL_PAGES = 20;
  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
    ctx: null,
    credentials: new Map(),
    previewUrl: null,
    seq: 0,
    timer: null,
    controller: null,
    dirty: false,
    /** the credential whose templates are in the editors ('' for none) */
    loaded: '',
  };

  const tenantBase = () =>
    `/api/credentials/orgs/${encodeURIComponent(state.ctx.org)}/users/${encodeURIComponent(state.ctx.user_id)}`;

  function call(method, path, body, signal) {
    const headers = { authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  }

  function setStatus(text, bad = false) {
    const el = $('status');
    el.textContent = text;
    el.classList.toggle('bad', bad);
  }

  /** The problems of an error answer: `html_template line 3: …` become {which, line, text}. */
  async function problemsOf(res) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON: a proxy's page */
    }
    const listed = body && Array.isArray(body.validationErrors) ? body.validationErrors : [];
    const fields = body && body.fieldErrors ? Object.values(body.fieldErrors).flat() : [];
    const texts = listed.length ? listed : fields.length ? fields : [];
    if (!texts.length) texts.push((body && body.status && body.status.description) || `HTTP ${res.status}`);
    return texts.map((text) => {
      const m = /^(html_template|css_template) line (\d+): /.exec(String(text));
      return m ? { which: m[1], line: Number(m[2]), text } : { which: null, line: null, text: String(text) };
    });
  }

  /** Puts the cursor on a line of a template, so an error's line is one click away. */
  function goToLine(which, line) {
    const area = $(which === 'css_template' ? 'css' : 'html');
    const lines = area.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const end = start + (lines[line - 1] || '').length;
    area.focus();
    area.setSelectionRange(start, end);
    const lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
    showPosition(area);
  }

  function showProblems(problems) {
    const list = $('errors');
    list.replaceChildren(
      ...problems.map((p) => {
        const li = document.createElement('li');
        li.textContent = p.text;
        if (p.line) {
          li.dataset.which = p.which;
          li.dataset.line = String(p.line);
          li.title = 'Go to this line';
          li.addEventListener('click', () => goToLine(p.which, p.line));
        } else {
          li.className = 'plain';
        }
        return li;
      }),
    );
    $('preview').classList.toggle('stale', problems.length > 0);
  }

  function showPosition(area) {
    const before = area.value.slice(0, area.selectionStart);
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    $(`${area.id}-pos`).textContent = `line ${line}, column ${col}`;
  }

  function selectedCredential() {
    return state.credentials.get($('credential').value);
  }

  function schedulePreview() {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(preview, DEBOUNCE_MS);
  }

  async function preview() {
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    const seq = ++state.seq;
    const body = { html_template: $('html').value, css_template: $('css').value, format: 'png' };
    const credential = selectedCredential();
    if (credential) body.credential = credential.entityId;
    const name = $('sample-name').value.trim();
    if (name) body.sample = { name };
    setStatus('Rendering…');
    let res;
    try {
      res = await call('POST', `${tenantBase()}/credentials/preview`, body, controller.signal);
      if (res.ok) {
        const blob = await res.blob();
        if (seq !== state.seq) return;
        const img = $('preview');
        const old = state.previewUrl;
        state.previewUrl = URL.createObjectURL(blob);
        img.src = state.previewUrl;
        img.dataset.seq = String(seq);
        if (old) URL.revokeObjectURL(old);
        showProblems([]);
        setStatus(state.dirty ? 'Preview up to date (not saved)' : 'Preview up to date');
        return;
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      setStatus(`The server did not answer: ${e.message}`, true);
      return;
    }
    if (seq !== state.seq) return;
    showProblems(await problemsOf(res));
    if (res.status === 429) {
      const wait = Number(res.headers.get('retry-after')) || 5;
      setStatus(`Too many previews; trying again in ${wait} s`, true);
      state.timer = window.setTimeout(preview, wait * 1000);
    } else {
      setStatus(res.status === 400 ? 'The template has problems' : `Preview failed (HTTP ${res.status})`, true);
    }
  }

  function loadCredential() {
    const c = selectedCredential();
    const fallback = state.ctx.default_template;
    // A credential without a template of its own is drawn with the default: edit that.
    $('html').value = c && c.html_template ? c.html_template : fallback.html_template;
    $('css').value = c && c.html_template ? c.css_template || '' : fallback.css_template;
    $('save').disabled = !c;
    state.dirty = false;
    showPosition($('html'));
    showPosition($('css'));
    preview();
  }

  async function listCredentials() {
    state.credentials.clear();
    let next = `${tenantBase()}/?page_size=100`;
    for (let page = 0; next && page < MAX_CREDENTIAL_PAGES; page++) {
      const res = await call('GET', next);
      if (!res.ok) throw new Error((await problemsOf(res))[0].text);
      const { result } = await res.json();
      for (const c of result.data) state.credentials.set(c.entityId, c);
      // The links are absolute under PUBLIC_BASE_URL; the CSP lets this page talk to its own origin only.
      next = result.next ? new URL(result.next).pathname + new URL(result.next).search : null;
    }
    const select = $('credential');
    const none = new Option('(none: sample data, not saved)', '');
    const options = [...state.credentials.values()].map((c) => new Option(`${c.name} (${c.entityId})`, c.entityId));
    select.replaceChildren(...options, none);
  }

  function showMergeFields() {
    $('fields').replaceChildren(
      ...state.ctx.merge_fields.map((f) => {
        const tr = document.createElement('tr');
        const cells = [f.tag, f.use, f.description, f.example || ''].map((text, i) => {
          const td = document.createElement('td');
          if (i < 2) {
            const code = document.createElement('code');
            code.textContent = text;
            td.append(code);
          } else {
            td.textContent = text;
          }
          return td;
        });
        for (const cell of cells.slice(0, 2)) {
          cell.firstChild.dataset.use = f.use;
          cell.firstChild.title = `Insert ${f.use}`;
        }
        tr.append(...cells);
        return tr;
      }),
    );
  }

  function insertField(text) {
    const area = $('html');
    area.focus();
    area.setRangeText(text, area.selectionStart, area.selectionEnd, 'end');
    markEdited();
  }

  function markEdited() {
    state.dirty = true;
    setStatus('Edited…');
    schedulePreview();
  }

  async function save() {
    const c = selectedCredential();
    if (!c) return;
    $('save').disabled = true;
    setStatus('Saving…');
    try {
      const body = { html_template: $('html').value, css_template: $('css').value };
      const res = await call('PUT', `${tenantBase()}/${encodeURIComponent(c.entityId)}`, body);
      if (!res.ok) {
        showProblems(await problemsOf(res));
        setStatus(`Not saved (HTTP ${res.status})`, true);
        return;
      }
      const { result } = await res.json();
      state.credentials.set(result.entityId, result);
      state.dirty = false;
      setStatus(`Saved: template version ${result.template_version}`);
    } catch (e) {
      setStatus(`Not saved: ${e.message}`, true);
    } finally {
      $('save').disabled = false;
    }
  }

  async function openQueueDashboard() {
    // The dashboard takes a short-lived HttpOnly cookie that this token buys; then it opens in a tab.
    const res = await call('POST', '/admin/queues/session');
    if (res.ok) window.open('/admin/queues', '_blank', 'noopener');
    else setStatus(`Queue dashboard refused (HTTP ${res.status})`, true);
  }

  async function signIn(token) {
    state.token = token;
    const res = await call('GET', '/api/studio/context');
    if (!res.ok) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new Error(res.status === 401 ? 'This token is not valid.' : (await problemsOf(res))[0].text);
    }
    const ctx = (await res.json()).result;
    if (!ctx.can_edit_templates) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new Error(`${ctx.user_id} is not a platform admin of ${ctx.org}: only they preview and save templates.`);
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    state.ctx = ctx;
    $('who').textContent = `${ctx.user_id} · ${ctx.org}`;
    $('signin').hidden = true;
    $('studio').hidden = false;
    $('signout').hidden = false;
    $('dashboard').hidden = !ctx.can_open_queue_dashboard;
    showMergeFields();
    await listCredentials();
    state.loaded = $('credential').value;
    loadCredential();
  }

  function wire() {
    $('signin').addEventListener('submit', (ev) => {
      ev.preventDefault();
      $('signin-error').textContent = '';
      signIn($('token').value.trim()).catch((e) => {
        $('signin-error').textContent = e.message;
      });
    });
    $('signout').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      window.location.reload();
    });
    $('dashboard').addEventListener('click', () => openQueueDashboard());
    $('credential').addEventListener('change', (ev) => {
      if (state.dirty && !confirm('Drop the unsaved changes to this template?')) {
        ev.target.value = state.loaded;
        return;
      }
      state.loaded = ev.target.value;
      loadCredential();
    });
    for (const area of [$('html'), $('css')]) {
      area.addEventListener('input', markEdited);
      for (const type of ['keyup', 'click', 'focus']) area.addEventListener(type, () => showPosition(area));
    }
    $('sample-name').addEventListener('input', schedulePreview);
    // Closing the tab or reloading with unsaved edits asks first (the browser's own prompt).
    window.addEventListener('beforeunload', (ev) => {
      if (state.dirty) ev.preventDefault();
    });
    $('save').addEventListener('click', save);
    $('fields').addEventListener('click', (ev) => {
      const use = ev.target && ev.target.dataset && ev.target.dataset.use;
      if (use) insertField(use);
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    wire();
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (!saved) {
      $('signin').hidden = false;
      return;
    }
    signIn(saved).catch((e) => {
      $('signin').hidden = false;
      $('signin-error').textContent = e.message;
    });
  });
})();
