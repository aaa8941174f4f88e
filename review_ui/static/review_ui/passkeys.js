/* Passkeys (django-otp-webauthn): after its register script has created a passkey, go
   where the server says (the factors page, which shows the recovery codes of a first
   factor once). Loaded as a static file (the CSP forbids inline script). */
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var answer = event.detail && event.detail.response;
    if (answer && typeof answer.next === "string" && answer.next.charAt(0) === "/"
        && answer.next.charAt(1) !== "/") {
      window.location.assign(answer.next);
    }
  });
})();
