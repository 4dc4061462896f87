// @ts-check
// fetch() for the app's JSON API: CSRF header, JSON in and out, errors with the server's message.
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function request(method, url, { json, body, headers = {} } = {}) {
  const init = { method, headers: { "X-CSRF-Token": csrfToken, Accept: "application/json", ...headers } };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(url, init);
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, payload.detail || `The server answered ${response.status}.`);
  }
  return payload;
}

export const api = {
  get: (url) => request("GET", url),
  post: (url, json) => request("POST", url, { json: json ?? {} }),
  put: (url, body, headers) => request("PUT", url, { body, headers }),
};
