// Small progressive enhancements for staff pages; every page works without this file.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form?.submit();
  }
});
// Ctrl+Enter (or Cmd+Enter) saves the form being typed in: quick paper entry.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const form = event.target instanceof Element ? event.target.closest("form[data-quick-save]") : null;
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  }
});
