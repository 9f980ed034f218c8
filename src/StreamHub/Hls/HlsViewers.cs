using System.Collections.Concurrent;

namespace StreamHub.Hls;

/// <summary>Counts the players watching each stream: distinct (address, user agent) pairs that fetched the stream's
/// playlist within the last <see cref="Window"/>. Players reload a live playlist about every target duration, so a
/// player that stopped drops out within seconds. Bounded: at most <see cref="MaxViewersPerStream"/> tracked per
/// stream.</summary>
public sealed class HlsViewers(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    public const int MaxViewersPerStream = 100_000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _streams = new(StringComparer.Ordinal);

    public void Seen(string stream, string viewer)
    {
        var viewers = _streams.GetOrAdd(stream, _ => new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        if (viewers.Count < MaxViewersPerStream || viewers.ContainsKey(viewer))
        {
            viewers[viewer] = time.GetTimestamp();
        }
    }

    /// <summary>Players seen within the window; forgets the others.</summary>
    public int Count(string stream)
    {
        if (!_streams.TryGetValue(stream, out var viewers))
        {
            return 0;
        }
        var now = time.GetTimestamp();
        var count = 0;
        foreach (var (viewer, seen) in viewers)
        {
            if (time.GetElapsedTime(seen, now) <= Window)
            {
                count++;
            }
            else
            {
                viewers.TryRemove(new KeyValuePair<string, long>(viewer, seen));
            }
        }
        if (viewers.IsEmpty)
        {
            _streams.TryRemove(new KeyValuePair<string, ConcurrentDictionary<string, long>>(stream, viewers));
        }
        return count;
    }

    public IEnumerable<string> Streams => _streams.Keys;
}
