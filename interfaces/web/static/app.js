// 质监 web pages: a little progressive enhancement (everything works without it).
// The date and time pickers redraw the page as soon as a value is picked.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.value || input.name === "known_at") { input.form.requestSubmit(); }
    });
  });
});
