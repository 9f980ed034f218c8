using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Live;
using StreamHub.StreamKeys;

namespace StreamHub.Recording;

/// <summary>Records the live streams that are to be recorded (<see cref="RecordingOptions.Enabled"/>, or the stream's
/// own setting): one <see cref="StreamRecording"/> per publish, attached in
/// <see cref="LiveStreamRegistry.StreamStarted"/> before the publisher's first frame, so the file starts with the
/// stream. The per-stream settings are read from the database at start and kept in memory (the publish path reads
/// no database); the recordings API changes both. A timer deletes recordings past their age.</summary>
public sealed class Recorder : IHostedService
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly LiveStreamRegistry _registry;
    private readonly RecordingStore _store;
    private readonly RecordingDisk _disk;
    private readonly RecordingOptions _options;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger<Recorder> _logger;
    private readonly ConcurrentDictionary<string, StreamRecording> _recordings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StreamRecordingSettings> _settings = new(StringComparer.Ordinal);
    private readonly RecordingCounters _counters = new();
    private readonly Lock _gate = new();
    private ITimer? _sweep;

    public Recorder(LiveStreamRegistry registry, RecordingStore store, RecordingDisk disk, IOptions<RecordingOptions> options, IServiceScopeFactory scopes, TimeProvider time,
        ILogger<Recorder> logger, StreamHubMetrics? metrics = null)
    {
        _registry = registry;
        _store = store;
        _disk = disk;
        _options = options.Value;
        _scopes = scopes;
        _time = time;
        _logger = logger;
        if (metrics is not null)
        {
            RecordingMetrics.Register(metrics.Meter, this, _counters, store);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            if (scope.ServiceProvider.GetService<StreamKeyDbContext>() is { } db)
            {
                var overrides = await db.Streams.AsNoTracking()
                    .Where(s => s.RecordingEnabled != null || s.RecordingMaxMegabytes != null)
                    .Select(s => new { s.Name, s.RecordingEnabled, s.RecordingMaxMegabytes })
                    .ToListAsync(cancellationToken);
                foreach (var stream in overrides)
                {
                    _settings[stream.Name] = new StreamRecordingSettings(stream.RecordingEnabled, stream.RecordingMaxMegabytes);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RecordingLog.SettingsUnreadable(_logger, ex);
        }
        _registry.StreamStarted += OnStreamStarted;
        foreach (var stream in _registry.All)
        {
            OnStreamStarted(stream);
        }
        _sweep = _time.CreateTimer(static state => ((Recorder)state!).Sweep(), this, TimeSpan.FromSeconds(5), SweepEvery);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _registry.StreamStarted -= OnStreamStarted;
        if (_sweep is not null)
        {
            await _sweep.DisposeAsync();
        }
        // Each recording writes what it holds and closes its file.
        await Task.WhenAll(_recordings.Values.Select(r => r.StopAsync(RecordingStopReason.SwitchedOff, "the server is stopping")))
            .WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public StreamRecordingSettings SettingsOf(string streamName) => _settings.GetValueOrDefault(streamName, StreamRecordingSettings.Default);

    /// <summary>Whether the stream is recorded when it goes live.</summary>
    public bool IsEnabled(string streamName) => SettingsOf(streamName).Enabled ?? _options.Enabled;

    /// <summary>The byte limit of the stream's recordings (0: none).</summary>
    public long StreamLimitBytes(string streamName) => (SettingsOf(streamName).MaxMegabytes ?? _options.MaxStreamMegabytes) * 1024 * 1024;

    /// <summary>The recording of the stream's current publish, or of its last one (its end state stays visible).</summary>
    public RecordingStatus StatusOf(string streamName) =>
        _recordings.TryGetValue(streamName, out var recording) ? recording.Status() : RecordingStatus.Idle;

    /// <summary>The recording of the stream's current publish while it runs.</summary>
    public StreamRecording? Current(string streamName) =>
        _recordings.TryGetValue(streamName, out var recording) && !recording.Completion.IsCompleted
        && ReferenceEquals(_registry.Find(streamName), recording.Stream) ? recording : null;

    /// <summary>The stream's settings were changed (API): a live stream starts or stops recording to match.</summary>
    public async Task SettingsChangedAsync(string streamName, StreamRecordingSettings settings)
    {
        _settings[streamName] = settings;
        var live = _registry.Find(streamName);
        var current = _recordings.TryGetValue(streamName, out var recording) && ReferenceEquals(recording.Stream, live) && !recording.Completion.IsCompleted
            ? recording
            : null;
        if (IsEnabled(streamName))
        {
            if (live is not null && current is null)
            {
                Begin(live);
            }
        }
        else if (current is not null)
        {
            await current.StopAsync(RecordingStopReason.SwitchedOff, "recording was switched off for the stream");
        }
    }

    /// <summary>Streams being recorded now (read at a metrics scrape).</summary>
    public int ActiveCount => _recordings.Values.Count(r => !r.Completion.IsCompleted && r.IsRecording);

    /// <summary>Forgets a deleted stream's settings.</summary>
    public void Forget(string streamName) => _settings.TryRemove(streamName, out _);

    private void OnStreamStarted(LiveStream stream)
    {
        if (IsEnabled(stream.Name))
        {
            Begin(stream);
        }
    }

    private void Begin(LiveStream stream)
    {
        lock (_gate)
        {
            if (_recordings.TryGetValue(stream.Name, out var existing) && ReferenceEquals(existing.Stream, stream) && !existing.Completion.IsCompleted)
            {
                return;
            }
            var recording = new StreamRecording(stream, _options, _store, _disk, StreamLimitBytes(stream.Name), _time, _logger, _counters);
            _recordings[stream.Name] = recording;
            recording.Start();
        }
    }

    private void Sweep()
    {
        try
        {
            _store.DeleteExpired();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RecordingLog.SweepFailed(_logger, ex);
        }
    }
}
