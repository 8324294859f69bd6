// Upload page: drag and drop onto the drop zone fills the file input (the plain input works without
// this script). External file, no inline handlers, so a strict Content-Security-Policy allows it.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("upload-file");
    var name = document.getElementById("upload-name");
    var form = document.getElementById("upload-form");
    if (!zone || !input) { return; }
    function show() { name.textContent = input.files.length ? input.files[0].name : ""; }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
    });
    form.addEventListener("submit", function () {
      var button = document.getElementById("upload-submit");
      button.disabled = true; button.textContent = "正在上传… Uploading…";
    });
  });
})();
