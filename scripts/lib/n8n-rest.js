'use strict';
const { parse: parseFlatted } = require('flatted');
// n8n's own REST API (the one its editor uses), signed in as the owner with the auth cookie.
// Used to set the owner up, add workflows with the ids they carry, publish them, and read executions.

/** The owner account `npm start` and the tests create; documented in the README. */
const DEFAULT_OWNER = Object.freeze({
  email: 'owner@dynamic-workflows.local',
  password: 'Dynamic-Workflows-1',
  firstName: 'Workflow',
  lastName: 'Owner',
});

class N8nRestError extends Error {
  /** @param {string} method @param {string} path @param {number} status @param {string} body */
  constructor(method, path, status, body) {
    super(`n8n ${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'N8nRestError';
    this.status = status;
    this.body = body;
  }
}

class N8nRest {
  /** @param {string} baseUrl e.g. http://127.0.0.1:5678 (no trailing slash needed) */
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    /** @type {string | null} */
    this.cookie = null;
  }

  /**
   * @param {string} method
   * @param {string} path below /rest
   * @param {unknown} [body]
   * @returns {Promise<any>} the `data` member of n8n's answer
   */
  async request(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(`${this.baseUrl}/rest${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    if (!res.ok) throw new N8nRestError(method, path, res.status, text);
    if (!text) return null;
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed;
  }

  /** Whether the instance still shows the owner set-up screen. */
  async needsOwnerSetup() {
    const settings = await this.request('GET', '/settings');
    return settings?.userManagement?.showSetupOnFirstLoad === true;
  }

  /**
   * Creates the owner account on a fresh instance (nothing when it exists) and signs in.
   * @param {{ email: string, password: string, firstName: string, lastName: string }} [owner]
   * @returns {Promise<{ created: boolean }>}
   */
  async ensureOwner(owner = DEFAULT_OWNER) {
    let created = false;
    if (await this.needsOwnerSetup()) {
      await this.request('POST', '/owner/setup', owner);
      created = true;
    }
    await this.login(owner.email, owner.password);
    return { created };
  }

  /** @param {string} email @param {string} password */
  async login(email, password) {
    return this.request('POST', '/login', { emailOrLdapLoginId: email, password });
  }

  /** @param {string} id @returns {Promise<any | null>} the workflow, or null when there is none with that id */
  async getWorkflow(id) {
    try {
      return await this.request('GET', `/workflows/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof N8nRestError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Adds a workflow as exported from n8n (its `id` is kept when it has one).
   * @param {Record<string, unknown>} workflow
   */
  async createWorkflow(workflow) {
    const { id, name, nodes, connections, settings, staticData, meta, pinData } = workflow;
    return this.request('POST', '/workflows', {
      ...(id ? { id } : {}),
      name,
      nodes,
      connections,
      settings: settings ?? {},
      ...(staticData ? { staticData } : {}),
      ...(meta ? { meta } : {}),
      ...(pinData ? { pinData } : {}),
    });
  }

  /**
   * Publishes the current version of a workflow (n8n 2.x "publish" = activate): its
   * triggers and webhooks are registered when this returns.
   * @param {string} id
   */
  async activateWorkflow(id) {
    const wf = await this.request('GET', `/workflows/${encodeURIComponent(id)}`);
    return this.request('POST', `/workflows/${encodeURIComponent(id)}/activate`, { versionId: wf.versionId });
  }

  /** @param {string} id */
  async deactivateWorkflow(id) {
    return this.request('POST', `/workflows/${encodeURIComponent(id)}/deactivate`, {});
  }

  /**
   * Executions, newest first.
   * @param {{ workflowId?: string, status?: string[], limit?: number }} [filter]
   * @returns {Promise<any[]>}
   */
  async listExecutions(filter = {}) {
    /** @type {Record<string, unknown>} */
    const f = {};
    if (filter.workflowId) f.workflowId = filter.workflowId;
    if (filter.status) f.status = filter.status;
    const q = new URLSearchParams({ filter: JSON.stringify(f), limit: String(filter.limit ?? 50) });
    const data = await this.request('GET', `/executions?${q}`);
    return Array.isArray(data) ? data : (data.results ?? []);
  }

  /**
   * One execution with its run data (n8n stores it "flatted"; it is unflattened here).
   * @param {string} id
   */
  async getExecution(id) {
    const exec = await this.request('GET', `/executions/${encodeURIComponent(id)}`);
    if (exec && typeof exec.data === 'string') exec.data = unflatten(exec.data);
    return exec;
  }
}

/**
 * n8n stores execution data in the `flatted` encoding (circular references as indexes into
 * a table); flatted's own parse reverses it.
 * @param {string} text
 * @returns {any}
 */
function unflatten(text) {
  return parseFlatted(text);
}

module.exports = { DEFAULT_OWNER, N8nRest, N8nRestError, unflatten };
