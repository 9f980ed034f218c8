using StreamHub.Media;

namespace StreamHub.Live;

/// <summary>One publish of one stream, from publish to unpublish, keyed by the stream's public name. The publisher
/// hands every frame to <see cref="Write"/>; the stream keeps the latest sequence headers and metadata (for consumers
/// that join late) and fans each frame out to the sinks.</summary>
public sealed class LiveStream
{
    private readonly IMediaSink[] _sinks;
    private MediaFrame? _videoSequenceHeader;
    private MediaFrame? _audioSequenceHeader;
    private long _videoFrames;
    private long _audioFrames;
    private long _bytes;

    internal LiveStream(string name, PublisherInfo publisher, DateTimeOffset startedAt, IMediaSink[] sinks)
    {
        Name = name;
        Publisher = publisher;
        StartedAt = startedAt;
        _sinks = sinks;
    }

    /// <summary>The public name (never the key).</summary>
    public string Name { get; }

    public PublisherInfo Publisher { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>onMetaData from the encoder (width, height, framerate, encoder, ...), as AMF values.</summary>
    public IReadOnlyDictionary<string, object?> Metadata { get; private set; } = new Dictionary<string, object?>();

    public MediaFrame? VideoSequenceHeader => _videoSequenceHeader;
    public MediaFrame? AudioSequenceHeader => _audioSequenceHeader;

    public long VideoFrames => Interlocked.Read(ref _videoFrames);
    public long AudioFrames => Interlocked.Read(ref _audioFrames);
    public long BytesReceived => Interlocked.Read(ref _bytes);

    public void SetMetadata(IReadOnlyDictionary<string, object?> metadata) => Metadata = metadata;

    /// <summary>Hands a frame to every sink. The caller keeps its own reference and releases it after this returns.</summary>
    public void Write(MediaFrame frame)
    {
        Interlocked.Add(ref _bytes, frame.Payload.Length);
        if (frame.FrameKind == MediaFrameKind.SequenceHeader)
        {
            ref var slot = ref frame.Kind == MediaKind.Video ? ref _videoSequenceHeader : ref _audioSequenceHeader;
            var previous = slot;
            slot = frame.Retain();
            previous?.Release();
        }
        else if (frame.FrameKind == MediaFrameKind.Coded)
        {
            if (frame.Kind == MediaKind.Video)
            {
                Interlocked.Increment(ref _videoFrames);
            }
            else
            {
                Interlocked.Increment(ref _audioFrames);
            }
        }

        foreach (var sink in _sinks)
        {
            sink.OnFrame(this, frame);
        }
    }

    internal void Start()
    {
        foreach (var sink in _sinks)
        {
            sink.OnPublishStarted(this);
        }
    }

    internal void End()
    {
        foreach (var sink in _sinks)
        {
            sink.OnPublishEnded(this);
        }
        Interlocked.Exchange(ref _videoSequenceHeader, null)?.Release();
        Interlocked.Exchange(ref _audioSequenceHeader, null)?.Release();
    }
}
