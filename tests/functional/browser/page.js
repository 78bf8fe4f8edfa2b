// The browser side of browser_bundle.test.mjs: log in with fetch (the session cookie), connect with the
// official bundle's io() (no token: the cookie authenticates), send with ack, show what arrives.
/* global io */
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { socket: null, room: null, events: [] };
  window.suda = state;

  const setText = (id, text) => {
    $(id).textContent = text;
  };
  const addLine = (list, text) => {
    const li = document.createElement('li');
    li.textContent = text;
    $(list).appendChild(li);
  };
  window.addEventListener('error', (e) => addLine('errors', `error: ${e.message}`));
  document.addEventListener('securitypolicyviolation', (e) => addLine('errors', `CSP: ${e.violatedDirective} ${e.blockedURI}`));

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    state.room = $('room').value;
    setText('status', 'logging in');
    const res = await fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    if (res.status !== 200) {
      setText('status', `login failed: ${res.status}`);
      return;
    }
    setText('status', 'connecting');
    const socket = io({ reconnection: false });
    state.socket = socket;
    socket.onAny((name, payload) => state.events.push([name, payload]));
    socket.on('connect', () => {
      setText('status', 'connected');
      setText('transport', socket.io.engine.transport.name);
      socket.io.engine.on('upgrade', (t) => setText('transport', t.name));
    });
    socket.on('connect_error', (err) => setText('status', `connect_error: ${err.message}`));
    socket.on('disconnect', (reason) => setText('status', `disconnected: ${reason}`));
    socket.on('message', (m) => {
      if (m.roomId === state.room) addLine('messages', `${m.seq} ${m.author.displayName}: ${m.message}`);
    });
  });

  $('send-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('text').value;
    try {
      const ack = await state.socket.timeout(5000).emitWithAck('message', {
        roomId: state.room,
        message: text,
        clientMsgId: crypto.randomUUID ? crypto.randomUUID() : String(Math.random()),
      });
      setText('ack', ack.error ? `error ${ack.error.code}` : `seq ${ack.seq} ${ack.message}`);
    } catch (err) {
      setText('ack', `failed: ${err.message}`);
    }
  });
})();
