// The asl-rs console's script (compiled into the server; the Content-Security-Policy allows
// no other). Everything works without it; it adds:
// - opening a state's visits from the graph (click, Enter or Space on a node);
// - live updates of a running execution (the page's live part fetched every second and
//   swapped in, until the execution ends).
(function () {
  "use strict";

  function visitsUrl(name) {
    var url = new URL(window.location.href);
    url.searchParams.set("state", name);
    url.hash = "visits";
    return url.toString();
  }

  function openState(node) {
    var name = node.getAttribute("data-state");
    if (name !== null) {
      window.location.assign(visitsUrl(name));
    }
  }

  function wireGraph(root) {
    var nodes = root.querySelectorAll(".graph g.state[data-state]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (!node.hasAttribute("tabindex")) {
        node.setAttribute("tabindex", "0");
      }
      node.setAttribute("role", "link");
      node.addEventListener("click", function (e) { openState(e.currentTarget); });
      node.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          openState(e.currentTarget);
        }
      });
    }
  }

  function live() {
    var region = document.getElementById("live");
    if (!region || region.getAttribute("data-running") !== "true") {
      return;
    }
    var url = region.getAttribute("data-live-url");
    var timer = window.setInterval(function () {
      var request = new XMLHttpRequest();
      request.open("GET", url + window.location.search);
      request.onload = function () {
        if (request.status !== 200) {
          window.clearInterval(timer);
          return;
        }
        var parsed = new DOMParser().parseFromString(request.responseText, "text/html");
        var fresh = parsed.getElementById("live");
        if (!fresh) {
          window.clearInterval(timer);
          return;
        }
        // Keep open <details> open across the swap.
        var open = {};
        var details = region.querySelectorAll("details[id][open]");
        for (var i = 0; i < details.length; i++) { open[details[i].id] = true; }
        region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes));
        var again = region.querySelectorAll("details[id]");
        for (var j = 0; j < again.length; j++) {
          if (open[again[j].id]) { again[j].setAttribute("open", ""); }
        }
        wireGraph(region);
        if (fresh.getAttribute("data-running") !== "true") {
          region.setAttribute("data-running", "false");
          window.clearInterval(timer);
          // The actions (Stop, Redrive) depend on the status: show the final page.
          window.location.reload();
        }
      };
      request.onerror = function () { window.clearInterval(timer); };
      request.send();
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireGraph(document);
    live();
  });
})();
