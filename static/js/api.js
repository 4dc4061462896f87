// @ts-check
// fetch() for the app's JSON API: CSRF header, JSON in and out, errors with the server's message.
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(method, url, { json, body, headers = {}, accept = "application/json" } = {}) {
  const init = { method, headers: { "X-CSRF-Token": csrfToken, Accept: accept, ...headers } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  return fetch(url, init);
}

export async function request(method, url, options = {}) {
  const response = await send(method, url, options);
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, payload.detail || `The server answered ${response.status}.`);
  }
  return payload;
}

// A fragment of HTML the server rendered (and sanitised), e.g. the markdown preview.
async function html(url, json) {
  const response = await send("POST", url, { json, accept: "text/html" });
  if (!response.ok) throw new ApiError(response.status, `The server answered ${response.status}.`);
  return response.text();
}

export const api = {
  get: (url) => request("GET", url),
  post: (url, json) => request("POST", url, { json: json ?? {} }),
  put: (url, body, headers) => request("PUT", url, { body, headers }),
  html,
};
