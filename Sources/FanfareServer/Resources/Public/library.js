// The library's upload form: before the file is sent, the browser draws a
// small thumbnail of it (a picture scaled down, a video's first frame) and
// sends it along, so the register shows pictures without the server
// decoding any image or video. Without this script the upload works the
// same and the register shows pictures at their own size, videos as ▶.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.DataTransfer) return;
  var fileInput = document.getElementById("upload-file");
  var thumbInput = document.getElementById("upload-thumbnail");
  var SIDE = 320;
  var ready = false;

  function draw(source, width, height, done) {
    if (!width || !height) return done(null);
    var scale = Math.min(1, SIDE / Math.max(width, height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    try {
      canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { done(blob); }, "image/jpeg", 0.8);
    } catch (e) {
      done(null);
    }
  }

  function thumbnail(file, done) {
    var url = URL.createObjectURL(file);
    var finish = function (blob) { URL.revokeObjectURL(url); done(blob); };
    if (file.type.indexOf("image/") === 0) {
      var img = new Image();
      img.onload = function () { draw(img, img.naturalWidth, img.naturalHeight, finish); };
      img.onerror = function () { finish(null); };
      img.src = url;
    } else if (file.type.indexOf("video/") === 0) {
      var video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      video.onloadeddata = function () { video.currentTime = Math.min(0.1, video.duration || 0); };
      video.onseeked = function () { draw(video, video.videoWidth, video.videoHeight, finish); };
      video.onerror = function () { finish(null); };
      video.src = url;
    } else {
      finish(null);
    }
  }

  form.addEventListener("submit", function (event) {
    if (ready || !fileInput.files.length) return;
    event.preventDefault();
    var sent = false;
    var send = function (blob) {
      if (sent) return;
      sent = true;
      if (blob && blob.size <= 256 * 1024) {
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], "thumbnail.jpg", { type: "image/jpeg" }));
        thumbInput.files = transfer.files;
      }
      ready = true;
      form.submit();
    };
    // A file the browser cannot draw is sent without a thumbnail.
    setTimeout(function () { send(null); }, 5000);
    thumbnail(fileInput.files[0], send);
  });
})();
