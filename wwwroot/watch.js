// The player page: /watch/{name}. Plays /hls/{name}/index.m3u8 with hls.js, or natively where the browser has HLS
// (Safari, iOS). While the stream is not live it waits and retries, so the page can be opened before the encoder.
(function () {
  'use strict';
  const name = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() || '');
  const src = '/hls/' + encodeURIComponent(name) + '/index.m3u8';
  const video = document.getElementById('video');
  const statusLine = document.getElementById('status');
  document.getElementById('title').textContent = name;
  document.getElementById('playlist').textContent = location.origin + src;
  document.title = 'StreamHub · ' + name;

  const state = { name: name, src: src, engine: null, status: 'loading', errors: [] };
  window.streamhub = state;

  function show(status, text) {
    state.status = status;
    statusLine.textContent = text;
    statusLine.dataset.status = status;
  }

  function retryLater(reason) {
    show('waiting', 'Waiting for "' + name + '" to go live… (' + reason + ')');
    setTimeout(start, 2000);
  }

  function start() {
    fetch(src, { method: 'HEAD', cache: 'no-store' }).then(function (response) {
      if (!response.ok) {
        retryLater('playlist answered ' + response.status);
        return;
      }
      if (window.Hls && window.Hls.isSupported()) {
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
    const hls = new window.Hls({ liveSyncDurationCount: 3, lowLatencyMode: false });
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

  video.addEventListener('playing', function () { show('playing', 'Live'); });
  video.addEventListener('waiting', function () { if (state.status === 'playing') show('buffering', 'Buffering…'); });
  video.addEventListener('ended', function () { show('ended', 'The stream has ended.'); });

  start();
})();
