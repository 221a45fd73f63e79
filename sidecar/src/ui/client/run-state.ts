/**
 * What the run view knows about one run beyond its record: per-agent states from the event
 * stream (for per-phase counts), the phases in order, verification rounds and recent
 * activity. Pure: no DOM, so it is tested on its own.
 */
export const RUN_STATE_JS = String.raw`
dw.NO_PHASE = '(no phase)';
dw.MAX_ACTIVITY = 300;

dw.createRunState = function (run) {
  var state = {
    run: run,
    lastEventId: 0,
    agents: new Map(),
    phaseOrder: [],
    rounds: [],
    activity: [],
    throttle: null
  };

  function notePhase(name) {
    var p = name || dw.NO_PHASE;
    if (state.phaseOrder.indexOf(p) < 0) state.phaseOrder.push(p);
    return p;
  }
  /** A fresh record from GET /v1/runs/:id; its meta may name phases the stream has not reached yet. */
  state.setRun = function (fresh) {
    state.run = fresh;
    if (fresh.meta && Array.isArray(fresh.meta.phases)) fresh.meta.phases.forEach(function (p) { if (typeof p === 'string') notePhase(p); });
  };
  state.setRun(run);

  function setAgent(e, status) {
    var prev = state.agents.get(e.seq);
    state.agents.set(e.seq, {
      seq: e.seq,
      label: e.label !== undefined ? e.label : prev ? prev.label : null,
      phase: notePhase(e.phase !== undefined ? e.phase : prev ? prev.phase : null),
      status: status
    });
  }

  function note(at, kind, text) {
    state.activity.push({ at: at, kind: kind, text: text });
    if (state.activity.length > dw.MAX_ACTIVITY) state.activity.splice(0, state.activity.length - dw.MAX_ACTIVITY);
  }

  /** Applies one stored event; returns what changed: 'record' (refetch the run), 'agents', or null. */
  state.apply = function (stored) {
    if (!stored || typeof stored.id !== 'number' || stored.id <= state.lastEventId) return null;
    state.lastEventId = stored.id;
    var e = stored.event || {};
    var r = state.run;
    switch (e.type) {
      case 'run.status':
        r.status = e.status;
        if (e.error !== undefined) r.error = e.error;
        note(stored.at, 'status', 'Status: ' + (dw.STATUS_LABEL[e.status] || e.status) + (e.error ? ' (' + e.error.code + ': ' + e.error.message + ')' : ''));
        return 'record';
      case 'run.script':
        r.hasScript = true;
        note(stored.at, 'script', 'Script from ' + e.source);
        return 'record';
      case 'phase':
        r.phase = e.name;
        notePhase(e.name);
        note(stored.at, 'phase', 'Phase: ' + e.name);
        return 'phase';
      case 'agent.queued': setAgent(e, 'queued'); return 'agents';
      case 'agent.started': setAgent(e, 'active'); return 'agents';
      case 'agent.completed': setAgent(e, 'done'); return 'agents';
      case 'agent.failed':
        setAgent(e, 'failed');
        note(stored.at, 'error', 'Agent ' + e.seq + (e.label ? ' (' + e.label + ')' : '') + ' failed: ' + (e.error ? e.error.code + ': ' + e.error.message : ''));
        return 'agents';
      case 'agent.retry':
        note(stored.at, 'retry', 'Agent ' + e.seq + ' retry ' + e.attempt + ' in ' + e.delayMs + ' ms: ' + e.reason);
        return null;
      case 'budget':
        if (e.usage) r.usage = e.usage;
        if (e.counts) r.counts = e.counts;
        return 'budget';
      case 'throttle':
        state.throttle = { concurrency: e.concurrency, reason: e.reason };
        note(stored.at, 'throttle', 'Concurrency ' + e.concurrency + ': ' + e.reason);
        return 'budget';
      case 'verify.round':
        state.rounds.push({ helper: e.helper, round: e.round, agreement: e.agreement, survivors: e.survivors });
        return 'rounds';
      case 'log':
        note(stored.at, 'log', e.message);
        // Pause, resume, approval and restarts are announced as log lines; the record has the truth.
        return 'record';
      case 'callback.delivered':
        note(stored.at, 'callback', 'Callback ' + e.status + ' delivered to ' + e.url + ' (HTTP ' + e.httpStatus + ')');
        return null;
      case 'callback.failed':
        note(stored.at, 'error', 'Callback ' + e.status + ' to ' + e.url + ' failed: ' + e.reason);
        return null;
      default:
        return null;
    }
  };

  /**
   * Agent counts per phase, in phase order. Once the run has ended, agents the stream last saw
   * queued or active were stopped with it (cancelled at dispatch sends no event).
   */
  state.phases = function () {
    var ended = dw.isTerminal(state.run.status);
    var by = Object.create(null);
    state.phaseOrder.forEach(function (p) { by[p] = { name: p, total: 0, queued: 0, active: 0, done: 0, failed: 0, cancelled: 0 }; });
    state.agents.forEach(function (a) {
      var c = by[a.phase];
      c.total++;
      var s = a.status;
      if (ended && (s === 'queued' || s === 'active')) s = 'cancelled';
      c[s]++;
    });
    return state.phaseOrder.map(function (p) { return by[p]; }).filter(function (c) {
      return c.total > 0 || c.name !== dw.NO_PHASE;
    });
  };

  return state;
};
`;
