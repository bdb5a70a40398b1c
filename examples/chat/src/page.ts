/**
 * GET / : a page to try the chat in a browser, with its script inline (no
 * other request). Messages are shown with `textContent`, never as HTML, so a
 * message cannot inject markup into the page of the room.
 */
export const chatPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fastts chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { list-style: none; padding: 0; min-height: 12rem; border: 1px solid #ccc; padding: .5rem; }
  .notice { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>fastts chat</h1>
<form id="join">
  <label>Room <input id="room" value="lobby" pattern="[a-z0-9]+(-[a-z0-9]+)*" maxlength="32" required></label>
  <label>Token <select id="token"><option>ada-token</option><option>bob-token</option><option>cy-token</option><option>wrong-token</option></select></label>
  <button>Join</button>
</form>
<ul id="log"></ul>
<form id="say"><input id="text" autocomplete="off" size="40" disabled> <button disabled>Send</button></form>
<script>
  const log = document.getElementById('log');
  const say = document.getElementById('say');
  let socket;
  function show(text, className) {
    const li = document.createElement('li');
    li.textContent = text;
    if (className) li.className = className;
    log.append(li);
  }
  function enable(on) {
    for (const el of say.elements) el.disabled = !on;
  }
  document.getElementById('join').addEventListener('submit', (event) => {
    event.preventDefault();
    if (socket) socket.close();
    const room = document.getElementById('room').value;
    const token = document.getElementById('token').value;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(scheme + '//' + location.host + '/rooms/' + encodeURIComponent(room) + '?token=' + encodeURIComponent(token));
    socket = ws;
    ws.onopen = () => enable(true);
    ws.onmessage = (message) => {
      const e = JSON.parse(message.data);
      const time = new Date(e.at).toLocaleTimeString();
      if (e.kind === 'message') show(time + ' ' + e.user + ': ' + e.text);
      else show(time + ' ' + e.text, 'notice');
    };
    // A refused handshake (a wrong token, a bad room name) reaches a script only as a close with 1006.
    ws.onclose = (close) => {
      if (socket === ws) enable(false);
      show('disconnected (' + close.code + (close.reason ? ': ' + close.reason : '') + ')', 'notice');
    };
  });
  say.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('text');
    if (input.value.trim() !== '') socket.send(input.value);
    input.value = '';
  });
</script>
</body>
</html>
`;
