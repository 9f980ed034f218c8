using System.Buffers;
using StreamHub.Live;
using StreamHub.Media;
using StreamHub.Media.Flv;

namespace StreamHub.Playback.HttpFlv;

/// <summary>Turns one player's subscription items into an FLV byte stream (<see cref="FlvTagWriter"/>): the file
/// header once, then a tag per item. Tags keep the stream's absolute timestamps, except that no tag goes back in time:
/// after a drop the subscription re-sends sequence headers and onMetaData stamped with their old times, and audio and
/// video arrive interleaved a few milliseconds out of order; a player's demuxer (mpegts.js, ffmpeg's) expects one
/// non-decreasing clock, so such a tag is written at the last tag's time.
/// <para>Writes to an <see cref="IBufferWriter{T}"/> and knows nothing of HTTP; nothing is allocated per frame (onMetaData,
/// sent once per join or change, is staged).</para></summary>
public sealed class LiveFlvWriter
{
    private long _lastTimestamp = long.MinValue;
    private CountingWriter? _metadataOutput;

    /// <summary>The timestamp of the last tag written, or <see cref="long.MinValue"/> before the first.</summary>
    public long LastTimestamp => _lastTimestamp;

    /// <summary>The FLV header; its audio/video flags say which tracks the player should wait for.</summary>
    public static int WriteHeader(IBufferWriter<byte> output, bool hasAudio, bool hasVideo)
    {
        FlvTagWriter.WriteFileHeader(output, hasAudio, hasVideo);
        return FlvTagWriter.FileHeaderLength;
    }

    /// <summary>The header flags for <paramref name="stream"/> as it stands: the tracks whose sequence headers (or
    /// descriptions) it has. A stream that has sent neither yet is assumed to carry both, as encoders do.</summary>
    public static (bool HasAudio, bool HasVideo) TracksOf(LiveStream stream)
    {
        var hasVideo = stream.VideoSequenceHeader is not null || stream.Video is not null;
        var hasAudio = stream.AudioSequenceHeader is not null || stream.Audio is not null;
        return hasVideo || hasAudio ? (hasAudio, hasVideo) : (true, true);
    }

    /// <summary>Writes <paramref name="item"/> as one tag, or nothing for a frame FLV cannot carry (an unknown codec,
    /// a track other than the default one, a payload past the 24-bit DataSize). A frame is released here, written or
    /// not. Returns the bytes written.</summary>
    public int Write(IBufferWriter<byte> output, in LiveItem item)
    {
        if (item.Frame is { } frame)
        {
            try
            {
                return WriteFrame(output, frame);
            }
            finally
            {
                frame.Release();
            }
        }
        return item.Metadata is { } values ? WriteMetadata(output, values) : 0;
    }

    private int WriteFrame(IBufferWriter<byte> output, MediaFrame frame)
    {
        // Other tracks of an Enhanced RTMP multitrack stream are for players that ask for them; none does yet.
        if (frame.TrackId != 0 || !FlvTagWriter.CanWrite(frame)
            || frame.Payload.Length > FlvTagWriter.MaxDataSize - FlvTagWriter.MaxTagPrefixLength)
        {
            return 0;
        }
        var timestamp = NextTimestamp(frame.Dts);
        var prefix = output.GetSpan(FlvTagWriter.MaxTagPrefixLength);
        var prefixLength = FlvTagWriter.WriteTagPrefix(prefix, frame, timestamp);
        output.Advance(prefixLength);
        var payload = frame.Payload.Span;
        output.Write(payload);
        var tagLength = prefixLength + payload.Length;
        FlvTagWriter.WritePreviousTagSize(output.GetSpan(FlvTagWriter.PreviousTagSizeLength), tagLength);
        output.Advance(FlvTagWriter.PreviousTagSizeLength);
        return tagLength + FlvTagWriter.PreviousTagSizeLength;
    }

    private int WriteMetadata(IBufferWriter<byte> output, IReadOnlyDictionary<string, object?> metadata)
    {
        // onMetaData carries no time of its own: it goes out at the player's current time (0 before anything else).
        var timestamp = NextTimestamp(0);
        var counting = _metadataOutput ??= new CountingWriter();
        counting.Start(output);
        FlvTagWriter.WriteMetadata(counting, metadata, timestamp);
        return counting.Written;
    }

    private long NextTimestamp(long timestamp)
    {
        if (timestamp < _lastTimestamp)
        {
            timestamp = _lastTimestamp;
        }
        _lastTimestamp = timestamp;
        return timestamp;
    }

    /// <summary>Counts what the metadata tag took (its AMF body's length is only known once written).</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private IBufferWriter<byte> _inner = null!;

        public int Written { get; private set; }

        public void Start(IBufferWriter<byte> inner)
        {
            _inner = inner;
            Written = 0;
        }

        public void Advance(int count)
        {
            _inner.Advance(count);
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
    }
}
