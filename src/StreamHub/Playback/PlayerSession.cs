using StreamHub.Live;

namespace StreamHub.Playback;

/// <summary>One player on one live stream, from join to leave: its subscription (its own bounded queue on the stream)
/// and its counters. The player's transport reads the subscription, writes what it reads and reports the bytes it
/// sent; <see cref="Dispose"/> leaves the stream and logs one line with the totals.</summary>
public sealed class PlayerSession : IDisposable
{
    private readonly PlayerRegistry _registry;
    private readonly long _joinedAt;
    private long _bytesSent;
    private string? _leaveReason;
    private int _disposed;

    internal PlayerSession(PlayerRegistry registry, LiveStream stream, PlaybackProtocol protocol, string transport, string player,
        string remoteAddress, LiveSubscription subscription, long joinedAt)
    {
        _registry = registry;
        Stream = stream;
        Protocol = protocol;
        Transport = transport;
        Player = player;
        RemoteAddress = remoteAddress;
        Subscription = subscription;
        _joinedAt = joinedAt;
    }

    public LiveStream Stream { get; }
    public PlaybackProtocol Protocol { get; }

    /// <summary>rtmp, rtmps, rtmpt, http or https: for the log line.</summary>
    public string Transport { get; }

    /// <summary>The connection's name in logs (its connection id), never a key.</summary>
    public string Player { get; }

    public string RemoteAddress { get; }

    /// <summary>The player's queue on the stream: read it with WaitToReadAsync/TryRead, release each frame read.</summary>
    public LiveSubscription Subscription { get; }

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    internal long JoinedAt => _joinedAt;

    /// <summary>The stream name's entry this player counts in, set once it has joined.</summary>
    internal StreamPlayers? Players { get; set; }

    /// <summary>Counts bytes written to the player; call it per batch, not per frame, and before
    /// <see cref="Dispose"/> (the stream's totals take a player's count as it leaves, and nothing after).</summary>
    public void AddBytesSent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);

    /// <summary>Why the player leaves, for its log line, when it is not the subscription's own end (the player
    /// closed the connection, a write timed out, ...). The first reason given wins.</summary>
    public void SetLeaveReason(string reason) => Interlocked.CompareExchange(ref _leaveReason, reason, null);

    /// <summary>Leaves the stream, releases whatever is still queued and logs the player's totals. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        var end = Subscription.End;
        Subscription.Dispose();
        var reason = end switch
        {
            SubscriptionEnd.PublishEnded => "the publisher stopped",
            SubscriptionEnd.FellBehind => "it fell behind for too long and was removed",
            _ => Volatile.Read(ref _leaveReason) ?? "the player left",
        };
        _registry.Left(this, reason);
    }
}
