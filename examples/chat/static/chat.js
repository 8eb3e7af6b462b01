// The chat demo's client, with no library: the form posts through
// /a/message/new, and a long poll on /a/message/updates, always pending,
// brings the messages the others post. Both send the _xsrf cookie's value
// back as the _xsrf argument, which the server checks.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("messageform");
    form.addEventListener("submit", function (e) {
        e.preventDefault();
        newMessage(form);
    });
    document.getElementById("message").select();
    updater.poll();
});

// newMessage posts the form's message (not its next field, which is for
// browsers without JavaScript), shows it, and empties the input.
function newMessage(form) {
    var args = {};
    new FormData(form).forEach(function (value, name) {
        if (name !== "next") args[name] = value;
    });
    var submit = form.querySelector("input[type=submit]");
    submit.disabled = true;
    postJSON("/a/message/new", args).then(function (message) {
        updater.showMessage(message);
        var input = form.querySelector("input[type=text]");
        input.value = "";
        input.select();
    }).catch(function (err) {
        console.log("ERROR:", err);
    }).finally(function () {
        submit.disabled = false;
    });
}

// getCookie returns the value of the cookie name, or undefined.
function getCookie(name) {
    var r = document.cookie.match("\\b" + name + "=([^;]*)\\b");
    return r ? r[1] : undefined;
}

// postJSON posts args as a form, with the XSRF token, and resolves to the
// JSON answer.
function postJSON(url, args) {
    args._xsrf = getCookie("_xsrf");
    return fetch(url, {
        method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams(args).toString(),
        credentials: "same-origin"
    }).then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
    });
}

var updater = {
    errorSleepTime: 500,
    cursor: null,

    // poll asks for the messages after the cursor; the server answers
    // when there are some.
    poll: function () {
        var args = {};
        if (updater.cursor) args.cursor = updater.cursor;
        postJSON("/a/message/updates", args).then(function (response) {
            updater.newMessages(response);
            updater.errorSleepTime = 500;
            window.setTimeout(updater.poll, 0);
        }).catch(updater.onError);
    },

    // onError polls again later, waiting twice as long after each failure
    // (at most half a minute).
    onError: function (err) {
        updater.errorSleepTime = Math.min(2 * updater.errorSleepTime, 30000);
        console.log("Poll error; sleeping for", updater.errorSleepTime, "ms", err);
        window.setTimeout(updater.poll, updater.errorSleepTime);
    },

    newMessages: function (response) {
        var messages = response.messages;
        if (!messages || messages.length === 0) return; // a stopping server answers with none
        updater.cursor = messages[messages.length - 1].id;
        console.log(messages.length, "new messages, cursor:", updater.cursor);
        for (var i = 0; i < messages.length; i++) {
            updater.showMessage(messages[i]);
        }
    },

    // showMessage adds a message to the inbox, unless it is there already
    // (the poster's own, or one the page came with).
    showMessage: function (message) {
        if (document.getElementById("m" + message.id)) return;
        var holder = document.createElement("div");
        holder.innerHTML = message.html;
        var node = holder.firstElementChild;
        if (node) document.getElementById("inbox").appendChild(node);
    }
};
