// The consent window's page. Plain JavaScript, no framework, no inline
// script (the CSP forbids it). Every text from the program, and through it
// from the gateway and the technician, is set with textContent only.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const baseTitle = 'Tether: help on this computer';
  const views = ['starting', 'code', 'consent', 'connecting', 'helped', 'ended'];
  const scopeTitles = {
    diagnostics: 'Check the computer (diagnostics)',
    shell: 'Type commands (command shell)',
    screen: 'See your screen',
    control: 'Use your mouse, keyboard and clipboard',
  };
  let st = null;
  let keys = {}; // what was last rendered, so typing and switches are not reset
  let rating = 0;
  let wasWatched = false;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function hhmm(s) {
    const d = new Date(s);
    if (isNaN(d)) return '';
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }
  function name() { return (st && st.technician) || 'Your technician'; }

  async function post(path, body, errorId) {
    const err = errorId ? $(errorId) : null;
    if (err) err.textContent = '';
    let res;
    try {
      res = await fetch(path, { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
    } catch (e) {
      if (err) err.textContent = 'The Tether program on this computer does not answer.';
      return false;
    }
    if (res.ok) return true;
    let msg = 'That did not work (' + res.status + ').';
    try { const j = await res.json(); if (j && j.error) msg = j.error; } catch (e) { /* not JSON */ }
    if (err) err.textContent = msg;
    return false;
  }

  // scopeItem is one permission with a switch, its plain meaning and details.
  function scopeItem(s, inputName, checked, onChange) {
    const li = el('li');
    li.dataset.scope = s.scope;
    const label = el('label', null, 'switch');
    const input = el('input');
    input.type = 'checkbox';
    input.name = inputName;
    input.value = s.scope;
    input.checked = checked;
    input.setAttribute('role', 'switch');
    const text = el('span');
    text.append(el('span', scopeTitles[s.scope] || s.scope, 'title'), el('span', s.meaning));
    const state = el('span', '', 'state');
    text.append(el('br'), state);
    const sync = () => {
      state.textContent = input.checked ? 'On: allowed' : 'Off: not allowed';
      li.classList.toggle('off', !input.checked);
    };
    if (s.available === false) {
      input.disabled = true;
      input.checked = false;
      state.textContent = 'Not possible on this computer: ' + (s.why || 'unavailable');
    } else {
      sync();
      input.addEventListener('change', () => { sync(); if (onChange) onChange(input); });
    }
    label.append(input, text);
    li.append(label);
    if (s.details && s.details.length) {
      const ul = el('ul', null, 'details');
      for (const d of s.details) ul.append(el('li', d));
      li.append(ul);
    }
    return li;
  }

  function renderConsent() {
    $('consent-technician').textContent = name();
    const t = st.ticket || {};
    $('consent-ticket').textContent = '#' + (t.id || '?') + ' ' + (t.title ? '“' + t.title + '”' : '');
    $('consent-expires').textContent = st.expires_at ? 'This invitation expires at ' + hhmm(st.expires_at) + '.' : '';
    const key = JSON.stringify(st.scopes || []);
    if (keys.consent === key) return;
    keys.consent = key;
    const list = $('scope-list');
    list.replaceChildren();
    for (const s of st.scopes || []) list.append(scopeItem(s, 'scope', false));
  }

  function renderHelped() {
    const status = $('status');
    status.textContent = st.connected ? name() + ' is connected.' : name() + ' is not connected right now.';
    status.classList.toggle('away', !st.connected);
    $('chat-title').textContent = 'Chat with ' + name();

    const now = $('now');
    now.replaceChildren();
    const n = st.now || {};
    if (n.screen) now.append(el('li', name() + ' is watching your screen.', 'alert'));
    if (n.control) now.append(el('li', name() + ' is using your mouse and keyboard.', 'alert'));
    if (n.shell) now.append(el('li', name() + ' has a command shell open.'));
    if (n.diagnostics) {
      const li = el('li', name() + ' is running diagnostics.');
      if (n.diag_lines && n.diag_lines.length) {
        const ul = el('ul');
        for (const l of n.diag_lines) ul.append(el('li', l));
        li.append(ul);
      }
      now.append(li);
    }
    if (!now.children.length) now.append(el('li', st.connected ? 'Nothing is open. ' + name() + ' can chat with you.' : 'Nothing.'));

    const gkey = JSON.stringify(st.granted);
    if (keys.granted !== gkey) {
      keys.granted = gkey;
      const list = $('granted-list');
      list.replaceChildren();
      for (const s of st.granted) {
        list.append(scopeItem(s, 'granted', true, async (input) => {
          input.disabled = true;
          const ok = await post('/revoke', { scopes: [s.scope] }, 'granted-error');
          if (!ok) { input.checked = true; input.disabled = false; keys.granted = ''; }
        }));
      }
      if (!st.granted.length) list.append(el('li', 'Nothing: the technician can only chat with you.'));
    }

    const msgs = $('chat-messages');
    const ckey = st.chat.length + ':' + (st.chat.length ? st.chat[st.chat.length - 1].at : '');
    if (keys.chat !== ckey) {
      keys.chat = ckey;
      msgs.replaceChildren();
      for (const m of st.chat) {
        const li = el('li');
        li.dataset.sender = m.sender;
        li.append(el('span', (m.sender === 'user' ? 'You' : (m.author || name())) + ' · ' + hhmm(m.at), 'who'), el('span', m.text));
        msgs.append(li);
      }
      msgs.scrollTop = msgs.scrollHeight;
    }

    const act = $('activity');
    act.replaceChildren();
    for (const a of st.activity) {
      const li = el('li');
      const t = el('time', hhmm(a.at));
      t.dateTime = a.at;
      li.append(t, el('span', a.text));
      act.append(li);
    }
  }

  function renderDialogs() {
    const ask = st.ask;
    $('ask-dialog').hidden = !ask;
    if (ask && keys.ask !== ask.id) {
      keys.ask = ask.id;
      $('ask-title').textContent = (ask.technician || name()) + ' asks for more';
      $('ask-reason').textContent = ask.reason ? '“' + ask.reason + '”' : '';
      const list = $('ask-list');
      list.replaceChildren();
      for (const s of ask.scopes) list.append(scopeItem(s, 'ask-scope', false));
    }
    if (!ask) keys.ask = '';
    const file = st.file;
    $('file-dialog').hidden = !file;
    if (file) {
      const transfer = file.kind === 'transfer';
      $('file-title').textContent = transfer ? 'A file transfer' : 'May the diagnostics read this file?';
      $('file-allow').textContent = transfer ? 'Allow' : 'Yes, read it';
      $('file-deny').textContent = transfer ? 'Refuse' : 'No';
      $('file-note').hidden = !transfer;
      $('file-text').textContent = file.text;
    }
    const tr = st.phase === 'helped' ? st.transfer : null;
    $('transfer').hidden = !tr;
    if (tr) {
      $('transfer-text').textContent = tr.text;
      $('transfer-progress').hidden = !tr.active;
      $('transfer-progress').value = tr.total > 0 ? tr.done / tr.total : 0;
      $('transfer-stop').hidden = !tr.active;
    }
  }

  function renderEnded() {
    const e = st.ended || { reason: '' };
    $('ended-reason').textContent = e.reason;
    $('rating-form').hidden = !e.can_rate || e.rated;
    $('rating-thanks').hidden = !e.rated;
  }

  function renderWatched() {
    const n = (st.phase === 'helped' && st.now) || {};
    const banner = $('watched-banner');
    if (n.control) {
      document.title = '● Control taken · ' + baseTitle;
      banner.textContent = '● ' + name() + ' is using your mouse and keyboard and sees your screen';
    } else if (n.screen) {
      document.title = '● Screen shared · ' + baseTitle;
      banner.textContent = '● ' + name() + ' is watching your screen';
    } else {
      document.title = baseTitle;
    }
    banner.hidden = !(n.screen || n.control);
    const watched = !!(n.screen || n.control);
    if (watched && !wasWatched && 'Notification' in window && Notification.permission === 'granted') {
      try { new Notification('Tether: your screen is being watched', { body: name() + ' sees your screen now.' }); } catch (e) { /* banner is enough */ }
    }
    wasWatched = watched;
  }

  function render(next) {
    if (st && next.version < st.version) return;
    const entered = !st || st.phase !== next.phase;
    st = next;
    for (const v of views) $('view-' + v).hidden = v !== st.phase;
    const p = $('problem');
    p.textContent = st.problem || '';
    p.hidden = !st.problem;
    if (entered && st.phase === 'code') $('code-input').focus();
    if (st.phase === 'consent') renderConsent();
    if (st.phase === 'helped') renderHelped();
    if (st.phase === 'ended') renderEnded();
    renderDialogs();
    renderWatched();
  }

  function checked(container, inputName) {
    return Array.from(container.querySelectorAll('input[name="' + inputName + '"]:checked')).map((i) => i.value);
  }

  function askNotificationPermission(scopes) {
    if (!('Notification' in window) || Notification.permission !== 'default') return;
    if (!scopes.includes('screen') && !scopes.includes('control')) return;
    try { Notification.requestPermission(); } catch (e) { /* the banner is enough */ }
  }

  function wire() {
    $('code-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await post('/code', { code: $('code-input').value }, 'code-error');
    });
    $('consent-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const scopes = checked($('scope-list'), 'scope');
      if (!scopes.length) { $('consent-error').textContent = 'Switch on at least one permission, or press Decline.'; return; }
      askNotificationPermission(scopes);
      await post('/consent', { scopes }, 'consent-error');
    });
    $('decline').addEventListener('click', () => post('/consent', { decline: true, scopes: [] }, 'consent-error'));
    $('ask-allow').addEventListener('click', () => {
      const scopes = checked($('ask-list'), 'ask-scope');
      askNotificationPermission(scopes);
      post('/ask', { id: st.ask.id, scopes, decline: !scopes.length });
    });
    $('ask-decline').addEventListener('click', () => post('/ask', { id: st.ask.id, scopes: [], decline: true }));
    $('file-allow').addEventListener('click', () => post('/file', { id: st.file.id, allow: true }));
    $('file-deny').addEventListener('click', () => post('/file', { id: st.file.id, allow: false }));
    $('transfer-stop').addEventListener('click', () => post('/stop-files', {}, 'granted-error'));
    $('end').addEventListener('click', () => { $('end-box').hidden = false; $('end').hidden = true; });
    $('end-cancel').addEventListener('click', () => { $('end-box').hidden = true; $('end').hidden = false; });
    $('end-confirm').addEventListener('click', () => post('/end', {}, 'granted-error'));
    $('chat-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const input = $('chat-input');
      if (!input.value.trim()) return;
      if (await post('/say', { text: input.value }, 'chat-error')) input.value = '';
    });
    $('chat-input').addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); $('chat-form').requestSubmit(); }
    });
    for (const b of document.querySelectorAll('button[name="rating"]')) {
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => {
        rating = Number(b.value);
        for (const o of document.querySelectorAll('button[name="rating"]')) o.setAttribute('aria-pressed', String(o === b));
        $('rating-submit').disabled = false;
      });
    }
    $('rating-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!rating) return;
      // The program may quit as soon as the rating is sent: the answer to
      // this request, not a later state update, shows the thanks.
      post('/rate', { rating, comment: $('rating-comment').value }, 'rating-error').then((ok) => {
        if (!ok) return;
        $('rating-form').hidden = true;
        $('rating-thanks').hidden = false;
      });
    });
  }

  function connect() {
    const es = new EventSource('/events');
    es.onmessage = (ev) => {
      try { render(JSON.parse(ev.data)); } catch (e) { /* ignore a bad frame */ }
      // Nothing more can happen once the session ended and the rating is
      // done (or not possible): the program exits, so stop listening.
      if (st && st.phase === 'ended' && st.ended && (st.ended.rated || !st.ended.can_rate)) es.close();
    };
    es.onerror = () => {
      // After the end the program goes away: do not keep reconnecting to it.
      if (st && st.phase === 'ended') { es.close(); return; }
      if (st) {
        const p = $('problem');
        p.textContent = 'Lost contact with the Tether program on this computer. If you closed it, the session has ended.';
        p.hidden = false;
      }
    };
  }

  document.addEventListener('DOMContentLoaded', () => { wire(); connect(); });
})();
