// The browser's time zone, for the dashboard to show times in (studies/web/timezones.py):
// written into a cookie whenever it is missing or differs, so the next request carries it.
// The page names the cookie (data-tz-cookie on <html>): "__Host-" prefixed in production,
// hence Secure over HTTPS. No inline scripts (CSP).
(function () {
  "use strict";
  var name = document.documentElement.getAttribute("data-tz-cookie");
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  // IANA names ("America/Argentina/Buenos_Aires", "Etc/GMT+5") are valid cookie values
  // as they are; anything else is not a zone the server would take.
  if (!name || !zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var wanted = name + "=" + zone;
  if (document.cookie.split("; ").indexOf(wanted) !== -1) return;
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = wanted + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
