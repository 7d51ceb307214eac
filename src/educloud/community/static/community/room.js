// The live room of a community group (templates/community/group.html): chat, presence, new replies,
// hidden posts, notifications — over the WebSocket /ws/community/groups/<id>/ (consumers.py).
// User text is only ever set with textContent: nothing from the server becomes HTML.
(function () {
  "use strict";
  var room = document.getElementById("room");
  if (!room || !window.WebSocket) return;
  var groupId = room.dataset.group;
  var list = document.getElementById("messages");
  var online = document.getElementById("online");
  var status = document.getElementById("room-status");
  var errorBox = document.getElementById("chat-error");
  var notice = document.getElementById("live-notice");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var socket = null;
  var retry = 1000;
  var heartbeat = null;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function addMessage(m) {
    var li = document.createElement("li");
    li.dataset.post = String(m.id);
    li.appendChild(el("b", m.author));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", m.at, "hint"));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", m.body, "body"));
    list.appendChild(li);
    li.scrollIntoView({block: "nearest"});
  }

  function showPresence(people) {
    while (online.firstChild) online.removeChild(online.firstChild);
    people.forEach(function (p) {
      var li = el("li", p.name);
      li.dataset.user = String(p.id);
      online.appendChild(li);
    });
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = false;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/community/groups/" + groupId + "/");
    socket.addEventListener("open", function () {
      status.textContent = "已连接";
      room.dataset.live = "1";
      retry = 1000;
      heartbeat = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({type: "ping"}));
      }, 30000);
    });
    socket.addEventListener("message", function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data.type === "chat.message") addMessage(data);
      else if (data.type === "presence") showPresence(data.online || []);
      else if (data.type === "error") showError(data.detail || "出错了");
      else if (data.type === "post.hidden" && room.dataset.moderator !== "1") {
        var gone = list.querySelector('li[data-post="' + String(Number(data.id)) + '"]');
        if (gone) gone.remove();
      } else if (data.type === "thread.reply") showNotice("主题有新回复（" + data.author + "）");
      else if (data.type === "thread.new") showNotice("新主题：" + data.title);
      else if (data.type === "notify") showNotice(data.actor + " " + data.label + "（" + data.group + "）");
    });
    socket.addEventListener("close", function (e) {
      room.dataset.live = "0";
      if (heartbeat) window.clearInterval(heartbeat);
      if (e.code === 4401 || e.code === 4403) {
        status.textContent = "无法加入实时交流";
        return;
      }
      status.textContent = "连接断开，正在重连…";
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = input.value.trim();
    errorBox.hidden = true;
    if (!body) { showError("消息不能为空"); return; }
    if (body.length > 2000) { showError("消息过长：最多 2000 字"); return; }
    if (!socket || socket.readyState !== WebSocket.OPEN) { showError("尚未连接，请稍候"); return; }
    socket.send(JSON.stringify({type: "chat", body: body}));
    input.value = "";
  });

  connect();
})();
