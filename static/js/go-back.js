// "Go back" buttons ([data-go-back]): a script file, since the
// Content-Security-Policy runs no inline onclick handler.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-go-back]")) {
    history.back();
  }
});
