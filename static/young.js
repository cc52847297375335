// Counts the characters left in a free-text answer as the young person types (the page works without it).
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-max]").forEach(function (box) {
    var max = parseInt(box.getAttribute("data-max"), 10);
    var count = document.getElementById(box.id + "-count");
    if (!count) { return; }
    function characters(n) {
      return n.toLocaleString("en-GB") + (n === 1 ? " character" : " characters");
    }
    function update() {
      var left = max - box.value.length;
      count.textContent = left >= 0
        ? "You have " + characters(left) + " left"
        : "You have " + characters(-left) + " too many";
      count.className = left >= 0 ? "count" : "count over";
    }
    box.addEventListener("input", update);
    update();
  });
})();
