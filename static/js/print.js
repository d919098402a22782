// A button with data-print prints the page (no inline handler: the CSP refuses those).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
