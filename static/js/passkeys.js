// Passkeys (WebAuthn) on the account page and at the second step of sign-in.
//
// No inline script (the Content-Security-Policy refuses it): a form marked
// data-passkey="register" or data-passkey="authenticate" carries everything, its action
// (the begin step), data-complete (the complete step), its CSRF token and next fields,
// and its texts in data-msg-* attributes, translated by the page. The server's JSON
// steps are orgs/accounts/passkey_views.py (django-otp-webauthn's views); their refusals come with
// a message in the person's language, shown as it is. The form stays hidden where the
// browser has no WebAuthn; its <noscript> sibling speaks when there is no JavaScript.
(function () {
  "use strict";

  function toBytes(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map((d) => ({ ...d, id: toBytes(d.id) }));
  }

  function creationOptions(json) {
    return {
      ...json,
      challenge: toBytes(json.challenge),
      user: { ...json.user, id: toBytes(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials),
    };
  }

  function requestOptions(json) {
    return { ...json, challenge: toBytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
  }

  function credentialJSON(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) {
        response.userHandle = toBase64url(r.userHandle);
      }
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  // POST JSON; resolve to {ok, data}, data being the server's JSON or {}.
  async function post(url, form, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, data: {} };
    }
    const isJSON = (response.headers.get("content-type") || "").includes("application/json");
    const data = isJSON ? await response.json().catch(() => ({})) : {};
    return { ok: response.ok && isJSON, data: data };
  }

  function say(form, text, state) {
    const status = document.getElementById(form.dataset.status);
    status.textContent = text;
    status.dataset.state = state;
    status.hidden = !text;
  }

  // The browser's own refusal (cancelled, timed out, no matching passkey) in our words.
  function browserRefusal(form, error) {
    if (error && error.name === "InvalidStateError" && form.dataset.msgExists) {
      return form.dataset.msgExists;
    }
    if (error && error.name === "SecurityError") {
      return form.dataset.msgWrongSite; // e.g. http://127.0.0.1: passkeys belong to the site's host name
    }
    return form.dataset.msgCancelled;
  }

  async function run(form) {
    const button = form.querySelector("button[type=submit]");
    const register = form.dataset.passkey === "register";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say(form, form.dataset.msgBusy, "busy");
    try {
      const begin = register ? { name: form.elements.namedItem("name").value } : {};
      const options = await post(form.action, form, begin);
      if (!options.ok) {
        say(form, options.data.detail || form.dataset.msgFailed, "error");
        return;
      }
      let credential;
      try {
        credential = register
          ? await navigator.credentials.create({ publicKey: creationOptions(options.data) })
          : await navigator.credentials.get({ publicKey: requestOptions(options.data) });
      } catch (error) {
        say(form, browserRefusal(form, error), "error");
        return;
      }
      if (!credential) {
        say(form, form.dataset.msgCancelled, "error");
        return;
      }
      let complete = form.dataset.complete;
      const next = form.elements.next;
      if (next && next.value) {
        complete += (complete.includes("?") ? "&" : "?") + new URLSearchParams({ next: next.value });
      }
      const result = await post(complete, form, credentialJSON(credential));
      if (!result.ok || !result.data.redirect_url) {
        say(form, result.data.detail || form.dataset.msgFailed, "error");
        return;
      }
      say(form, form.dataset.msgDone, "done");
      const target = new URL(result.data.redirect_url, window.location.href);
      if (target.pathname === window.location.pathname && target.search === window.location.search) {
        window.location.hash = target.hash; // the same page (the account's list): load it afresh
        window.location.reload();
      } else {
        window.location.assign(target.href);
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  const supported = window.PublicKeyCredential !== undefined && navigator.credentials !== undefined;
  document.querySelectorAll("form[data-passkey]").forEach((form) => {
    if (!supported) {
      say(form, form.dataset.msgUnsupported, "error");
      return;
    }
    form.hidden = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form);
    });
  });
})();
