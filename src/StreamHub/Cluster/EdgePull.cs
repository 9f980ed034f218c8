using StreamHub.Live;
using StreamHub.Rtmp.Client;

namespace StreamHub.Cluster;

/// <summary>One stream pulled over RTMP from the node it is live on, for this node's RTMP and HTTP-FLV players: a
/// relayed <see cref="LiveStream"/> they subscribe to exactly as to a published one (GOP cache, bounded queues, chunks
/// shared), fed by one play connection to the origin. It has no sinks (not packaged, recorded or restreamed here), is
/// not in the <see cref="LiveStreamRegistry"/> (no placement, not counted as a publish) and ends — its players seeing
/// the end — when the origin ends the stream, the connection drops, or no player has watched for the linger.</summary>
public sealed class EdgePull
{
    private readonly EdgePulls _owner;
    private readonly TaskCompletionSource<bool> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _application;
    private string? _stopReason;

    internal EdgePull(EdgePulls owner, StreamPlacement origin, Uri url, string application, LiveStream stream)
    {
        _owner = owner;
        _application = application;
        Origin = origin;
        Url = url;
        Stream = stream;
    }

    public StreamPlacement Origin { get; }

    /// <summary>The origin's rtmp:// URL pulled from, the stream's name included (a public name, never a key).</summary>
    public Uri Url { get; }

    public LiveStream Stream { get; }

    /// <summary>True once the origin accepted the play; false when it could not be reached or refused.</summary>
    public Task<bool> Opened => _opened.Task;

    internal void Start() => _ = Task.Run(RunAsync);

    /// <summary>Ends the pull (its players see the stream end).</summary>
    public void Stop(string reason)
    {
        Interlocked.CompareExchange(ref _stopReason, reason, null);
        _stop.Cancel();
    }

    private async Task RunAsync()
    {
        string reason;
        var options = _owner.ClientOptions;
        try
        {
            await using var client = await RtmpPlayClient.OpenAsync(Url.IdnHost, Url.Port > 0 ? Url.Port : 1935, _application, Stream.Name,
                options, _stop.Token);
            _opened.TrySetResult(true);
            ClusterLog.PullStarted(_owner.Logger, Stream.Name, Origin.Node, Url.ToString());
            // Ends by itself, or with _stop when the pull ends.
            _ = Task.Run(LingerAsync);
            while (true)
            {
                var (item, end) = await client.ReadAsync();
                if (end is { } ended)
                {
                    reason = ended == RtmpPlayEnd.Unpublished ? "the origin ended the stream" : "the origin closed the connection";
                    break;
                }
                if (item.Frame is { } frame)
                {
                    try
                    {
                        Stream.Write(frame);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
                else if (item.Metadata is { } metadata)
                {
                    Stream.SetMetadata(metadata);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            reason = _stopReason ?? "stopped";
        }
        catch (Exception ex) when (ex is RtmpClientException or IOException or System.Net.Sockets.SocketException)
        {
            reason = ex.Message;
        }
        catch (Exception ex)
        {
            // A bug must not leave players on a stream that never ends.
            reason = $"{ex.GetType().Name}: {ex.Message}";
        }
        _owner.Ended(this);
        _stop.Cancel();
        Stream.End();
        ClusterLog.PullEnded(_owner.Logger, Stream.Name, Origin.Node, reason, _opened.Task.IsCompleted);
        _opened.TrySetResult(false);
    }

    /// <summary>Stops the pull once no player has watched for <see cref="ClusterOptions.EdgePullLingerSeconds"/>: a
    /// player that comes back (or moves to another rendition) within it finds the stream running.</summary>
    private async Task LingerAsync()
    {
        var linger = _owner.Linger;
        var time = _owner.Time;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(linger.TotalMilliseconds / 4, 50, 1000)), time);
        var idleSince = time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (Stream.SubscriberCount > 0)
                {
                    idleSince = time.GetTimestamp();
                }
                else if (time.GetElapsedTime(idleSince) >= linger)
                {
                    Stop($"no player for {linger.TotalSeconds:0.###} s");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
