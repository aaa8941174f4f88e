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

/* Corrections (the broadcast viewer): the lines ticked fill the correction form's range
   and its text (the machine's text of those lines, or the current correction when the
   range is one already corrected); "Play the range" plays from the range's start and
   pauses at its end; "Correct again" loads a corrected range into the form. */
(function () {
  "use strict";

  function setUpCorrections() {
    var form = document.getElementById("correction-form");
    if (!form) { return; }
    var first = document.getElementById("correct-first");
    var last = document.getElementById("correct-last");
    var text = document.getElementById("correct-text");
    var replaces = document.getElementById("correct-replaces");
    var video = document.getElementById("player");
    var stopAt = null;

    function line(number) { return document.getElementById("s" + number); }

    function machineText(a, b) {
      var parts = [];
      for (var n = a; n <= b; n++) {
        var li = line(n);
        var span = li && li.querySelector("a.seek .text");
        if (span && span.textContent.trim()) { parts.push(span.textContent.trim()); }
      }
      return parts.join(" ");
    }

    function load(a, b) {
      first.value = a; last.value = b;
      var corrected = document.querySelector(
        '.correction[data-first="' + a + '"][data-last="' + b + '"] .edit-correction');
      if (corrected) {
        replaces.value = corrected.dataset.id;
        text.value = corrected.dataset.text;
      } else {
        replaces.value = "";
        text.value = machineText(a, b);
      }
    }

    document.querySelectorAll("input.select-line").forEach(function (box) {
      box.addEventListener("change", function () {
        var ticked = Array.prototype.slice.call(
          document.querySelectorAll("input.select-line:checked")).map(function (b) {
          return parseInt(b.value, 10);
        });
        if (!ticked.length) { return; }
        load(Math.min.apply(null, ticked), Math.max.apply(null, ticked));
      });
    });
    document.querySelectorAll("button.edit-correction").forEach(function (button) {
      button.addEventListener("click", function () {
        load(parseInt(button.dataset.first, 10), parseInt(button.dataset.last, 10));
        text.focus();
      });
    });
    var play = document.getElementById("play-range");
    if (play && video) {
      play.addEventListener("click", function () {
        var a = line(first.value), b = line(last.value);
        if (!a || !b) { return; }
        stopAt = parseFloat(b.dataset.end);
        video.currentTime = parseFloat(a.dataset.start);
        var playing = video.play();
        if (playing && playing.catch) { playing.catch(function () {}); }
      });
      video.addEventListener("timeupdate", function () {
        if (stopAt !== null && video.currentTime >= stopAt) {
          video.pause();
          stopAt = null;
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCorrections);
  } else {
    setUpCorrections();
  }
})();
