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
// Review queue: 1–9 toggle the themes of the current answer, Enter saves it, J and K move
// between answers. The page works the same with the mouse or without this script.
(() => {
  const items = () => Array.from(document.querySelectorAll("form[data-review]"));
  if (items().length === 0) return;
  let current = 0;
  const focusItem = (index) => {
    const list = items();
    current = Math.max(0, Math.min(list.length - 1, index));
    list[current].classList.add("current");
    list.forEach((form, i) => { if (i !== current) form.classList.remove("current"); });
    list[current].scrollIntoView({ block: "center" });
    list[current].querySelector("input[type=checkbox]")?.focus({ preventScroll: true });
  };
  document.addEventListener("focusin", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-review]") : null;
    if (form) current = items().indexOf(form);
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLInputElement && target.type !== "checkbox") return;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
    const form = items()[current];
    if (!form) return;
    if (/^[1-9]$/.test(event.key)) {
      const box = form.querySelectorAll("input[type=checkbox]")[Number(event.key) - 1];
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "j" || event.key === "J") {
      focusItem(current + 1);
    } else if (event.key === "k" || event.key === "K") {
      focusItem(current - 1);
    }
  });
})();
// The question editor shows only the chosen kind's fields: at once with this script, after
// "Show the fields of this kind" without it.
(() => {
  const form = document.querySelector("form[data-question-form]");
  const kind = form?.querySelector("select[name=kind]");
  if (!form || !kind) return;
  form.querySelectorAll("[data-no-js]").forEach((element) => { element.hidden = true; });
  const show = () => {
    form.querySelectorAll("[data-kinds]").forEach((group) => {
      group.hidden = !group.getAttribute("data-kinds").split(" ").includes(kind.value);
    });
  };
  kind.addEventListener("change", show);
  show();
})();
