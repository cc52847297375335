// The SMS simulator (templates/sms/simulator.html), which works without this. The stylesheet opens the thread box
// at its newest text, and after a text the page comes back at #reply, the reply box, where the browser puts the
// cursor. Once the page has loaded, this makes sure of both (a browser that does neither), and brings the whole
// reply box into view. When the form came back with a problem, the list of problems takes focus instead.
(function () {
  "use strict";
  function newestInView(thread) {
    var newest = thread.querySelector("li:last-child");
    if (!newest) {
      return;
    }
    var below = newest.getBoundingClientRect().bottom - thread.getBoundingClientRect().bottom;
    if (below > 0) {
      thread.scrollTop += below + 16;
    }
  }

  function settle() {
    var thread = document.getElementById("thread");
    if (thread) {
      newestInView(thread);
    }
    var problems = document.querySelector(".error-summary");
    if (problems) {
      problems.focus();
      return;
    }
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    var compose = target && target.closest(".sim-compose");
    if (!compose) {
      return;
    }
    if (document.activeElement !== target) {
      target.focus({ preventScroll: true });
    }
    if (compose.getBoundingClientRect().bottom > window.innerHeight) {
      compose.scrollIntoView({ block: "end" });
    }
  }

  // After the load event: the browser's own move to #reply is done by then, and this does not undo it.
  if (document.readyState === "complete") {
    settle();
  } else {
    window.addEventListener("load", settle);
  }
})();
