/* global document, window */
// The shell: tabs (buttons, arrow keys move between them), the status of the agent, one view at a time.
import { Live, api, h } from './lib.js';
import { VIEWS } from './views.js';

const tabs = [...document.querySelectorAll('#tabs button')];
const main = document.getElementById('view');
const status = await api('/api/v1/status');
const live = new Live(document.getElementById('live'));
let current = null;

async function open(name, focus) {
  if (!(name in VIEWS)) name = 'overview';
  if (current !== null) current.gone = true;
  live.reset();
  for (const t of tabs) {
    const on = t.dataset.view === name;
    t.setAttribute('aria-selected', String(on));
    if (on && focus) t.focus();
  }
  main.replaceChildren();
  main.dataset.view = name;
  const view = {
    el: main,
    gone: false,
    error: (err) => {
      if (view.gone) return;
      main.prepend(h('p', { class: 'bad', role: 'alert' }, String(err.message ?? err)));
    },
  };
  current = view;
  try {
    await VIEWS[name](view, live, status);
    if (!view.gone) live.connect();
  } catch (err) {
    view.error(err);
  }
  main.dataset.ready = name;
}

for (const t of tabs) t.addEventListener('click', () => (window.location.hash = t.dataset.view));
document.getElementById('tabs').addEventListener('keydown', (e) => {
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[e.key];
  if (step === undefined) return;
  e.preventDefault();
  const t = tabs[(i + step + tabs.length) % tabs.length];
  window.location.hash = t.dataset.view;
  t.focus();
});
window.addEventListener('hashchange', () => void open(window.location.hash.slice(1), false));
await open(window.location.hash.slice(1), false);
