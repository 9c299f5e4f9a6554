// Confirmation before destructive actions, without inline handlers (CSP forbids them):
// a form or a button with data-confirm="…" asks before it submits.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
