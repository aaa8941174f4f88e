/* The source form (admin): changing the kind re-renders the form with that kind's fields,
   by pressing the form's "Show this kind's fields" button (a plain POST that checks and
   saves nothing; without JavaScript the admin presses it). A static file: the CSP forbids
   inline script. */
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  var refresh = document.querySelector("button.kind-refresh");
  if (!kind || !refresh) { return; }
  kind.addEventListener("change", function () { refresh.click(); });
}());
