// The player page: /watch/{name}. By default plays /hls/{name}/index.m3u8 with hls.js, or natively where the browser
// has HLS (Safari, iOS). ?mode=flv is the low-latency mode: /flv/{name}.flv through mpegts.js (loaded only then), in
// browsers with Media Source Extensions. While the stream is not live the page waits and retries, so it can be opened
// before the encoder, and it waits again when the stream ends. ?replay={recording id} plays a finished recording as
// HLS VOD (/recordings/{name}/{id}.m3u8), seekable; the page's expires and sig (a signed link) are passed on.
// ?mode=rewind plays the rewind window (/hls/{name}/rewind.m3u8, when the server keeps one): the viewer can seek back
// up to StreamHub:Recording:RewindMinutes, and "Jump to live" returns to the live edge.
(function () {
  'use strict';
  const name = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() || '');
  const query = new URLSearchParams(location.search);
  const replay = (query.get('replay') || '').replace(/\.(mp4|m3u8)$/, '');
  const mode = replay ? 'replay' : query.get('mode') === 'flv' ? 'flv' : query.get('mode') === 'rewind' ? 'rewind' : 'hls';
  const signature = query.get('sig') ? '?expires=' + encodeURIComponent(query.get('expires') || '') + '&sig=' + encodeURIComponent(query.get('sig')) : '';
  const src = mode === 'flv'
    ? '/flv/' + encodeURIComponent(name) + '.flv'
    : mode === 'replay'
      ? '/recordings/' + encodeURIComponent(name) + '/' + encodeURIComponent(replay) + '.m3u8' + signature
      : '/hls/' + encodeURIComponent(name) + (mode === 'rewind' ? '/rewind.m3u8' : '/index.m3u8');
  const video = document.getElementById('video');
  const statusLine = document.getElementById('status');
  document.getElementById('title').textContent = name;
  document.getElementById('source-label').textContent = mode === 'flv' ? 'HTTP-FLV' : mode === 'replay' ? 'Replay' : mode === 'rewind' ? 'Rewind playlist' : 'Playlist';
  const liveButton = document.getElementById('to-live');
  liveButton.hidden = mode !== 'rewind';
  document.getElementById('playlist').textContent = location.origin + src;
  if (mode !== 'replay') {
    document.getElementById('mode-' + mode).setAttribute('aria-current', 'page');
  }
  document.title = 'StreamHub · ' + name;

  const state = { name: name, mode: mode, src: src, engine: null, status: 'loading', errors: [] };
  window.streamhub = state;

  function show(status, text) {
    state.status = status;
    statusLine.textContent = text;
    statusLine.dataset.status = status;
  }

  function retryLater(reason) {
    if (mode === 'replay') {
      show('unavailable', 'The recording cannot be played (' + reason + ').');
      return;
    }
    show('waiting', 'Waiting for "' + name + '" to go live… (' + reason + ')');
    setTimeout(start, 2000);
  }

  function start() {
    fetch(src, { method: 'HEAD', cache: 'no-store' }).then(function (response) {
      if (!response.ok) {
        retryLater((mode === 'flv' ? 'stream' : 'playlist') + ' answered ' + response.status);
        return;
      }
      if (mode === 'flv') {
        startFlv();
      } else if (window.Hls && window.Hls.isSupported()) {
        playWithHlsJs();
      } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
        state.engine = 'native';
        video.src = src;
        video.play().catch(function () { /* autoplay may wait for a click */ });
      } else {
        show('unsupported', 'This browser cannot play HLS (no Media Source Extensions and no native HLS).');
      }
    }).catch(function (error) { retryLater(String(error)); });
  }

  function playWithHlsJs() {
    state.engine = 'hls.js';
    // The live stream: low-latency HLS (parts, blocking reloads) when the server lists parts; the rewind window is
    // whole segments. Replays are VOD.
    const hls = new window.Hls(mode === 'replay' ? {} : mode === 'rewind' ? { liveSyncDurationCount: 3, lowLatencyMode: false }
      : { liveSyncDurationCount: 3, lowLatencyMode: true });
    if (mode === 'hls') {
      hls.on(window.Hls.Events.LEVEL_LOADED, function (_, data) {
        // With parts, hls.js starts up to a keyframe interval behind its target latency and, left to itself, stays
        // there: played at up to 1.5x it catches up (about 1.2-1.4 s behind the encoder on a LAN instead of 2-5 s).
        // Whole segments keep the normal speed: a few seconds of catching up at 1.5x would be heard.
        state.lowLatency = !!(data.details.partList && data.details.partList.length);
        hls.config.maxLiveSyncPlaybackRate = state.lowLatency ? 1.5 : 1;
      });
    }
    state.toLive = function () {
      // hls.js's live edge, less its sync distance; else the end of what can be played.
      const edge = hls.liveSyncPosition || (video.seekable.length ? video.seekable.end(video.seekable.length - 1) - 3 : 0);
      video.currentTime = edge;
      video.play().catch(function () { });
    };
    state.hls = hls;
    hls.on(window.Hls.Events.ERROR, function (_, data) {
      state.errors.push((data.fatal ? 'fatal:' : '') + data.type + ':' + data.details);
      if (!data.fatal) {
        return;
      }
      hls.destroy();
      retryLater(data.details);
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
      video.play().catch(function () { /* autoplay may wait for a click */ });
    });
  }

  // mpegts.js is 270 KB: only the low-latency mode loads it.
  function startFlv() {
    if (window.mpegts) {
      playWithMpegts();
      return;
    }
    const script = document.createElement('script');
    script.src = '/lib/mpegts.js';
    script.onload = playWithMpegts;
    script.onerror = function () { show('unsupported', 'The HTTP-FLV player (mpegts.js) did not load; try the standard mode.'); };
    document.body.appendChild(script);
  }

  function playWithMpegts() {
    const mpegts = window.mpegts;
    if (!mpegts.isSupported() || !mpegts.getFeatureList().mseLivePlayback) {
      show('unsupported', 'This browser cannot play HTTP-FLV (no Media Source Extensions); try the standard mode.');
      return;
    }
    state.engine = 'mpegts.js';
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: src }, {
      enableStashBuffer: false, // hand each tag to the decoder as it arrives: the point of this mode
      liveBufferLatencyChasing: true, // catch up after a stall instead of staying behind
    });
    state.player = player;
    player.on(mpegts.Events.ERROR, function (type, details) {
      state.errors.push('fatal:' + type + ':' + details);
      stopFlv();
      retryLater(details);
    });
    player.on(mpegts.Events.LOADING_COMPLETE, function () { state.flvEnded = true; });
    player.attachMediaElement(video);
    player.load();
    const playing = player.play();
    if (playing && playing.catch) {
      playing.catch(function () { /* autoplay may wait for a click */ });
    }
  }

  function stopFlv() {
    if (state.player) {
      state.player.destroy();
      state.player = null;
    }
  }

  liveButton.addEventListener('click', function () { if (state.toLive) state.toLive(); });

  video.addEventListener('error', function () {
    state.errors.push('video:' + (video.error ? video.error.code + ':' + video.error.message : 'unknown'));
  });
  video.addEventListener('playing', function () { show('playing', mode === 'replay' ? 'Replay' : 'Live'); });
  video.addEventListener('waiting', function () { if (state.status === 'playing') show('buffering', 'Buffering…'); });
  video.addEventListener('ended', function () {
    show('ended', mode === 'replay' ? 'The recording has ended.' : 'The stream has ended.');
    if (mode === 'flv' && state.flvEnded) {
      // The publisher stopped: wait for the next publish, as the page does before the first.
      stopFlv();
      state.flvEnded = false;
      setTimeout(start, 2000);
    }
  });

  start();
})();
