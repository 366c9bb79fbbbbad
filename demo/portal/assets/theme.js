/*
 * Northbridge portal: applies the saved colour theme before the first paint (a classic script
 * in <head>, so the page never flashes the wrong theme). No saved choice: follow the system.
 * portal.js owns the switch; this file only reads.
 */
(function () {
  var saved = null;
  try {
    saved = localStorage.getItem('northbridge.theme');
  } catch (e) {
    /* storage blocked: follow the system */
  }
  var dark = saved ? saved === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
