// The customer import's progress bar: polls the job's small JSON endpoint
// while it runs, then reloads the page to show the preview or the result.
// A script file, since the Content-Security-Policy runs no inline script.
(() => {
  const page = document.getElementById("import-job");
  if (!page || page.dataset.running !== "1") {
    return;
  }
  const bar = page.querySelector("[data-import-progress]");
  const count = page.querySelector("[data-import-count]");

  const show = (done, total) => {
    const share = total ? Math.round((100 * done) / total) : 0;
    bar.setAttribute("aria-valuenow", done);
    bar.setAttribute("aria-valuemax", total);
    bar.firstElementChild.style.width = `${share}%`;
    count.textContent = `${done} / ${total}`;
  };

  const poll = async () => {
    try {
      const answer = await fetch(page.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const job = await answer.json();
        if (!job.running) {
          window.location.reload();
          return;
        }
        show(job.rows_done, job.rows_total);
      }
    } catch (error) {
      // A dropped connection: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };

  show(
    Number(bar.getAttribute("aria-valuenow")),
    Number(bar.getAttribute("aria-valuemax")),
  );
  window.setTimeout(poll, 1000);
})();
