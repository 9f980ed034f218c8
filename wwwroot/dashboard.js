// The admin dashboard at /. Plain JavaScript against the admin API (/api, X-Api-Key header).
// - The admin key lives in sessionStorage only: it goes when the tab closes, it is never sent as a cookie.
// - Streams and listeners are polled every 2 s; stream cards are updated in place, so an open preview keeps playing.
// - A stream key is only ever on the page in the key panel, right after create or rotate, and is removed when the
//   panel is dismissed. Everything from the server is written with textContent, never as HTML.
// - A restream target's key is typed into its form and sent once; the form is emptied once the target is added.
(function () {
  'use strict';

  const KEY_STORAGE = 'streamhub.adminKey';
  const POLL_MS = 2000;
  const PORTS_EVERY = 3;    // listeners change less: every third poll, to spare the admin rate limit
  const NAME_RULE = /^[a-z0-9_-]{1,64}$/;
  const NAME_RULE_TEXT = 'Use lowercase letters, digits, - and _ (1 to 64 characters).';

  const $ = function (id) { return document.getElementById(id); };
  const ui = {
    signin: $('signin'), signinForm: $('signin-form'), adminKey: $('admin-key'), signinError: $('signin-error'),
    signOut: $('sign-out'), dashboard: $('dashboard'), status: $('status'),
    createForm: $('create-form'), name: $('stream-name'), description: $('stream-description'), expires: $('stream-expires'),
    createButton: $('create-button'), createError: $('create-error'),
    fieldErrors: { name: $('name-error'), description: $('description-error'), expiresAt: $('expires-error') },
    fieldInputs: { name: $('stream-name'), description: $('stream-description'), expiresAt: $('stream-expires') },
    keyPanel: $('key-panel'), keyStream: $('key-stream'), obsServer: $('obs-server'), obsKey: $('obs-key'),
    ffmpegUrl: $('ffmpeg-url'), keyWatchLink: $('key-watch-link'), keyDone: $('key-done'),
    streams: $('streams'), streamsEmpty: $('streams-empty'), streamTemplate: $('stream-template'),
    ports: document.querySelector('#ports tbody'),
    clusterSummary: $('cluster-summary'), clusterNodes: document.querySelector('#cluster-nodes tbody'),
    clusterRelayedTitle: $('cluster-relayed-title'), clusterRelayedTable: $('cluster-relayed'),
    clusterRelayed: document.querySelector('#cluster-relayed tbody'),
    confirm: $('confirm-dialog'), confirmTitle: $('confirm-title'), confirmText: $('confirm-text'), confirmOk: $('confirm-ok'),
  };

  const state = {
    pollTimer: 0,
    pollCount: 0,
    polling: false,
    generation: 0,          // bumped on sign-out, so answers to requests of an old session are dropped
    clockSkewMs: 0,         // server clock minus ours, from the Date header, for uptimes
    rtmp: null,             // { port } of the RTMP listener, from /api/diagnostics/ports
    cards: new Map(),       // stream name -> { element, fields, stream, preview }
  };

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
      this.status = status;
      this.problem = problem || {};
    }
  }

  class SignedOut extends Error { }

  // ---- API -------------------------------------------------------------------------------------------------

  function adminKey() { return sessionStorage.getItem(KEY_STORAGE); }

  async function api(method, path, body) {
    const key = adminKey();
    if (!key) {
      throw new SignedOut();
    }
    const generation = state.generation;
    const headers = { 'X-Api-Key': key, 'Accept': 'application/json, application/problem+json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(path, {
      method: method, headers: headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (generation !== state.generation) {
      throw new SignedOut();
    }
    const date = Date.parse(response.headers.get('Date') || '');
    if (!Number.isNaN(date)) {
      state.clockSkewMs = date - Date.now();
    }
    if (response.status === 204) {
      return null;
    }
    let payload = null;
    const text = await response.text();
    if (text) {
      try { payload = JSON.parse(text); } catch (_) { payload = { detail: text.slice(0, 300) }; }
    }
    if (!response.ok) {
      const error = new ApiError(response.status, payload);
      error.retryAfter = Number(response.headers.get('Retry-After')) || 0;
      if (response.status === 401) {
        const why = payload && payload.title ? payload.title.charAt(0).toLowerCase() + payload.title.slice(1) + '. ' : '';
        signOut('The admin key was refused (401): ' + why + 'Sign in with the current admin key.');
        throw new SignedOut();
      }
      throw error;
    }
    return payload;
  }

  // ---- Sign in / out ---------------------------------------------------------------------------------------

  function showSignedIn(signedIn) {
    ui.signin.hidden = signedIn;
    ui.dashboard.hidden = !signedIn;
    ui.signOut.hidden = !signedIn;
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    state.generation++;
    clearTimeout(state.pollTimer);
    state.pollTimer = 0;
    state.polling = false;
    hideKeyPanel();
    state.cards.forEach(function (card) { stopPreview(card); });
    state.cards.clear();
    ui.streams.replaceChildren();
    ui.ports.replaceChildren();
    showSignedIn(false);
    ui.signinError.textContent = message || '';
    ui.signinError.hidden = !message;
    ui.adminKey.value = '';
    ui.adminKey.setAttribute('aria-invalid', message ? 'true' : 'false');
    ui.adminKey.focus();
  }

  async function signIn(key) {
    sessionStorage.setItem(KEY_STORAGE, key);
    ui.signinError.hidden = true;
    try {
      // Both calls check the key; the listeners give the RTMP port for publish URLs.
      const results = await Promise.all([api('GET', '/api/streams'), api('GET', '/api/diagnostics/ports')]);
      ui.adminKey.value = '';
      ui.adminKey.setAttribute('aria-invalid', 'false');
      showSignedIn(true);
      renderStreams(results[0]);
      renderPorts(results[1]);
      setStatus('');
      schedulePoll();
      return true;
    } catch (error) {
      if (!(error instanceof SignedOut)) {
        sessionStorage.removeItem(KEY_STORAGE);
        showSignedIn(false);
        ui.signinError.textContent = error instanceof ApiError
          ? 'Cannot sign in (' + error.status + '): ' + error.message
          : 'Cannot reach StreamHub: ' + error.message;
        ui.signinError.hidden = false;
      }
      return false;
    }
  }

  ui.signinForm.addEventListener('submit', function (event) {
    event.preventDefault();
    const key = ui.adminKey.value.trim();
    if (!key) {
      ui.signinError.textContent = 'Enter the admin API key.';
      ui.signinError.hidden = false;
      ui.adminKey.setAttribute('aria-invalid', 'true');
      ui.adminKey.focus();
      return;
    }
    signIn(key);
  });

  ui.signOut.addEventListener('click', function () { signOut(''); });

  $('watch-form').addEventListener('submit', function (event) {
    event.preventDefault();
    const name = $('watch-name').value.trim();
    if (name) location.href = '/watch/' + encodeURIComponent(name);
  });

  // ---- Polling ---------------------------------------------------------------------------------------------

  function schedulePoll(delay) {
    clearTimeout(state.pollTimer);
    state.pollTimer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
  }

  async function poll() {
    if (state.polling || !adminKey()) {
      return;
    }
    state.polling = true;
    let next = POLL_MS;
    try {
      if (document.visibilityState !== 'hidden') {
        const withPorts = ++state.pollCount % PORTS_EVERY === 0;
        const results = await Promise.all([api('GET', '/api/streams'), withPorts ? api('GET', '/api/diagnostics/ports') : null,
          api('GET', '/api/cluster')]);
        renderStreams(results[0]);
        if (results[1]) renderPorts(results[1]);
        renderCluster(results[2]);
        setStatus('');
      }
    } catch (error) {
      if (error instanceof SignedOut) {
        return;
      }
      if (error instanceof ApiError && error.status === 429) {
        next = Math.max(POLL_MS, (error.retryAfter || 10) * 1000);
        setStatus('Too many admin requests from this address; updating again in ' + Math.round(next / 1000) + ' s.', true);
      } else {
        setStatus('Could not update: ' + error.message + ' (retrying)', true);
      }
    } finally {
      state.polling = false;
    }
    if (adminKey()) {
      schedulePoll(next);
    }
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && adminKey()) {
      schedulePoll(0);
    }
  });

  function refreshSoon() { if (!state.polling) schedulePoll(0); }

  function setStatus(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle('error', !!isError);
  }

  // ---- Streams ---------------------------------------------------------------------------------------------

  function renderStreams(streams) {
    const seen = new Set();
    streams.forEach(function (stream, index) {
      seen.add(stream.name);
      let card = state.cards.get(stream.name);
      if (!card) {
        card = createCard(stream.name);
        state.cards.set(stream.name, card);
      }
      if (ui.streams.children[index] !== card.element) {
        ui.streams.insertBefore(card.element, ui.streams.children[index] || null);
      }
      updateCard(card, stream);
    });
    state.cards.forEach(function (card, name) {
      if (!seen.has(name)) {
        stopPreview(card);
        card.element.remove();
        state.cards.delete(name);
      }
    });
    ui.streamsEmpty.hidden = streams.length > 0;
  }

  function createCard(name) {
    const element = ui.streamTemplate.content.firstElementChild.cloneNode(true);
    element.dataset.stream = name;
    const field = function (id) { return element.querySelector('[data-testid="' + id + '"]'); };
    const card = {
      name: name, element: element, stream: null, preview: null,
      fields: {
        name: field('stream-name'), badge: field('live-badge'), description: field('description'),
        resolution: field('resolution'), fps: field('fps'), bitrate: field('bitrate'), videoCodec: field('video-codec'),
        audio: field('audio'), uptime: field('uptime'), viewers: field('viewers'), publisher: field('publisher'), keyIssued: field('key-issued'),
        previewButton: field('preview-button'), watchLink: field('watch-link'), rotate: field('rotate-button'),
        remove: field('delete-button'), previewBox: field('preview'), video: field('preview-video'),
        previewStatus: field('preview-status'), hlsSegments: field('hls-segments'), hlsWarning: field('hls-warning'),
        restreamSummary: field('restream-summary'), targets: field('targets'), targetsEmpty: field('targets-empty'),
        targetForm: field('target-form'), targetAdd: field('target-add'),
        recordings: field('recordings'), recordingsSummary: field('recordings-summary'), recordingSetting: field('recording-setting'),
        recordingState: field('recording-state'), recordingsList: field('recordings-list'), recordingsEmpty: field('recordings-empty'),
        recordingsError: field('recordings-error'),
      },
      targetRows: new Map(),  // target name -> { element, fields, target, pending }
    };
    card.fields.targetsTable = card.fields.targets.closest('table');
    card.fields.targetForm.addEventListener('submit', function (event) { event.preventDefault(); addTarget(card); });
    card.fields.recordings.addEventListener('toggle', function () { if (card.fields.recordings.open) loadRecordings(card); });
    card.fields.recordingSetting.addEventListener('change', function () { setRecording(card, card.fields.recordingSetting.value); });
    const watchUrl = '/watch/' + encodeURIComponent(name);
    card.fields.name.textContent = name;
    card.fields.name.href = watchUrl;
    card.fields.watchLink.href = watchUrl;
    card.fields.watchLink.setAttribute('aria-label', 'Open the player page of ' + name);
    card.fields.rotate.textContent = 'Rotate key';
    card.fields.rotate.setAttribute('aria-label', 'Rotate the key of ' + name);
    card.fields.remove.textContent = 'Delete';
    card.fields.remove.setAttribute('aria-label', 'Delete ' + name);
    card.fields.video.setAttribute('aria-label', 'Live preview of ' + name);
    card.fields.previewButton.addEventListener('click', function () {
      if (card.preview) stopPreview(card); else startPreview(card);
    });
    card.fields.rotate.addEventListener('click', function () { rotateKey(card); });
    card.fields.remove.addEventListener('click', function () { deleteStream(card); });
    return card;
  }

  function updateCard(card, stream) {
    card.stream = stream;
    if (card.fields.recordings.open && !card.recordingsLoading) {
      loadRecordings(card);
    }
    const f = card.fields;
    const live = stream.isLive && stream.live ? stream.live : null;
    card.element.dataset.live = live ? 'true' : 'false';
    f.badge.textContent = live ? 'LIVE' : (stream.expired ? 'Expired' : 'Offline');
    f.badge.className = 'badge ' + (live ? 'live' : (stream.expired ? 'expired' : 'offline'));
    f.description.textContent = stream.description || '';
    const video = live && live.video;
    const audio = live && live.audio;
    setText(f.resolution, video && video.width && video.height ? video.width + '×' + video.height : '—');
    setText(f.fps, live && live.frameRate != null ? formatNumber(live.frameRate, 1) : '—');
    setText(f.bitrate, live ? formatBitrate(live.bitrateKbps) : '—');
    setText(f.videoCodec, video ? video.codec + (live.keyframeIntervalSeconds != null ? ', keyframe every ' + formatNumber(live.keyframeIntervalSeconds, 1) + ' s' : '') : '—');
    setText(f.audio, audio ? describeAudio(audio) : '—');
    setText(f.uptime, live ? formatDuration(Date.now() + state.clockSkewMs - Date.parse(live.since)) : '—');
    setText(f.publisher, live ? live.publisherAddress + (live.encoder ? ' (' + live.encoder + ')' : '') : '—');
    const hls = stream.hls || {};
    const viewers = stream.viewers || { hls: hls.viewers || 0, rtmp: 0, httpFlv: 0 };
    setText(f.viewers, live || viewers.hls + viewers.rtmp + viewers.httpFlv > 0 ? describeViewers(viewers) : '—');
    setText(f.hlsSegments, hls.targetDurationSeconds != null
      ? 'up to ' + hls.targetDurationSeconds + ' s (target ' + formatNumber(hls.segmentTargetSeconds, 1) + ' s)' : '—');
    setText(f.hlsWarning, hls.warning || '');
    f.hlsWarning.hidden = !hls.warning;
    setText(f.keyIssued, formatDate(stream.keyIssuedAt) + (stream.expiresAt ? (stream.expired ? ', expired ' : ', expires ') + formatDate(stream.expiresAt) : ''));
    renderTargets(card, stream.targets || []);
    f.previewButton.hidden = !live && !card.preview;
    f.previewButton.textContent = card.preview ? 'Close preview' : 'Preview';
    f.previewButton.setAttribute('aria-label', (card.preview ? 'Close the preview of ' : 'Preview ') + stream.name);
    f.previewButton.setAttribute('aria-expanded', card.preview ? 'true' : 'false');
    if (!live && card.preview && !card.preview.offline) {
      // Nobody publishes: stop the player and its retries; the preview stays open and restarts when the stream is back.
      const preview = card.preview;
      preview.offline = true;
      clearTimeout(preview.timer);
      if (preview.hls) { preview.hls.destroy(); preview.hls = null; }
      f.previewStatus.textContent = 'The stream is not live.';
    } else if (live && card.preview && card.preview.offline) {
      // Went live again: start over on the new publish.
      stopPreview(card);
      startPreview(card);
    }
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  function describeViewers(viewers) {
    return 'HLS ' + viewers.hls + ' · RTMP ' + viewers.rtmp + ' · HTTP-FLV ' + viewers.httpFlv;
  }

  function describeAudio(audio) {
    const parts = [audio.codec];
    if (audio.sampleRate) parts.push(formatNumber(audio.sampleRate / 1000, 1) + ' kHz');
    if (audio.channels) parts.push(audio.channels === 1 ? 'mono' : audio.channels === 2 ? 'stereo' : audio.channels + ' ch');
    return parts.join(', ');
  }

  function formatNumber(value, digits) {
    return Number(value).toFixed(digits).replace(/\.0+$/, '');
  }

  function formatBitrate(kbps) {
    return kbps >= 1000 ? formatNumber(kbps / 1000, 2) + ' Mb/s' : kbps + ' kb/s';
  }

  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, s = total % 60;
    const pad = function (n) { return String(n).padStart(2, '0'); };
    return (h > 0 ? h + ':' + pad(m) : m) + ':' + pad(s);
  }

  function formatDate(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  // ---- Recordings ------------------------------------------------------------------------------------------
  // Loaded only while a card's Recordings part is open (then again at each poll). Replay and Download ask the API
  // for a short signed link, so the player page and the browser's download need no admin key.

  function recordingsPath(card) { return '/api/streams/' + encodeURIComponent(card.name) + '/recordings'; }

  async function loadRecordings(card) {
    card.recordingsLoading = true;
    try {
      renderRecordings(card, await api('GET', recordingsPath(card)));
      card.fields.recordingsError.hidden = true;
    } catch (error) {
      if (!(error instanceof SignedOut)) showRecordingsError(card, error);
    } finally {
      card.recordingsLoading = false;
    }
  }

  function showRecordingsError(card, error) {
    const f = card.fields;
    f.recordingsError.textContent = error.message;
    f.recordingsError.hidden = false;
  }

  function renderRecordings(card, list) {
    const f = card.fields;
    if (document.activeElement !== f.recordingSetting) {
      f.recordingSetting.value = list.setting === true ? 'on' : list.setting === false ? 'off' : 'default';
    }
    const state = list.state === 'stopped'
      ? 'Stopped: ' + (list.error || list.stopReason)
      : list.state === 'recording' ? 'Recording now' : (list.enabled ? 'Recorded when live' : 'Not recorded');
    setText(f.recordingState, state + (list.gaps > 0 ? ' · ' + list.gaps + ' gap(s): the disk fell behind' : ''));
    f.recordingState.dataset.state = list.state;
    setText(f.recordingsSummary, list.recordings.length ? '(' + list.recordings.length + ', ' + formatBytes(list.totalBytes) + ')' : '');
    f.recordingsEmpty.hidden = list.recordings.length > 0;
    f.recordingsList.replaceChildren.apply(f.recordingsList, list.recordings.map(function (recording) {
      const row = document.createElement('tr');
      row.setAttribute('data-testid', 'recording-row');
      row.dataset.recording = recording.id;
      [formatDate(recording.start) + (recording.inProgress ? ' (recording)' : ''), formatDuration(recording.durationSeconds * 1000),
        formatBytes(recording.bytes), recording.codecs.join(', ')].forEach(function (text) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.appendChild(cell);
      });
      const actions = document.createElement('td');
      const button = function (label, testid, action) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = label;
        b.setAttribute('data-testid', testid);
        b.setAttribute('aria-label', label + ' ' + recording.id);
        b.addEventListener('click', action);
        actions.appendChild(b);
        return b;
      };
      button('Replay', 'recording-replay', function () { openRecording(card, recording, true); });
      button('Download', 'recording-download', function () { openRecording(card, recording, false); });
      button('Delete', 'recording-delete', function () { deleteRecording(card, recording); }).className = 'danger';
      row.appendChild(actions);
      return row;
    }));
  }

  async function setRecording(card, value) {
    try {
      const body = { enabled: value === 'on' ? true : value === 'off' ? false : null, maxMegabytes: null };
      renderRecordings(card, await api('PUT', '/api/streams/' + encodeURIComponent(card.name) + '/recording', body));
    } catch (error) {
      if (!(error instanceof SignedOut)) showRecordingsError(card, error);
    }
  }

  async function openRecording(card, recording, replay) {
    // Opened before the await, so the browser does not take it for an unwanted pop-up.
    const target = window.open('about:blank', '_blank');
    try {
      const link = await api('POST', recordingsPath(card) + '/' + encodeURIComponent(recording.id) + '/links', { expiresInSeconds: 3600 });
      const query = link.url.slice(link.url.indexOf('?'));
      const url = replay
        ? '/watch/' + encodeURIComponent(card.name) + query + '&replay=' + encodeURIComponent(recording.id.replace(/\.mp4$/, ''))
        : link.url;
      if (target) target.location = url; else location.assign(url);
    } catch (error) {
      if (target) target.close();
      if (!(error instanceof SignedOut)) showRecordingsError(card, error);
    }
  }

  async function deleteRecording(card, recording) {
    if (!window.confirm('Delete the recording ' + recording.id + '? This cannot be undone.')) return;
    try {
      await api('DELETE', recordingsPath(card) + '/' + encodeURIComponent(recording.id));
      await loadRecordings(card);
    } catch (error) {
      if (!(error instanceof SignedOut)) showRecordingsError(card, error);
    }
  }

  function formatBytes(bytes) {
    if (bytes >= 1073741824) return formatNumber(bytes / 1073741824, 2) + ' GB';
    if (bytes >= 1048576) return formatNumber(bytes / 1048576, 1) + ' MB';
    return formatNumber(bytes / 1024, 0) + ' KB';
  }

  // ---- Restream targets -----------------------------------------------------------------------------------
  // Rows are updated in place like the cards, so a toggle keeps its focus across polls. The API never returns a
  // target's key, so the page never holds one it did not type.

  function renderTargets(card, targets) {
    const f = card.fields;
    const seen = new Set();
    targets.forEach(function (target, index) {
      seen.add(target.name);
      let row = card.targetRows.get(target.name);
      if (!row) {
        row = createTargetRow(card, target.name);
        card.targetRows.set(target.name, row);
      }
      if (f.targets.children[index] !== row.element) {
        f.targets.insertBefore(row.element, f.targets.children[index] || null);
      }
      updateTargetRow(row, target);
    });
    card.targetRows.forEach(function (row, name) {
      if (!seen.has(name)) {
        row.element.remove();
        card.targetRows.delete(name);
      }
    });
    f.targetsEmpty.hidden = targets.length > 0;
    f.targetsTable.hidden = targets.length === 0;
    const live = targets.filter(function (t) { return t.state === 'live'; }).length;
    setText(f.restreamSummary, targets.length === 0 ? '' :
      '(' + targets.length + (targets.length === 1 ? ' target' : ' targets') + (live > 0 ? ', ' + live + ' live' : '') + ')');
  }

  function createTargetRow(card, name) {
    const element = document.createElement('tr');
    element.setAttribute('data-testid', 'target-row');
    element.dataset.target = name;
    const cell = function (tag, label, testid) {
      const td = document.createElement(tag);
      if (label) td.dataset.label = label;
      if (testid) td.setAttribute('data-testid', testid);
      element.appendChild(td);
      return td;
    };
    const nameCell = cell('th', '', 'target-name');
    nameCell.scope = 'row';
    nameCell.textContent = name;
    const row = {
      name: name, element: element, target: null, pending: false,
      fields: {
        host: cell('td', 'Host', 'target-host'), state: cell('td', 'State', 'target-state'),
        bitrate: cell('td', 'Bitrate', 'target-bitrate'), error: cell('td', 'Last error', 'target-error'),
      },
    };
    row.fields.error.className = 'target-error';
    const toggleCell = cell('td', 'Enabled');
    const toggle = document.createElement('input');
    toggle.type = 'checkbox';
    toggle.setAttribute('role', 'switch');
    toggle.setAttribute('data-testid', 'target-enabled');
    toggle.setAttribute('aria-label', 'Push ' + card.name + ' to ' + name);
    toggle.addEventListener('change', function () { setTargetEnabled(card, row, toggle.checked); });
    toggleCell.appendChild(toggle);
    const actionCell = cell('td', '');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'danger';
    remove.textContent = 'Delete';
    remove.setAttribute('data-testid', 'target-delete');
    remove.setAttribute('aria-label', 'Delete the target ' + name + ' of ' + card.name);
    remove.addEventListener('click', function () { deleteTarget(card, row); });
    actionCell.appendChild(remove);
    row.fields.toggle = toggle;
    return row;
  }

  function updateTargetRow(row, target) {
    row.target = target;
    const f = row.fields;
    setText(f.host, target.host + (target.port !== (target.scheme === 'rtmps' ? 443 : 1935) ? ':' + target.port : ''));
    f.host.title = target.url + ' · key ' + target.keyHint;
    setText(f.state, target.state);
    f.state.className = 'target-state-' + target.state;
    f.state.title = 'since ' + formatDate(target.since) + (target.reconnects ? ', ' + target.reconnects + ' reconnects' : '');
    setText(f.bitrate, target.state === 'live' ? formatBitrate(Math.round(target.bitsPerSecond / 1000)) : '—');
    setText(f.error, target.lastError || '');
    if (!row.pending) f.toggle.checked = target.enabled;
  }

  async function setTargetEnabled(card, row, enabled) {
    row.pending = true;
    row.fields.toggle.disabled = true;
    try {
      const updated = await api('PATCH', targetPath(card.name, row.name), { enabled: enabled });
      row.pending = false;
      updateTargetRow(row, updated);
      setStatus((enabled ? 'Enabled ' : 'Disabled ') + row.name + ' of ' + card.name + '.');
    } catch (error) {
      row.pending = false;
      if (row.target) row.fields.toggle.checked = row.target.enabled;
      if (!(error instanceof SignedOut)) setStatus('Could not change ' + row.name + ': ' + error.message, true);
    } finally {
      row.fields.toggle.disabled = false;
    }
    refreshSoon();
  }

  async function deleteTarget(card, row) {
    const ok = await confirmAction('Delete the target ' + row.name + ' of ' + card.name + '?',
      'StreamHub stops pushing ' + card.name + ' to ' + (row.target ? row.target.host : row.name) + ' and forgets its key.', 'Delete target');
    if (!ok) return;
    try {
      await api('DELETE', targetPath(card.name, row.name));
      row.element.remove();
      card.targetRows.delete(row.name);
      setStatus('Deleted the target ' + row.name + ' of ' + card.name + '.');
    } catch (error) {
      if (!(error instanceof SignedOut)) setStatus('Could not delete ' + row.name + ': ' + error.message, true);
    }
    refreshSoon();
  }

  async function addTarget(card) {
    const form = card.fields.targetForm;
    const errors = {};
    form.querySelectorAll('[data-error]').forEach(function (p) { errors[p.dataset.error] = p; });
    const showError = function (field, message) {
      const p = errors[field] || errors.form;
      p.textContent = message;
      p.hidden = !message;
      const input = form.elements[field];
      if (input && input.setAttribute) input.setAttribute('aria-invalid', message ? 'true' : 'false');
    };
    Object.keys(errors).forEach(function (field) { showError(field, ''); });
    const name = form.elements.name.value.trim();
    const url = form.elements.url.value.trim();
    const key = form.elements.key.value.trim();
    let invalid = false;
    if (!NAME_RULE.test(name)) { showError('name', name ? NAME_RULE_TEXT : 'Enter a name, e.g. youtube. ' + NAME_RULE_TEXT); invalid = true; }
    if (!url) { showError('url', 'Enter the server URL the platform gives, e.g. rtmp://a.rtmp.youtube.com/live2.'); invalid = true; }
    if (invalid) return;
    const body = { name: name, url: url, allowUntrustedCertificate: form.elements.allowUntrustedCertificate.checked };
    if (key) body.key = key;
    card.fields.targetAdd.disabled = true;
    try {
      await api('POST', '/api/streams/' + encodeURIComponent(card.name) + '/targets', body);
      form.reset();
      setStatus('Added the target ' + name + ' to ' + card.name + '.');
      refreshSoon();
    } catch (error) {
      if (error instanceof SignedOut) return;
      if (!(error instanceof ApiError)) { showError('form', 'Cannot reach StreamHub: ' + error.message); return; }
      const fieldErrors = error.problem.errors || {};
      const fields = Object.keys(fieldErrors);
      fields.forEach(function (field) { showError(errors[field] ? field : 'form', [].concat(fieldErrors[field]).join(' ')); });
      if (fields.length === 0) showError(error.problem.field && errors[error.problem.field] ? error.problem.field : 'form', error.message);
    } finally {
      card.fields.targetAdd.disabled = false;
    }
  }

  function targetPath(stream, target) {
    return '/api/streams/' + encodeURIComponent(stream) + '/targets/' + encodeURIComponent(target);
  }

  // ---- Preview (hls.js loaded on demand) ------------------------------------------------------------------

  let hlsLoading = null;
  function loadHlsJs() {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve, reject) {
        const script = document.createElement('script');
        script.src = '/lib/hls.min.js';
        script.onload = function () { resolve(window.Hls); };
        script.onerror = function () { hlsLoading = null; reject(new Error('hls.js did not load')); };
        document.head.appendChild(script);
      });
    }
    return hlsLoading;
  }

  function startPreview(card) {
    const f = card.fields;
    const preview = { hls: null, timer: 0, offline: false, stopped: false };
    card.preview = preview;
    f.previewBox.hidden = false;
    f.previewButton.textContent = 'Close preview';
    f.previewButton.setAttribute('aria-expanded', 'true');
    f.previewStatus.textContent = 'Loading…';
    const src = '/hls/' + encodeURIComponent(card.name) + '/index.m3u8';

    function retry(reason) {
      if (preview.stopped || preview.offline) return;
      f.previewStatus.textContent = 'Waiting for the first segments… (' + reason + ')';
      preview.timer = setTimeout(attempt, 2000);
    }

    function attempt() {
      if (preview.stopped || preview.offline) return;
      fetch(src, { method: 'HEAD', cache: 'no-store' }).then(function (response) {
        if (preview.stopped || preview.offline) return;
        if (!response.ok) { retry('playlist ' + response.status); return; }
        return loadHlsJs().catch(function () { return null; }).then(function (Hls) {
          if (preview.stopped || preview.offline) return;
          if (Hls && Hls.isSupported()) {
            const hls = new Hls({ liveSyncDurationCount: 3 });
            preview.hls = hls;
            hls.on(Hls.Events.ERROR, function (_, data) {
              if (!data.fatal) return;
              hls.destroy();
              preview.hls = null;
              retry(data.details);
            });
            hls.on(Hls.Events.MANIFEST_PARSED, function () { f.video.play().catch(function () { }); });
            hls.loadSource(src);
            hls.attachMedia(f.video);
          } else if (f.video.canPlayType('application/vnd.apple.mpegurl')) {
            f.video.src = src;
            f.video.play().catch(function () { });
          } else {
            f.previewStatus.textContent = 'This browser cannot play HLS here; use the player page.';
          }
        });
      }).catch(function (error) { retry(String(error.message || error)); });
    }

    f.video.onplaying = function () { if (!preview.stopped && !preview.offline) f.previewStatus.textContent = 'Playing'; };
    f.video.onwaiting = function () { if (!preview.stopped && !preview.offline) f.previewStatus.textContent = 'Buffering…'; };
    attempt();
  }

  function stopPreview(card) {
    const preview = card.preview;
    if (!preview) return;
    preview.stopped = true;
    clearTimeout(preview.timer);
    if (preview.hls) preview.hls.destroy();
    const video = card.fields.video;
    video.onplaying = video.onwaiting = null;
    video.removeAttribute('src');
    video.load();
    card.preview = null;
    card.fields.previewBox.hidden = true;
    card.fields.previewStatus.textContent = '';
    card.fields.previewButton.textContent = 'Preview';
    card.fields.previewButton.setAttribute('aria-expanded', 'false');
    if (card.stream && !card.stream.isLive) card.fields.previewButton.hidden = true;
  }

  // ---- Create ----------------------------------------------------------------------------------------------

  function clearFieldErrors() {
    Object.keys(ui.fieldErrors).forEach(function (field) { setFieldError(field, ''); });
    ui.createError.hidden = true;
    ui.createError.textContent = '';
  }

  function setFieldError(field, message) {
    ui.fieldErrors[field].textContent = message;
    ui.fieldErrors[field].hidden = !message;
    ui.fieldInputs[field].setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  function nameProblem(name) {
    if (!name) return 'Enter a name. ' + NAME_RULE_TEXT;
    if (!NAME_RULE.test(name)) return '"' + (name.length > 40 ? name.slice(0, 40) + '…' : name) + '" is not a valid name. ' + NAME_RULE_TEXT;
    return '';
  }

  ui.name.addEventListener('input', function () {
    // Only clear once fixed, so the message is not shown on every keystroke while typing.
    if (ui.fieldErrors.name.textContent && !nameProblem(ui.name.value)) setFieldError('name', '');
  });
  ui.name.addEventListener('blur', function () {
    if (ui.name.value) setFieldError('name', nameProblem(ui.name.value));
  });

  ui.createForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    clearFieldErrors();
    const name = ui.name.value.trim();
    const problem = nameProblem(name);
    if (problem) {
      setFieldError('name', problem);
      ui.name.focus();
      return;
    }
    const body = { name: name };
    if (ui.description.value.trim()) body.description = ui.description.value.trim();
    if (ui.expires.value) {
      const expires = new Date(ui.expires.value);
      if (Number.isNaN(expires.getTime())) {
        setFieldError('expiresAt', 'Enter a valid date and time.');
        return;
      }
      body.expiresAt = expires.toISOString();
    }
    ui.createButton.disabled = true;
    try {
      const created = await api('POST', '/api/streams', body);
      ui.createForm.reset();
      await showKey(created, 'created');
      refreshSoon();
    } catch (error) {
      if (error instanceof SignedOut) return;
      showProblem(error);
    } finally {
      ui.createButton.disabled = false;
    }
  });

  // 400: errors keyed by JSON field; 409: the name is taken. Both go next to their field.
  function showProblem(error) {
    if (!(error instanceof ApiError)) {
      ui.createError.textContent = 'Cannot reach StreamHub: ' + error.message;
      ui.createError.hidden = false;
      return;
    }
    const errors = error.problem.errors || {};
    let shown = false;
    Object.keys(errors).forEach(function (field) {
      const key = Object.keys(ui.fieldErrors).find(function (k) { return k.toLowerCase() === field.toLowerCase(); });
      const messages = [].concat(errors[field]).join(' ');
      if (key) { setFieldError(key, messages); shown = true; }
    });
    if (!shown && (error.status === 409 || error.problem.field === 'name')) {
      setFieldError('name', error.message);
      shown = true;
    }
    if (!shown) {
      ui.createError.textContent = (error.problem.title ? error.problem.title + ': ' : '') + (error.problem.detail || ('HTTP ' + error.status));
      ui.createError.hidden = false;
    } else {
      const first = Object.keys(ui.fieldErrors).find(function (k) { return !ui.fieldErrors[k].hidden; });
      if (first) ui.fieldInputs[first].focus();
    }
  }

  // ---- The key panel ---------------------------------------------------------------------------------------

  async function rtmpPort() {
    if (!state.rtmp) {
      try { renderPorts(await api('GET', '/api/diagnostics/ports')); } catch (error) { if (error instanceof SignedOut) throw error; }
    }
    return state.rtmp ? state.rtmp.port : 1935;
  }

  async function showKey(result, what) {
    const port = await rtmpPort();
    const server = 'rtmp://' + location.hostname + ':' + port + '/' + result.application;
    ui.keyStream.textContent = result.name + (what === 'rotated' ? ' (new key)' : '');
    ui.obsServer.textContent = server;
    ui.obsKey.textContent = result.key;
    ui.ffmpegUrl.textContent = server + '/' + result.key;
    ui.keyWatchLink.href = '/watch/' + encodeURIComponent(result.name);
    ui.keyWatchLink.textContent = location.origin + '/watch/' + result.name;
    ui.keyPanel.dataset.stream = result.name;
    ui.keyPanel.hidden = false;
    ui.keyPanel.querySelectorAll('button.copy').forEach(function (b) { b.textContent = 'Copy'; });
    ui.keyPanel.scrollIntoView({ block: 'nearest' });
    ui.keyPanel.focus({ preventScroll: true });
  }

  function hideKeyPanel() {
    ui.keyPanel.hidden = true;
    ui.obsKey.textContent = '';
    ui.ffmpegUrl.textContent = '';
    ui.obsServer.textContent = '';
    delete ui.keyPanel.dataset.stream;
  }

  ui.keyDone.addEventListener('click', hideKeyPanel);

  ui.keyPanel.addEventListener('click', function (event) {
    const button = event.target.closest('button.copy');
    if (!button) return;
    const text = $(button.dataset.copy).textContent;
    const what = $(button.dataset.copy + '-label').textContent;
    copyText(text).then(function () {
      button.textContent = 'Copied';
      setStatus('Copied the ' + what + ' to the clipboard.');
    }, function () {
      button.textContent = 'Select and copy';
      selectText($(button.dataset.copy));
      setStatus('The browser did not allow copying: the ' + what + ' is selected, copy it with the keyboard.', true);
    });
  });

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http to a remote host has no Clipboard API: fall back to a selection and execCommand.
    return new Promise(function (resolve, reject) {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand && document.execCommand('copy');
      area.remove();
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // ---- Rotate / delete, each behind a confirmation ---------------------------------------------------------

  function confirmAction(title, text, okLabel) {
    return new Promise(function (resolve) {
      ui.confirmTitle.textContent = title;
      ui.confirmText.textContent = text;
      ui.confirmOk.textContent = okLabel;
      ui.confirm.returnValue = '';
      ui.confirm.addEventListener('close', function () { resolve(ui.confirm.returnValue === 'ok'); }, { once: true });
      ui.confirm.showModal();
      $('confirm-cancel').focus();
    });
  }

  async function rotateKey(card) {
    const ok = await confirmAction('Rotate the key of ' + card.name + '?',
      'A new key is issued and the current one stops working at once: a live publisher using it is disconnected, and ' +
      'encoders using it are refused when they next connect.', 'Rotate key');
    if (!ok) return;
    try {
      const rotated = await api('POST', '/api/streams/' + encodeURIComponent(card.name) + '/rotate-key');
      await showKey(rotated, 'rotated');
      setStatus('');
    } catch (error) {
      if (!(error instanceof SignedOut)) setStatus('Could not rotate the key of ' + card.name + ': ' + error.message, true);
    }
    refreshSoon();
  }

  async function deleteStream(card) {
    const ok = await confirmAction('Delete ' + card.name + '?',
      'The stream and its key are removed; a live publisher is disconnected. This cannot be undone.', 'Delete stream');
    if (!ok) return;
    try {
      await api('DELETE', '/api/streams/' + encodeURIComponent(card.name));
      if (ui.keyPanel.dataset.stream === card.name) hideKeyPanel();
      setStatus('Deleted ' + card.name + '.');
    } catch (error) {
      if (!(error instanceof SignedOut)) setStatus('Could not delete ' + card.name + ': ' + error.message, true);
    }
    refreshSoon();
  }

  // ---- Listeners -------------------------------------------------------------------------------------------

  function renderPorts(ports) {
    const rtmp = ports.find(function (p) { return p.name === 'RTMP' && p.port > 0; })
      || ports.find(function (p) { return p.port > 0 && p.protocols.indexOf('RTMP') >= 0; });
    state.rtmp = rtmp ? { port: rtmp.port } : state.rtmp;
    const rows = ports.map(function (p) {
      const row = document.createElement('tr');
      row.dataset.listener = p.name;
      const cells = [
        ['Name', p.name],
        ['Address', p.address + ':' + p.port],
        ['Protocols', p.protocols.join(', ')],
        ['State', p.state + (p.error ? ': ' + p.error : ''), 'state-' + p.state],
        ['Connections', String(p.connections)],
      ];
      appendCells(row, cells);
      row.title = p.setting;
      return row;
    });
    ui.ports.replaceChildren.apply(ui.ports, rows);
  }

  // ---- Cluster ---------------------------------------------------------------------------------------------

  function renderCluster(cluster) {
    const store = cluster.store.reachable ? '' : ' The shared database is unreachable (' + (cluster.store.error || 'no answer') +
      '): live streams carry on, new publishes are refused; this is this node\'s own view.';
    ui.clusterSummary.textContent = (cluster.enabled
      ? cluster.nodes.length + ' node' + (cluster.nodes.length === 1 ? '' : 's') + ' on the shared database; this is ' + cluster.nodeId + '.'
      : 'One node (' + cluster.nodeId + '): the cluster needs StreamHub:Database:Provider=Postgres.') + store;
    ui.clusterSummary.classList.toggle('error', !cluster.store.reachable);
    const rows = cluster.nodes.map(function (node) {
      const held = cluster.streams.filter(function (s) { return s.node === node.id; }).map(function (s) { return s.name; });
      const row = document.createElement('tr');
      row.dataset.node = node.id;
      const cells = [
        ['Node', node.id + (node.self ? ' (this node)' : '')],
        ['Health', node.health, node.health === 'alive' ? 'state-bound' : 'state-failed'],
        ['Last heartbeat', node.lastHeartbeatAgeSeconds === null ? '–' : formatNumber(node.lastHeartbeatAgeSeconds, 1) + ' s ago'],
        ['Streams', String(node.streams)],
        ['Viewers', String(node.viewers)],
        ['CPU', formatNumber(node.cpuPercent, 1) + ' %'],
        ['Live here', held.join(', ') || '–'],
        ['URLs', node.publicUrls.join(' ') || '–'],
      ];
      appendCells(row, cells);
      return row;
    });
    ui.clusterNodes.replaceChildren.apply(ui.clusterNodes, rows);
    renderRelayed(cluster.relayed);
  }

  // Streams live on other nodes that this node pulls over RTMP for its own RTMP and HTTP-FLV players.
  function renderRelayed(relayed) {
    const rows = relayed.map(function (pull) {
      const row = document.createElement('tr');
      row.dataset.stream = pull.name;
      appendCells(row, [
        ['Stream', pull.name],
        ['Origin node', pull.origin],
        ['Players here', String(pull.players)],
        ['Pulled for', formatDuration(Date.now() + state.clockSkewMs - Date.parse(pull.since))],
      ]);
      return row;
    });
    ui.clusterRelayed.replaceChildren.apply(ui.clusterRelayed, rows);
    ui.clusterRelayedTitle.hidden = ui.clusterRelayedTable.hidden = rows.length === 0;
  }

  // A table row's cells from [label, text, class] triples (class optional): the first a row header, each labelled
  // for the narrow layout, which shows the label before the text.
  function appendCells(row, cells) {
    cells.forEach(function (cell, index) {
      const td = document.createElement(index === 0 ? 'th' : 'td');
      if (index === 0) td.scope = 'row';
      td.dataset.label = cell[0];
      td.textContent = cell[1];
      if (cell[2]) td.className = cell[2];
      row.appendChild(td);
    });
  }

  // ---- Start -----------------------------------------------------------------------------------------------

  const saved = adminKey();
  if (saved) {
    signIn(saved);
  } else {
    showSignedIn(false);
    ui.adminKey.focus();
  }
})();
