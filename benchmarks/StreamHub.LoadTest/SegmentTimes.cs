namespace StreamHub.LoadTest;

/// <summary>What a group of HLS viewers fetched while <see cref="Recording"/>: each segment's time from request to
/// last byte, playlists, failures; and, always, how many times they fetched each segment (by its URI).</summary>
public sealed class SegmentTimes
{
    private readonly Lock _lock = new();
    private readonly List<double> _milliseconds = [];
    private readonly Dictionary<string, int> _bySegment = new(StringComparer.Ordinal);
    private long _playlists;
    private long _failures;

    public volatile bool Recording;

    public long Playlists => Interlocked.Read(ref _playlists);
    public long Failures => Interlocked.Read(ref _failures);

    public void Playlist()
    {
        if (Recording)
        {
            Interlocked.Increment(ref _playlists);
        }
    }

    public void Failure() => Interlocked.Increment(ref _failures);

    public void Segment(string uri, double milliseconds)
    {
        lock (_lock)
        {
            _bySegment[uri] = _bySegment.GetValueOrDefault(uri) + 1;
            if (Recording)
            {
                _milliseconds.Add(milliseconds);
            }
        }
    }

    public int FetchesOf(string uri)
    {
        lock (_lock)
        {
            return _bySegment.GetValueOrDefault(uri);
        }
    }

    public List<double> Sorted()
    {
        lock (_lock)
        {
            return [.. _milliseconds.Order()];
        }
    }
}
