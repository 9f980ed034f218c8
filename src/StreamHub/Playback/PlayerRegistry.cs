using System.Collections.Concurrent;
using StreamHub.Live;

namespace StreamHub.Playback;

/// <summary>Every player of every live stream (RTMP playback, HTTP-FLV): the one way a player joins a stream
/// (<see cref="Join"/>, which subscribes it), and the counts the stats API, the dashboard and /metrics show.
/// <para>Counts are kept per stream name, so they carry over a publisher reconnecting while players are connected.
/// A name's entry is forgotten once it has no player and its stream is not live (checked when its last player leaves,
/// when a name gets its first player, and when the names are listed), and its totals are folded into the server's:
/// the table holds the names that are live or have players, never the history of every name that ever had one,
/// and <see cref="CountsFor"/> stays exact for any name (a fixed cap with an overflow entry, as the ingest metrics
/// use, would report zero players for streams past the cap). A forgotten name's per-stream counters start again at
/// zero, which Prometheus reads as a counter reset.</para></summary>
public sealed class PlayerRegistry(TimeProvider time, ILogger<PlayerRegistry> logger, LiveStreamRegistry? live = null)
{
    private readonly ConcurrentDictionary<string, StreamPlayers> _streams = new(StringComparer.Ordinal);

    // Forgetting an entry and reading the total both hold this, so the total never counts an entry twice (in the
    // table and folded) or not at all, and its counters never go backwards.
    private readonly Lock _forgetGate = new();
    private PlayerCounts _forgotten;

    /// <summary>Subscribes a player to <paramref name="stream"/> and logs its join. Dispose the session to leave.</summary>
    /// <param name="transport">rtmp, rtmps, rtmpt, http or https.</param>
    /// <param name="player">The connection's name in logs.</param>
    public PlayerSession Join(LiveStream stream, PlaybackProtocol protocol, string transport, string player, string remoteAddress)
    {
        var subscription = stream.Subscribe(new SubscriptionOptions($"{player} ({protocol} from {remoteAddress})"));
        var session = new PlayerSession(this, stream, protocol, transport, player, remoteAddress, subscription, time.GetTimestamp());
        while (true)
        {
            if (!_streams.TryGetValue(stream.Name, out var players))
            {
                // A new name: the moment to let go of names that are neither live nor watched, so the table stays bounded.
                ForgetIdle();
                players = _streams.GetOrAdd(stream.Name, static _ => new StreamPlayers());
            }
            if (players.TryJoin(session))
            {
                session.Players = players;
                break;
            }
        }
        PlaybackLog.Joined(logger, player, stream.Name, protocol, transport, remoteAddress);
        return session;
    }

    /// <summary>Players of the stream named <paramref name="streamName"/> now, and its totals.</summary>
    public PlayerCounts CountsFor(string streamName) => _streams.TryGetValue(streamName, out var players) ? players.Snapshot() : default;

    /// <summary>Players of every stream now, and the totals since the process started (forgotten names included).</summary>
    public PlayerCounts Total
    {
        get
        {
            lock (_forgetGate)
            {
                var total = _forgotten;
                foreach (var players in _streams.Values)
                {
                    total += players.Snapshot();
                }
                return total;
            }
        }
    }

    /// <summary>Stream names that are live or have players (for per-stream metric series).</summary>
    public IEnumerable<string> StreamNames
    {
        get
        {
            ForgetIdle();
            return _streams.Keys;
        }
    }

    /// <summary>Every name's counts, as <see cref="StreamNames"/> and <see cref="CountsFor"/> would give them.</summary>
    public IReadOnlyList<KeyValuePair<string, PlayerCounts>> PerStream()
    {
        ForgetIdle();
        return _streams.Select(s => KeyValuePair.Create(s.Key, s.Value.Snapshot())).ToArray();
    }

    internal void Left(PlayerSession session, string reason)
    {
        var dropped = session.Subscription.DroppedFrames;
        var name = session.Stream.Name;
        if (session.Players is { } players && players.Leave(session, dropped) && !IsLive(name))
        {
            TryForget(name, players);
        }
        PlaybackLog.Left(logger, session.Player, name, session.Protocol, session.Transport, session.RemoteAddress,
            time.GetElapsedTime(session.JoinedAt).TotalSeconds, session.BytesSent, dropped, session.Subscription.DroppedBytes, reason);
    }

    // Without the live registry (a registry built on its own) no stream counts as live: idle names go at once.
    private bool IsLive(string name) => live?.Find(name) is not null;

    private void ForgetIdle()
    {
        foreach (var (name, players) in _streams)
        {
            if (!IsLive(name))
            {
                TryForget(name, players);
            }
        }
    }

    private void TryForget(string name, StreamPlayers players)
    {
        lock (_forgetGate)
        {
            if (players.TryForget() && _streams.TryRemove(KeyValuePair.Create(name, players)))
            {
                _forgotten += players.Snapshot();
            }
        }
    }
}
