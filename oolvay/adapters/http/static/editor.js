// The editors' app works without this file; with it: the publish dialog, live send
// progress, and the preview tab. No framework: a few listeners on server-rendered markup.
(function () {
  "use strict";

  var POLL_MS = 1500;
  var LABELS = {
    queued: "Queued", sending: "Sending", sent: "Sent",
    sent_with_failures: "Sent, with failures", failed: "Failed", cancelled: "Cancelled"
  };

  function number(value) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString("en");
  }

  function duration(seconds) {
    if (!isFinite(seconds) || seconds <= 0) { return "–"; }
    if (seconds < 90) { return Math.ceil(seconds) + " s"; }
    return Math.ceil(seconds / 60) + " min";
  }

  function setField(root, name, text) {
    var node = root.querySelector('[data-field="' + name + '"]');
    if (node) { node.textContent = text; }
  }

  // Rate and time left: the server's figures when it has them, else measured here from
  // how fast the counts move between polls.
  function Estimator() { this.samples = []; }
  Estimator.prototype.update = function (data) {
    var done = data.sent + data.failed + (data.skipped || 0) + (data.uncertain || 0);
    this.samples.push({ at: Date.now(), done: done });
    if (this.samples.length > 10) { this.samples.shift(); }
    var rate = data.rate_per_second;
    if (rate === null || rate === undefined) {
      var first = this.samples[0], last = this.samples[this.samples.length - 1];
      var seconds = (last.at - first.at) / 1000;
      rate = seconds > 0 && last.done > first.done ? (last.done - first.done) / seconds : null;
    }
    var eta = data.eta_seconds;
    if ((eta === null || eta === undefined) && rate) { eta = (data.queued + data.sending) / rate; }
    return { rate: rate, eta: data.final ? null : eta };
  };

  function render(root, data, estimate) {
    root.className = root.className.replace(/\bstate-\S+/g, "").trim() + " state-" + data.state;
    setField(root, "label", LABELS[data.state] || data.state);
    setField(root, "summary", number(data.sent) + " of " + number(data.audience) + " sent");
    ["sent", "sending", "queued", "failed", "uncertain", "skipped", "bounced", "complaints"].forEach(function (name) {
      setField(root, name, number(data[name]));
    });
    setField(root, "rate", estimate.rate ? estimate.rate.toFixed(1) + "/s" : "–");
    setField(root, "eta", duration(estimate.eta));
    var bar = root.querySelector('[data-field="progress"]');
    if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
    root.setAttribute("data-final", data.final ? "true" : "false");
  }

  function poll(url, onData, onStop) {
    var estimator = new Estimator();
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status === 401 ? "signed-out" : "status " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (data.state) { onData(data, estimator.update(data)); }
          if (data.final && data.state) { stopped = true; onStop(data, null); } else { setTimeout(tick, POLL_MS); }
        })
        .catch(function (error) { stopped = true; onStop(null, error); });
    }
    tick();
    return function () { stopped = true; };
  }

  // The failed recipients and the resend button, re-read from the server once a send ends.
  function refreshFailed() {
    var card = document.getElementById("failed");
    if (!card) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("failed");
        if (fresh) { card.replaceWith(fresh); }
      });
  }

  function watchSendPages() {
    document.querySelectorAll("section.send-status[data-status-url]").forEach(function (root) {
      poll(root.getAttribute("data-status-url"), function (data, estimate) {
        render(root, data, estimate);
      }, function (data, error) {
        if (error) { setField(root, "summary", error.message === "signed-out" ? "Signed out: reload the page" : "Live updates stopped"); return; }
        refreshFailed();
      });
    });
  }

  function progressMarkup(container) {
    container.innerHTML =
      '<section class="send-status" aria-label="Sending">' +
      '<p class="status-line"><span class="badge state-badge" data-field="label">Publishing</span> ' +
      '<span class="muted" data-field="summary"></span></p>' +
      '<progress max="100" value="0" data-field="progress" aria-label="Share of the audience done"></progress>' +
      '<p class="small muted">Rate <span data-field="rate">–</span> · time left <span data-field="eta">–</span></p>' +
      '<p data-field="outcome"></p></section>';
    container.hidden = false;
    return container.querySelector("section");
  }

  function enhancePublishDialogs() {
    document.querySelectorAll("[data-dialog-open]").forEach(function (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (!dialog || typeof dialog.showModal !== "function") { return; }
      opener.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
        var confirm = dialog.querySelector("[data-publish-confirm]");
        if (confirm) { confirm.focus(); }
      });
      dialog.querySelectorAll("[data-dialog-close]").forEach(function (closer) {
        closer.addEventListener("click", function (event) { event.preventDefault(); dialog.close(); });
      });
    });

    document.querySelectorAll("dialog [data-publish-form]").forEach(function (form) {
      var dialog = form.closest("dialog");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("[data-publish-confirm]");
        var errorBox = dialog.querySelector("[data-publish-error]");
        var status = progressMarkup(dialog.querySelector("[data-publish-progress]"));
        button.disabled = true;
        form.hidden = true;
        errorBox.hidden = true;

        // Once published, the send's page is a click away, whether or not it is done.
        function offerSendPage(url) {
          var link = document.createElement("a");
          link.href = url;
          link.className = "button";
          link.textContent = "See the send";
          status.querySelector('[data-field="outcome"]').appendChild(link);
          link.focus();
        }

        var stopPolling = poll(form.getAttribute("data-status-url"), function (data, estimate) {
          render(status, data, estimate);
        }, function () {});

        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { Accept: "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (answer) {
          if (!answer.ok) { throw new Error(answer.body.message || "The post could not be published."); }
          var url = answer.body.url;
          if (url.indexOf("/send") === -1) { stopPolling(); window.location.assign(url); return; }
          offerSendPage(url);
        }).catch(function (error) {
          stopPolling();
          errorBox.textContent = error.message || "The post could not be published.";
          errorBox.hidden = false;
          form.hidden = false;
          button.disabled = false;
        });
      });
    });
  }

  function enhancePreview() {
    document.querySelectorAll("form[data-editor]").forEach(function (form) {
      var tabs = form.querySelector("[data-tabs]");
      var write = form.querySelector("#body-panel");
      var preview = form.querySelector("[data-preview]");
      var noJsButton = form.querySelector("[data-no-js-preview]");
      if (!tabs || !write || !preview) { return; }
      tabs.hidden = false;
      if (noJsButton) { noJsButton.hidden = true; }
      var buttons = tabs.querySelectorAll("[role=tab]");

      function select(name) {
        buttons.forEach(function (tab) {
          var on = tab.getAttribute("data-tab") === name;
          tab.setAttribute("aria-selected", on ? "true" : "false");
          tab.tabIndex = on ? 0 : -1;
        });
        write.hidden = name !== "write";
        preview.hidden = name !== "preview";
        if (name === "preview") {
          preview.textContent = "Rendering…";
          var body = new FormData();
          body.append("body", form.querySelector("#body").value);
          body.append("csrf_token", form.querySelector("[name=csrf_token]").value);
          fetch("/editor/preview", { method: "POST", body: body, credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            // Sanitised on the server (nh3), exactly as readers will get it.
            .then(function (html) { preview.innerHTML = html || '<p class="muted">Nothing to preview yet.</p>'; });
        }
      }
      buttons.forEach(function (tab, index) {
        tab.addEventListener("click", function () { select(tab.getAttribute("data-tab")); });
        tab.addEventListener("keydown", function (event) {
          if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") { return; }
          var next = buttons[(index + (event.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
          next.focus();
          select(next.getAttribute("data-tab"));
        });
      });
      select(preview.hidden ? "write" : "preview");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchSendPages();
    enhancePublishDialogs();
    enhancePreview();
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();
