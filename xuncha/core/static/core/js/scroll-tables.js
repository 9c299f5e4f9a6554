// Phones: a wide table scrolls sideways inside its own box (xuncha.css). Such a box takes
// a tab stop so that keyboard users reach it and scroll it with the arrow keys (WCAG 2.1.1;
// axe-core's scrollable-region-focusable). Tables that fit get no extra tab stop.
(function () {
  function mark() {
    for (const table of document.querySelectorAll("main table.table")) {
      const scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.dataset.xcScroll = "1";
      } else if (!scrolls && table.dataset.xcScroll) {
        table.removeAttribute("tabindex");
        delete table.dataset.xcScroll;
      }
    }
  }
  mark();
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
