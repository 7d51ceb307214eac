// Live notifications (mentions, replies, invitations) over /ws/community/notifications/: a count on
// the badge of the community's pages. Text is set with textContent only.
(function () {
  "use strict";
  var badge = document.getElementById("notif-badge");
  if (!badge || !window.WebSocket) return;
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + window.location.host + "/ws/community/notifications/");
  var count = 0;
  socket.addEventListener("message", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (err) { return; }
    if (data.type !== "notify") return;
    count += 1;
    badge.textContent = "+" + count;
    badge.title = data.actor + " " + data.label + "（" + data.group + "）";
  });
})();
