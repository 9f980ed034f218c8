using System.Collections.Concurrent;
using StreamHub.Live;

namespace StreamHub.Playback;

/// <summary>Every player of every live stream (RTMP playback, HTTP-FLV): the one way a player joins a stream
/// (<see cref="Join"/>, which subscribes it), and the counts the stats API, the dashboard and /metrics show. Counters
/// are kept per stream name, so a stream's totals survive a publisher reconnecting.</summary>
public sealed class PlayerRegistry(TimeProvider time, ILogger<PlayerRegistry> logger)
{
    private readonly ConcurrentDictionary<string, StreamPlayers> _streams = new(StringComparer.Ordinal);
    private readonly StreamPlayers _total = new();

    /// <summary>Subscribes a player to <paramref name="stream"/> and logs its join. Dispose the session to leave.</summary>
    /// <param name="transport">rtmp, rtmps, rtmpt, http or https.</param>
    /// <param name="player">The connection's name in logs.</param>
    public PlayerSession Join(LiveStream stream, PlaybackProtocol protocol, string transport, string player, string remoteAddress)
    {
        var subscription = stream.Subscribe(new SubscriptionOptions($"{player} ({protocol} from {remoteAddress})"));
        var session = new PlayerSession(this, stream, protocol, transport, player, remoteAddress, subscription, time.GetTimestamp());
        var counts = For(stream.Name);
        counts.Joined(protocol);
        _total.Joined(protocol);
        PlaybackLog.Joined(logger, player, stream.Name, protocol, transport, remoteAddress);
        return session;
    }

    /// <summary>Players of the stream named <paramref name="streamName"/> now, and its totals.</summary>
    public PlayerCounts CountsFor(string streamName) => _streams.TryGetValue(streamName, out var counts) ? counts.Snapshot() : default;

    /// <summary>Players of every stream now, and the totals since the process started.</summary>
    public PlayerCounts Total => _total.Snapshot();

    /// <summary>Stream names that have had players (for per-stream metric series).</summary>
    public IEnumerable<string> StreamNames => _streams.Keys;

    internal void AddBytesSent(PlayerSession session, long bytes)
    {
        For(session.Stream.Name).AddBytes(bytes);
        _total.AddBytes(bytes);
    }

    internal void Left(PlayerSession session, string reason)
    {
        var dropped = session.Subscription.DroppedFrames;
        var counts = For(session.Stream.Name);
        counts.Left(session.Protocol, dropped);
        _total.Left(session.Protocol, dropped);
        PlaybackLog.Left(logger, session.Player, session.Stream.Name, session.Protocol, session.Transport, session.RemoteAddress,
            time.GetElapsedTime(session.JoinedAt).TotalSeconds, session.BytesSent, dropped, session.Subscription.DroppedBytes, reason);
    }

    private StreamPlayers For(string name) => _streams.GetOrAdd(name, static _ => new StreamPlayers());

    private sealed class StreamPlayers
    {
        private int _rtmp;
        private int _httpFlv;
        private long _bytes;
        private long _dropped;

        public void Joined(PlaybackProtocol protocol) => Interlocked.Increment(ref protocol == PlaybackProtocol.Rtmp ? ref _rtmp : ref _httpFlv);

        public void Left(PlaybackProtocol protocol, long dropped)
        {
            Interlocked.Decrement(ref protocol == PlaybackProtocol.Rtmp ? ref _rtmp : ref _httpFlv);
            Interlocked.Add(ref _dropped, dropped);
        }

        public void AddBytes(long bytes) => Interlocked.Add(ref _bytes, bytes);

        public PlayerCounts Snapshot() => new(Volatile.Read(ref _rtmp), Volatile.Read(ref _httpFlv), Interlocked.Read(ref _bytes), Interlocked.Read(ref _dropped));
    }
}
