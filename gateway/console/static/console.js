// The staff console's only script (served from /console/static/, no inline script anywhere):
// the content guard as the agent types, and WebAuthn for security keys and passkeys.
"use strict";

(function () {
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: typeof body === "string" ? body : JSON.stringify(body)
    });
  }

  // ---------------------------------------------------------------- guard as you type
  function showFindings(form, result) {
    var status = document.getElementById("guard-status");
    ["subject", "body", "source"].forEach(function (field) {
      var list = document.getElementById("findings-" + field);
      var input = document.getElementById(field);
      if (!list || !input) { return; }
      list.textContent = "";
      var mine = result.findings.filter(function (f) { return f.field === field; });
      mine.forEach(function (f) {
        var item = document.createElement("li");
        item.className = "finding";
        item.setAttribute("data-rule", f.rule);
        var where = document.createElement("strong");
        where.textContent = form.dataset.at.replace("%f", form.dataset["at" + field.charAt(0).toUpperCase() + field.slice(1)] || "")
          .replace("%l", f.line).replace("%c", f.column) + ":";
        var quote = document.createElement("q");
        quote.textContent = f.excerpt;
        item.append(where, " " + f.message + " ", quote);
        list.appendChild(item);
      });
      if (mine.length) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
    status.hidden = false;
    status.className = result.ok ? "notice" : "error";
    status.textContent = result.ok ? form.dataset.ok : form.dataset.refused;
  }

  function guard(form) {
    var timer = null, sequence = 0;
    function run() {
      var mine = ++sequence;
      var body;
      if (form.dataset.template) {  // the template editor
        body = {name: form.dataset.template, language: form.dataset.language, source: form.elements.source.value};
      } else {
        var mode = form.querySelector("input[name=mode]:checked") || form.elements.mode;
        body = mode.value === "template"
          ? {customer_id: form.dataset.customer, template: form.elements.template.value, data: form.elements.data.value}
          : {subject: form.elements.subject.value, body: form.elements.body.value};
      }
      post(form.dataset.check, form.dataset.csrf, body)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) { if (result && mine === sequence) { showFindings(form, result); } })
        .catch(function () { /* the server checks again on preview and send */ });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
    // A double click sends once on the server (idempotency key); this keeps the button honest too.
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") { event.preventDefault(); }
      if (event.submitter && event.submitter.hasAttribute("data-send")) { form.dataset.sending = "1"; }
    });
  }

  // ---------------------------------------------------------------- WebAuthn
  function passkey(button) {
    var kind = button.getAttribute("data-passkey");
    var base = kind === "enrol" ? "/console/enrol/passkey" : "/console/login/passkey";
    var csrf = button.getAttribute("data-csrf");
    var error = document.getElementById("passkey-error");
    button.addEventListener("click", function () {
      error.hidden = true;
      post(base + "/options", csrf, "{}")
        .then(function (r) { if (!r.ok) { throw new Error("options"); } return r.json(); })
        .then(function (options) {
          return kind === "enrol"
            ? navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)})
            : navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
        })
        .then(function (credential) { return post(base, csrf, JSON.stringify(credential.toJSON())); })
        .then(function (r) { return r.json(); })
        .then(function (result) {
          if (result.ok) { window.location.assign(result.location); } else { throw new Error("refused"); }
        })
        .catch(function () { error.hidden = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("compose");
    if (form) { guard(form); }
    document.querySelectorAll("[data-passkey]").forEach(passkey);
  });
})();
