using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Aac;

namespace StreamHub.Hls.Segmenting;

/// <summary>The container behind a <see cref="Segmenter"/>: turns the frames the segmenter has timed and placed into a
/// segment's bytes (MPEG-TS: <see cref="Ts.TsSegmentWriter"/>; fMP4/CMAF: <see cref="Fmp4.CmafSegmentWriter"/>). The
/// segmenter keeps every decision that does not depend on the container: where segments and parts are cut, the 90 kHz
/// clock, discontinuities, the byte cap and the window; a writer only writes, into the <see cref="IBufferWriter{T}"/>
/// it is handed (no I/O), and may hold frames back until the part or segment ends (TS packs several audio frames into
/// one PES; fMP4 writes a fragment's samples after its <c>moof</c>).
/// <para>Calls come in this order, on one thread: configurations whenever a sequence header arrives;
/// <see cref="BeginSegment"/>, frames (with <see cref="EndPart"/> between parts), <see cref="EndSegment"/> for each
/// segment (or <see cref="Discard"/> for one that will not be listed). One writer serves a stream for as long as its
/// segmenter lives, across publishes, so state such as continuity counters runs on. Called per frame, never per byte:
/// an implementation allocates nothing per frame.</para></summary>
public interface ISegmentWriter
{
    /// <summary>The largest raw audio frame the container can carry; a longer one is dropped before it is timed.</summary>
    int MaxAudioFrameLength { get; }

    /// <summary>The segment file extension, without the dot (<c>ts</c>, <c>m4s</c>).</summary>
    string Extension { get; }

    /// <summary>Whether the container can carry video of <paramref name="codec"/>.</summary>
    bool CanCarry(VideoCodec codec);

    /// <summary>The init segment (EXT-X-MAP) the segments from the latest <see cref="BeginSegment"/> on need, and its
    /// version: 1, 2, ... bumped whenever its bytes change. 0 and empty for a container without one (MPEG-TS).</summary>
    int InitVersion { get; }

    /// <inheritdoc cref="InitVersion"/>
    ReadOnlyMemory<byte> InitSegment { get; }

    /// <summary>Payload bytes of frames held back for the open segment, not yet in its buffer (the byte cap counts
    /// them).</summary>
    long PendingBytes { get; }

    /// <summary>A video sequence header was accepted: the frames from now on are coded with <paramref name="record"/>
    /// (the codec's decoder configuration record). False when the record cannot be read: video is then not packaged.
    /// The segmenter has already decided whether it makes a discontinuity.</summary>
    bool SetVideoConfiguration(VideoCodec codec, ReadOnlySpan<byte> record);

    /// <summary>An audio sequence header was accepted (<paramref name="record"/> is the AudioSpecificConfig). Frames the
    /// writer still holds that were coded with a different configuration go into <paramref name="segment"/> (the open
    /// segment) first.</summary>
    void SetAudioConfiguration(ReadOnlySpan<byte> record, AudioSpecificConfig configuration, IBufferWriter<byte> segment);

    /// <summary>Starts a segment in <paramref name="segment"/> (empty) that carries the given tracks (at least one).
    /// <paramref name="discontinuity"/>: the playlist marks it with EXT-X-DISCONTINUITY.</summary>
    void BeginSegment(IBufferWriter<byte> segment, bool hasVideo, bool hasAudio, bool discontinuity);

    /// <summary>Writes one coded video frame of the open segment, at <paramref name="dts"/> and <paramref name="pts"/>
    /// on the segmenter's 90 kHz clock. False when the payload cannot be written (malformed): the frame is dropped.</summary>
    bool WriteVideo(IBufferWriter<byte> segment, MediaFrame frame, long pts, long dts, bool keyframe);

    /// <summary>Writes (or holds for later in the segment) one coded audio frame of the open segment, at
    /// <paramref name="dts"/> on the 90 kHz clock, lasting <paramref name="duration"/>.</summary>
    void WriteAudio(IBufferWriter<byte> segment, MediaFrame frame, long dts, long duration);

    /// <summary>A part of the open segment ends at <paramref name="end"/> (90 kHz; the next frame's time): whatever the
    /// writer holds for it goes into <paramref name="segment"/>, so the bytes written so far play on their own after
    /// the earlier parts.</summary>
    void EndPart(IBufferWriter<byte> segment, long end);

    /// <summary>The open segment ends at <paramref name="end"/> (90 kHz): whatever the writer still holds for it goes
    /// into <paramref name="segment"/>.</summary>
    void EndSegment(IBufferWriter<byte> segment, long end);

    /// <summary>Drops whatever the writer holds for a segment that will not be listed (or holds with no segment
    /// open); the next call is a configuration or <see cref="BeginSegment"/>.</summary>
    void Discard();
}
