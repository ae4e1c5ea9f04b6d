// app.js signs in with the admin token and shows the page the location's
// hash names: #overview, #users (#users/ID for one user), #tenants,
// #sessions, #modules; query parameters after "?" are the page's filters.
import { api, token, onUnauthorized } from './api.js';
import { errorBox, h } from './dom.js';
import overview from './pages/overview.js';
import users from './pages/users.js';
import tenants from './pages/tenants.js';
import sessions from './pages/sessions.js';
import modules from './pages/modules.js';

const pages = { overview, users, tenants, sessions, modules };
const $ = (id) => document.getElementById(id);

// stop ends the shown page's refreshes; set by each page that has any.
let stop = null;

function showSignIn(message) {
  stop?.();
  stop = null;
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('page').replaceChildren();
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
  $('token').focus();
}

/** route shows the page of the location's hash. */
async function route() {
  if (!token.get()) {
    showSignIn();
    return;
  }
  const [path, query] = location.hash.slice(1).split('?');
  const [name, ...rest] = path.split('/');
  const page = pages[name] ? name : 'overview';
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('signout').hidden = false;
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.getAttribute('href') === '#' + page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  stop?.();
  stop = null;
  const root = $('page');
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    stop = (await pages[page](root, { rest, params: new URLSearchParams(query ?? '') })) ?? null;
  } catch (err) {
    root.replaceChildren(errorBox(err));
  }
}

$('signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  token.set($('token').value.trim());
  try {
    await api('GET', 'stats');
  } catch (err) {
    token.clear();
    showSignIn(err.status === 401 ? 'The server refused this token.' : String(err.message));
    return;
  }
  $('token').value = '';
  route();
});

$('signout').addEventListener('click', () => {
  token.clear();
  showSignIn();
});

onUnauthorized(() => {
  token.clear();
  showSignIn('The server refused the admin token: sign in again.');
});

window.addEventListener('hashchange', route);
route();
