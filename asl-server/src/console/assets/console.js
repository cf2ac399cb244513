// The asl-rs console's script (compiled into the server; the Content-Security-Policy allows
// no other). Everything works without it; it adds:
// - opening a state's visits from the graph (click, Enter or Space on a node);
// - "Fit to width" for a wide graph;
// - live updates of a running execution (the page's live part fetched a second after each
//   answer and swapped in only when it changed, keeping focus, open details and scroll
//   positions; the page reloads when the execution ends or a task token starts waiting).
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

  // "Fit to width" / "Actual size": the graph is drawn at its natural size and scrolls in
  // its box; fitting shrinks it to the box's width (for an overview).
  var fitted = false;

  function wireFit() {
    var button = document.getElementById("graph-fit");
    var box = document.getElementById("graph-box");
    if (!button || !box) {
      return;
    }
    button.hidden = false;
    box.classList.toggle("fit", fitted);
    button.setAttribute("aria-pressed", fitted ? "true" : "false");
    button.textContent = fitted ? "Actual size" : "Fit to width";
    if (!button.hasAttribute("data-wired")) {
      button.setAttribute("data-wired", "");
      button.addEventListener("click", function () {
        fitted = !fitted;
        wireFit();
      });
    }
  }

  // What has focus in the live part, as something found again after a swap: its id, the
  // graph node's state, or its place among the focusable elements of its nearest ancestor
  // with an id.
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function focusKey(region) {
    var el = document.activeElement;
    if (!el || el === document.body || !region.contains(el)) {
      return null;
    }
    if (el.id) {
      return { id: el.id };
    }
    if (el.hasAttribute("data-state")) {
      return { state: el.getAttribute("data-state") };
    }
    var owner = el.parentElement;
    while (owner && owner !== region && !owner.id) {
      owner = owner.parentElement;
    }
    if (!owner) {
      return null;
    }
    var all = owner.querySelectorAll(FOCUSABLE);
    return { owner: owner.id, index: Array.prototype.indexOf.call(all, el) };
  }

  function refocus(region, key) {
    if (!key) {
      return;
    }
    var el = null;
    if (key.id) {
      el = document.getElementById(key.id);
    } else if (key.state !== undefined) {
      var nodes = region.querySelectorAll("[data-state]");
      for (var i = 0; i < nodes.length; i++) {
        if (nodes[i].getAttribute("data-state") === key.state) { el = nodes[i]; break; }
      }
    } else {
      var owner = key.owner === region.id ? region : document.getElementById(key.owner);
      if (owner && key.index >= 0) {
        el = owner.querySelectorAll(FOCUSABLE)[key.index] || null;
      }
    }
    if (el && typeof el.focus === "function") {
      el.focus({ preventScroll: true });
    }
  }

  // Scroll positions of the boxes that scroll (the graph, long payloads), by id.
  function scrolls(region) {
    var kept = {};
    var boxes = region.querySelectorAll("[id]");
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.scrollTop || b.scrollLeft) {
        kept[b.id] = [b.scrollTop, b.scrollLeft];
      }
    }
    return kept;
  }

  function swap(region, fresh) {
    var focus = focusKey(region);
    var kept = scrolls(region);
    // Keep open <details> open across the swap.
    var open = {};
    var details = region.querySelectorAll("details[id][open]");
    for (var i = 0; i < details.length; i++) { open[details[i].id] = true; }
    region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes));
    region.setAttribute("data-version", fresh.getAttribute("data-version") || "");
    var again = region.querySelectorAll("details[id]");
    for (var j = 0; j < again.length; j++) {
      if (open[again[j].id]) { again[j].setAttribute("open", ""); }
    }
    for (var id in kept) {
      var box = document.getElementById(id);
      if (box) {
        box.scrollTop = kept[id][0];
        box.scrollLeft = kept[id][1];
      }
    }
    wireGraph(region);
    wireFit();
    refocus(region, focus);
  }

  // Live updates: the live part is fetched a second after the last answer (never two
  // requests at once); the server answers 204 while the version shown is current, and only
  // a changed part is swapped in.
  function live() {
    var region = document.getElementById("live");
    if (!region || region.getAttribute("data-running") !== "true") {
      return;
    }
    var base = region.getAttribute("data-live-url");
    var status = document.getElementById("live-status");

    function poll() {
      var url = new URL(base, window.location.href);
      var params = new URLSearchParams(window.location.search);
      params.delete("flash");
      params.set("known", region.getAttribute("data-version") || "");
      url.search = params.toString();
      var request = new XMLHttpRequest();
      request.open("GET", url.toString());
      request.onload = function () {
        if (request.status === 204) {
          window.setTimeout(poll, 1000);
          return;
        }
        if (request.status !== 200) {
          return;
        }
        var parsed = new DOMParser().parseFromString(request.responseText, "text/html");
        var fresh = parsed.getElementById("live");
        if (!fresh) {
          return;
        }
        var ended = fresh.getAttribute("data-running") !== "true";
        var tokens = fresh.getAttribute("data-tokens") !== region.getAttribute("data-tokens");
        if (ended || tokens) {
          // The actions (Stop, Redrive, Send success / failure) depend on the status and
          // the waiting tokens: show the page as it is now.
          if (status) {
            status.textContent = ended
              ? "Execution " + fresh.getAttribute("data-status") + "."
              : "A task token is waiting: reloading the page.";
          }
          region.setAttribute("data-running", String(!ended));
          window.location.reload();
          return;
        }
        if (fresh.getAttribute("data-version") !== region.getAttribute("data-version")) {
          swap(region, fresh);
        }
        window.setTimeout(poll, 1000);
      };
      request.send();
    }
    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireGraph(document);
    wireFit();
    live();
  });
})();
