/* Raqib review UI behaviour. Loaded as a static file (the CSP forbids inline script).
   - A <video data-start="S"> starts at second S.
   - Clicking a transcript segment (a.seek[data-start]) seeks the video there; without
     JavaScript the link still reloads the page at that second.
   - The segment being played is highlighted.
   - An incident's clip (<video class="clip-player" data-start data-end>) starts at its
     start and pauses at its end; playing again from the end replays the clip. */
(function () {
  "use strict";

  function seek(video, seconds) {
    if (!isFinite(seconds) || seconds < 0) { return; }
    if (video.readyState >= 1) {
      video.currentTime = seconds;
    } else {
      video.addEventListener("loadedmetadata", function () {
        video.currentTime = seconds;
      }, { once: true });
    }
  }

  function markCurrent(links, seconds) {
    links.forEach(function (link) {
      var start = parseFloat(link.dataset.start);
      var end = parseFloat(link.dataset.end);
      var isCurrent = seconds >= start && seconds < Math.max(end, start + 0.01);
      link.parentElement.classList.toggle("current", isCurrent);
      if (isCurrent) { link.setAttribute("aria-current", "true"); }
      else { link.removeAttribute("aria-current"); }
    });
  }

  function setUpClips() {
    document.querySelectorAll("video.clip-player[data-start]").forEach(function (clip) {
      var start = parseFloat(clip.dataset.start);
      var end = parseFloat(clip.dataset.end);
      seek(clip, start);
      clip.addEventListener("timeupdate", function () {
        if (isFinite(end) && clip.currentTime >= end) { clip.pause(); }
      });
      clip.addEventListener("play", function () {
        if (isFinite(end) && clip.currentTime >= end - 0.05) { clip.currentTime = start; }
      });
    });
  }

  function setUp() {
    setUpClips();
    var video = document.getElementById("player");
    if (!video) { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("a.seek[data-start]"));
    seek(video, parseFloat(video.dataset.start || "0"));
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var seconds = parseFloat(link.dataset.start);
        seek(video, seconds);
        markCurrent(links, seconds);
        if (window.history && history.replaceState) { history.replaceState(null, "", link.href); }
        var playing = video.play();
        if (playing && playing.catch) { playing.catch(function () {}); }
      });
    });
    video.addEventListener("timeupdate", function () { markCurrent(links, video.currentTime); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
