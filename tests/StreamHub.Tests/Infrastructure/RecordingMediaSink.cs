using StreamHub.Live;
using StreamHub.Media;

namespace StreamHub.Tests.Infrastructure;

/// <summary>An <see cref="IMediaSink"/> that records what every stream delivered: frame properties and payload
/// copies, and publish start/end.</summary>
public sealed class RecordingMediaSink : IMediaSink
{
    private readonly Lock _gate = new();
    private readonly List<RecordedFrame> _frames = [];
    private readonly List<string> _started = [];
    private readonly List<string> _ended = [];

    public void OnPublishStarted(LiveStream stream)
    {
        lock (_gate)
        {
            _started.Add(stream.Name);
        }
    }

    public void OnFrame(LiveStream stream, MediaFrame frame)
    {
        var recorded = new RecordedFrame(stream.Name, frame.Kind, frame.FrameKind, frame.VideoCodec, frame.AudioCodec,
            frame.IsKeyframe, frame.Dts, frame.Pts, frame.CompositionOffset, frame.TrackId, frame.Payload.ToArray());
        lock (_gate)
        {
            _frames.Add(recorded);
        }
    }

    public void OnPublishEnded(LiveStream stream)
    {
        lock (_gate)
        {
            _ended.Add(stream.Name);
        }
    }

    public IReadOnlyList<RecordedFrame> Frames(string stream)
    {
        lock (_gate)
        {
            return _frames.Where(f => f.Stream == stream).ToList();
        }
    }

    public bool HasStarted(string stream)
    {
        lock (_gate)
        {
            return _started.Contains(stream);
        }
    }

    public bool HasEnded(string stream)
    {
        lock (_gate)
        {
            return _ended.Contains(stream);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="stream"/>'s publish has ended.</summary>
    public async Task WaitForEndAsync(string stream, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!HasEnded(stream))
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Stream {stream} did not end within {timeout}.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }
            await Task.Delay(20);
        }
    }
}
