namespace StreamHub.Rtmp.Chunking;

/// <summary>The chunk streams of one connection, bounded by <see cref="RtmpOptions.MaxChunkStreams"/>. Ids 2..63 (what
/// encoders use) sit in an array; larger ids in a dictionary.</summary>
internal sealed class ChunkStreamTable(int maxStreams) : IDisposable
{
    private readonly ChunkStream?[] _small = new ChunkStream?[64];
    private readonly List<ChunkStream> _all = [];
    private Dictionary<int, ChunkStream>? _large;

    public int Count { get; private set; }

    /// <summary>Every chunk stream, in the order they were opened.</summary>
    public IReadOnlyList<ChunkStream> All => _all;

    public ChunkStream GetOrAdd(int id)
    {
        if (id < 64)
        {
            return _small[id] ?? (_small[id] = Add(id));
        }
        _large ??= [];
        if (!_large.TryGetValue(id, out var stream))
        {
            stream = Add(id);
            _large.Add(id, stream);
        }
        return stream;
    }

    public ChunkStream? Find(int id)
    {
        if (id < 64)
        {
            return _small[id];
        }
        return _large is not null && _large.TryGetValue(id, out var stream) ? stream : null;
    }

    private ChunkStream Add(int id)
    {
        if (Count >= maxStreams)
        {
            RtmpThrow.TooManyChunkStreams(maxStreams);
        }
        Count++;
        var stream = new ChunkStream(id);
        _all.Add(stream);
        return stream;
    }

    public void Dispose()
    {
        foreach (var stream in _small)
        {
            stream?.ReturnBuffer();
        }
        if (_large is not null)
        {
            foreach (var stream in _large.Values)
            {
                stream.ReturnBuffer();
            }
        }
    }
}
