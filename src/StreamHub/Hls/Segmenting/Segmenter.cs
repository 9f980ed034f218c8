using StreamHub.Hls.Playlists;
using StreamHub.Hls.Ts;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Avc;

namespace StreamHub.Hls.Segmenting;

/// <summary>Cuts one stream's frames (H.264 + AAC, either alone) into segments and lists each in its
/// <see cref="SegmentWindow"/> the moment it is closed, synchronously, on the caller's thread. Not thread-safe: the
/// caller serialises calls. Every decision here is the same whatever the container: the bytes of a segment come from
/// an <see cref="ISegmentWriter"/> (MPEG-TS unless another is given), written into pooled blocks this segmenter
/// owns.
/// <list type="bullet">
/// <item>Cuts: a segment with video starts at an IDR and is cut only at an IDR (RFC 8216 §3: players need every segment
/// to start decodable): the first IDR once the target duration is reached, or an earlier one when waiting for the next
/// keyframe (one keyframe interval away) would carry the segment past EXT-X-TARGETDURATION. A stream whose keyframe
/// interval is longer than the target therefore gets segments as long as its GOP. Audio-only segments, and segments
/// whose video has stalled while audio flows, are cut on time. Only a segment that reaches
/// <see cref="MaxDuration"/> without a keyframe (a broken encoder) or the byte cap is cut elsewhere
/// (<see cref="ForcedCuts"/>; it is then not independent).</item>
/// <item>EXT-X-TARGETDURATION (kept by the window) is the rounded longest segment, and at least the rounded target.
/// It is settled by the first segment, which spans at least one whole GOP of the encoder, and the look-ahead rule
/// keeps later segments within it, so it stays constant for an encoder with a fixed keyframe interval (RFC 8216
/// §6.2.1). Only an encoder that lengthens its keyframe interval mid-stream makes it grow: a segment that starts
/// decodable is worth more to players than a constant tag.</item>
/// <item>Clock: 90 kHz, 64 bits. A publish's first frame maps to <see cref="ClockStart"/> (1.4 s): a container clock
/// that runs behind DTS stays positive (TS: PCR = DTS − 0.7 s), and frames up to 1.4 s earlier than the first (audio
/// priming, B-frame reordering) still get positive timestamps. Anything earlier is clamped to 0; PTS is never below DTS; DTS never goes backwards within a
/// track. A new publish continues the clock from the end of the previous one. Audio timestamps follow the AAC sample
/// count (1024 samples a frame) from the first frame, since RTMP's whole milliseconds are up to 0.5 ms off the frame
/// cadence; they are re-anchored on the encoder's timestamp when the two drift apart by more than half a frame (a
/// dropped frame, a clock jump).</item>
/// <item>A publisher restart, a jump in the timestamps (back by more than 1 s or forward by more than 10 s from the
/// latest frame of either track), or
/// a changed sequence header (new SPS/PPS or AudioSpecificConfig) makes the next segment start with a discontinuity
/// and a fresh program date-time; after a jump the clock is re-mapped so it stays continuous. A gap in the frames that
/// would carry a segment past TARGETDURATION ends the segment there and becomes a discontinuity.</item>
/// <item>Memory: a segment is also cut once it holds <see cref="DefaultMaxSegmentBytes"/> (as written by its writer;
/// frames a writer holds back are not counted), so the window bounds what a stream keeps whatever its timestamps
/// do.</item>
/// </list></summary>
public sealed class Segmenter
{
    public const long ClockStart = 1400 * 90;
    public const long JumpBackwardMs = 1_000;
    public const long JumpForwardMs = 10_000;

    /// <summary>A segment this large is cut at the next frame whatever its timestamps say (a publisher whose clock
    /// stands still would otherwise grow one segment without end): 32 MiB is 2 s at 128 Mbit/s.</summary>
    public const int DefaultMaxSegmentBytes = 32 * 1024 * 1024;

    /// <summary>The longest segment when the encoder sends no keyframe, unless the caller sets another.</summary>
    public static readonly TimeSpan DefaultMaxDuration = TimeSpan.FromSeconds(15);

    private const long DefaultVideoFrameDuration = 40 * 90;

    /// <summary>Half a second: a duration below TARGETDURATION + this rounds to at most TARGETDURATION.</summary>
    private const long RoundingMargin = 45_000;

    /// <summary>Video silent this long (or three frame durations, if longer) while audio flows is a stall, not a long
    /// frame: audio then cuts on time.</summary>
    private const long VideoStall = 500 * 90;

    /// <summary>A segment whose frames end this long before its cut holds a gap in the feed, not media.</summary>
    private const long Gap = 1_000 * 90;

    private readonly SegmentWindow _window;
    private readonly TimeProvider _time;
    private readonly long _target;
    private readonly long _maxDuration;
    private readonly int _maxSegmentBytes;
    private readonly SegmentBlockPool _pool;
    private readonly SegmentBuffer _segment;
    private ISegmentWriter _writer;
    private ISegmentWriter? _fallback;
    private readonly KeyframeIntervals _keyframes = new();
    private readonly long _partTarget;

    private VideoCodec? _videoCodec;
    private byte[]? _videoRecord;
    private AvcDecoderConfiguration? _avc;
    private AudioSpecificConfig? _aac;
    private byte[]? _audioRecord;

    private long? _originMs;
    private long _clockBase = ClockStart;
    private long _clockEnd;
    private long _lastVideoDts = long.MinValue;
    private long _lastAudioDts = long.MinValue;
    private long _latestDts = long.MinValue;
    private long _videoFrameDuration = DefaultVideoFrameDuration;

    private long _audioAnchor = long.MinValue;
    private long _audioSamples;

    private bool _open;
    private long _segmentStart;
    private bool _segmentHasVideo;
    private bool _segmentHasAudio;
    private bool _segmentIndependent;
    private bool _segmentDiscontinuity;
    private DateTimeOffset _segmentProgramDateTime;
    private DateTimeOffset? _nextProgramDateTime;
    private int _segmentInitVersion;
    private Segment? _current;
    private long _partStart;
    private long _nextPartNumber;
    private long _partOffset;
    private bool _partIndependent;
    private bool _partHasFrames;
    private bool _discontinuityPending;
    private bool _published;
    private long _forcedCuts;

    /// <param name="targetDuration">Cut at the first IDR once a segment is this long.</param>
    /// <param name="pool">Where segment blocks come from and go back to; when null, a pool of this segmenter's own
    /// (tests, benchmarks).</param>
    /// <param name="maxDuration">A segment without a keyframe is cut at this length (default
    /// <see cref="DefaultMaxDuration"/>, and never below the target).</param>
    /// <param name="writer">The container, for this segmenter alone; when null, MPEG-TS (<see cref="TsSegmentWriter"/>).</param>
    /// <param name="fallback">The container a video codec that <paramref name="writer"/> cannot carry (HEVC or AV1 in
    /// MPEG-TS) is packaged in instead: from that sequence header on, after a discontinuity, for the rest of the
    /// segmenter's life. When null, such video is dropped.</param>
    public Segmenter(SegmentWindow window, TimeSpan targetDuration, TimeProvider time, int maxSegmentBytes = DefaultMaxSegmentBytes,
        SegmentBlockPool? pool = null, TimeSpan? maxDuration = null, ISegmentWriter? writer = null, ISegmentWriter? fallback = null)
    {
        _window = window;
        _writer = writer ?? new TsSegmentWriter();
        _fallback = fallback;
        _partTarget = window.PartTarget is { } part ? (long)(part.TotalSeconds * 90_000) : 0;
        _nextPartNumber = window.FirstPartNumber;
        _pool = pool ?? new SegmentBlockPool();
        _segment = new SegmentBuffer(_pool);
        _time = time;
        _maxSegmentBytes = maxSegmentBytes;
        _target = (long)(targetDuration.TotalSeconds * 90_000);
        _maxDuration = Math.Max(_target, (long)((maxDuration ?? DefaultMaxDuration).TotalSeconds * 90_000));
    }

    public SegmentWindow Window => _window;

    /// <summary>The container segments are written in now.</summary>
    public ISegmentWriter Writer => _writer;

    /// <summary>Set when a video codec made the segmenter move to its fallback container; the caller logs it once
    /// and clears it.</summary>
    public VideoCodec? MovedToFallbackFor { get; set; }

    /// <summary>The longest segment when no keyframe comes.</summary>
    public TimeSpan MaxDuration => TimeSpan.FromTicks(_maxDuration * TimeSpan.TicksPerSecond / 90_000);

    /// <summary>Frames not packaged: unsupported codecs, frames before their configuration or before the first IDR,
    /// malformed payloads.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>Segments cut without a keyframe: the encoder sent none for <see cref="MaxDuration"/>, or a segment
    /// reached the byte cap.</summary>
    public long ForcedCuts => Volatile.Read(ref _forcedCuts);

    /// <summary>The encoder's keyframe interval: the longest of its recent GOPs; null until two keyframes were seen.
    /// Read from any thread.</summary>
    public TimeSpan? KeyframeInterval => _keyframes.Longest is var ticks and > 0 ? TimeSpan.FromTicks(ticks * TimeSpan.TicksPerSecond / 90_000) : null;

    /// <summary>A (new) publisher starts: an open segment is closed; after a previous publish the next segment starts
    /// with a discontinuity, the clock carries on, and the playlist loses its ENDLIST.</summary>
    public void BeginPublish()
    {
        Flush();
        _discontinuityPending = _published;
        _originMs = null;
        _clockBase = _clockEnd == 0 ? ClockStart : _clockEnd + ClockStart;
        _videoCodec = null;
        _videoRecord = null;
        _avc = null;
        _aac = null;
        _audioRecord = null;
        _audioAnchor = long.MinValue;
        _keyframes.Reset();
        if (_window.Ended)
        {
            _window.Reopen();
        }
    }

    /// <summary>The publisher stopped: the open segment is listed and the playlist gets ENDLIST.</summary>
    public void EndPublish()
    {
        Flush();
        _window.End();
    }

    /// <summary>Packages one frame. Returns false when the frame was dropped.</summary>
    public bool Write(MediaFrame frame)
    {
        var accepted = (frame.Kind, frame.FrameKind) switch
        {
            (MediaKind.Video, MediaFrameKind.SequenceHeader) => SetVideoConfiguration(frame),
            (MediaKind.Audio, MediaFrameKind.SequenceHeader) => SetAudioConfiguration(frame),
            (MediaKind.Video, MediaFrameKind.Coded) => frame.VideoCodec == _videoCodec && WriteVideo(frame),
            (MediaKind.Audio, MediaFrameKind.Coded) => frame.AudioCodec == AudioCodec.Aac && _aac is not null && WriteAudio(frame),
            _ => true, // end of sequence: nothing to package
        };
        if (!accepted)
        {
            DroppedFrames++;
        }
        return accepted;
    }

    private bool SetVideoConfiguration(MediaFrame frame)
    {
        var codec = frame.VideoCodec;
        var record = frame.Payload.Span;
        AvcDecoderConfiguration? avc = null;
        if (codec == VideoCodec.H264)
        {
            if (!AvcDecoderConfiguration.TryParse(record, out var parsed))
            {
                return false;
            }
            avc = parsed;
        }
        if (!_writer.CanCarry(codec))
        {
            if (_fallback is null || !_fallback.CanCarry(codec))
            {
                return false;
            }
            MoveToFallback(codec);
        }
        if (!_writer.SetVideoConfiguration(codec, record))
        {
            return false;
        }
        var changed = _videoRecord is not null && (codec != _videoCodec
            || (avc is not null && _avc is not null ? !SameParameterSets(_avc, avc) : !record.SequenceEqual(_videoRecord)));
        if (changed)
        {
            _discontinuityPending = true; // new resolution or profile mid-publish: players must reset their decoder
        }
        _videoCodec = codec;
        _videoRecord = record.ToArray();
        _avc = avc;
        return true;
    }

    /// <summary>The fallback container takes over for good: the open segment is listed, the next one starts with a
    /// discontinuity, and the audio configuration carries over.</summary>
    private void MoveToFallback(VideoCodec codec)
    {
        Flush();
        _writer = _fallback!;
        _fallback = null;
        _discontinuityPending |= _published;
        if (_audioRecord is not null && _aac is { } aac)
        {
            _writer.SetAudioConfiguration(_audioRecord, aac, _segment);
        }
        MovedToFallbackFor = codec;
    }

    private bool SetAudioConfiguration(MediaFrame frame)
    {
        if (frame.AudioCodec != AudioCodec.Aac || !AudioSpecificConfig.TryParse(frame.Payload.Span, out var configuration)
            || configuration.ChannelConfiguration == 0)
        {
            return false;
        }
        if (_aac is not null && _aac != configuration)
        {
            _discontinuityPending = true;
            _audioAnchor = long.MinValue;
        }
        _aac = configuration;
        _audioRecord = frame.Payload.ToArray();
        _writer.SetAudioConfiguration(_audioRecord, configuration, _segment);
        return true;
    }

    private static bool SameParameterSets(AvcDecoderConfiguration a, AvcDecoderConfiguration b) =>
        a.NalLengthSize == b.NalLengthSize
        && a.SequenceParameterSets.SequenceEqual(b.SequenceParameterSets, ByteArrayComparer.Instance)
        && a.PictureParameterSets.SequenceEqual(b.PictureParameterSets, ByteArrayComparer.Instance);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }

    private bool WriteVideo(MediaFrame frame)
    {
        var payload = frame.Payload.Span;
        var idr = _avc is not null ? AnnexBWriter.ContainsIdr(payload, _avc.NalLengthSize) : frame.IsKeyframe;
        CheckJump(frame.Dts, _videoFrameDuration);
        var dts = Math.Max(0, ToClock(frame.Dts));
        if (_lastVideoDts != long.MinValue && dts <= _lastVideoDts)
        {
            dts = _lastVideoDts + 1;
        }
        var pts = Math.Max(dts, dts + frame.CompositionOffset * 90L);
        if (idr)
        {
            _keyframes.Seen(dts);
        }

        if (!_open)
        {
            if (!idr)
            {
                return false;
            }
            Open(dts, hasVideo: true, hasAudio: _aac is not null, independent: true);
        }
        else
        {
            var elapsed = dts - _segmentStart;
            if (idr && (elapsed >= _target || _discontinuityPending || !_segmentHasVideo || !_segmentIndependent
                || NextKeyframeWouldOverrun(elapsed)))
            {
                Cut(dts, hasVideo: true, hasAudio: _aac is not null, independent: true);
            }
            else if (elapsed >= _maxDuration || SegmentBytes >= _maxSegmentBytes)
            {
                ForcedCut(dts, independent: idr);
            }
            else if (PartFull(dts, _videoFrameDuration))
            {
                EndPart(dts, independent: idr);
            }
            if (!_segmentHasVideo)
            {
                return false;
            }
        }
        if (!_partHasFrames)
        {
            _partHasFrames = true;
            _partIndependent |= idr;
        }

        if (!_writer.WriteVideo(_segment, frame, pts, dts, idr))
        {
            return false;
        }
        if (_lastVideoDts != long.MinValue)
        {
            _videoFrameDuration = Math.Clamp(dts - _lastVideoDts, 1, 90_000);
        }
        _lastVideoDts = dts;
        _latestDts = Math.Max(_latestDts, dts);
        _clockEnd = Math.Max(_clockEnd, dts + _videoFrameDuration);
        return true;
    }

    /// <summary>Bytes of the open segment, written or held back by the writer.</summary>
    private long SegmentBytes => _segment.WrittenCount + _writer.PendingBytes;

    /// <summary>Low-latency HLS: the open part has frames and would pass the part target with the frame at
    /// <paramref name="dts"/>, so the frame starts the next part. Video leads the parts of a segment that has video, so
    /// each part starts with a picture (and says whether it is a keyframe).</summary>
    private bool PartFull(long dts, long frameDuration) =>
        _partTarget > 0 && _partHasFrames && dts + frameDuration - _partStart > _partTarget;

    private void EndPart(long at, bool independent)
    {
        _writer.EndPart(_segment, at);
        AddPart(at);
        _partStart = at;
        _partOffset = _segment.WrittenCount;
        _partIndependent = independent;
        _partHasFrames = false;
    }

    /// <summary>The bytes since the last part become a part of the open segment; listed at once unless the segment is
    /// about to be listed whole.</summary>
    private void AddPart(long end, bool publish = true)
    {
        var segment = _current!;
        var data = _segment.WrittenFrom(_partOffset);
        if (data.IsEmpty)
        {
            return;
        }
        var duration = TimeSpan.FromTicks(Math.Max(1, end - _partStart) * TimeSpan.TicksPerSecond / 90_000);
        var part = new PartialSegment(segment, new PartEntry(segment.Sequence, segment.Parts.Length, duration, _partIndependent, _nextPartNumber++), data);
        if (publish)
        {
            _window.AddPart(part);
        }
        else
        {
            segment.AddPart(part);
        }
    }

    /// <summary>Cutting at this keyframe keeps the segment within TARGETDURATION when the next keyframe, one keyframe
    /// interval away, would not (a GOP that does not divide the target, or an extra keyframe on a scene cut).</summary>
    private bool NextKeyframeWouldOverrun(long elapsed)
    {
        var interval = _keyframes.Longest;
        return interval > 0 && elapsed > 0 && elapsed + interval >= TargetDurationLimit(interval);
    }

    /// <summary>The length a segment must stay under for its rounded EXTINF to fit TARGETDURATION; before the first
    /// segment, TARGETDURATION is what the keyframe interval will make it.</summary>
    private long TargetDurationLimit(long keyframeInterval) =>
        Math.Max(_window.TargetDuration, SegmentWindow.RoundedSeconds(keyframeInterval)) * 90_000L + RoundingMargin;

    private bool WriteAudio(MediaFrame frame)
    {
        if (frame.Payload.Length > _writer.MaxAudioFrameLength)
        {
            return false;
        }
        var config = _aac!.Value;
        var frameDuration = Math.Clamp(AudioSpecificConfig.SamplesPerFrame * 90_000L / config.SampleRate, 1, 90_000);
        CheckJump(frame.Dts, frameDuration);
        var dts = AudioClock(Math.Max(0, ToClock(frame.Dts)), config.SampleRate, frameDuration);

        if (!_open)
        {
            if (_videoCodec is not null)
            {
                return false; // video is coming: segments start at its first IDR
            }
            Open(dts, hasVideo: false, hasAudio: true, independent: true);
        }
        else
        {
            var elapsed = dts - _segmentStart;
            if (!_segmentHasVideo && (elapsed >= _target || _discontinuityPending))
            {
                Cut(dts, hasVideo: false, hasAudio: true, independent: true);
            }
            else if (_segmentHasVideo && elapsed >= _target && dts - _lastVideoDts >= Math.Max(VideoStall, 3 * _videoFrameDuration))
            {
                // The video has stopped while the audio flows: audio cuts on time, as in an audio-only stream, and the
                // stall is not a GOP of the encoder's.
                _keyframes.Reset();
                Cut(dts, hasVideo: true, hasAudio: _segmentHasAudio, independent: false);
            }
            else if (elapsed >= _maxDuration || SegmentBytes >= _maxSegmentBytes)
            {
                ForcedCut(dts, independent: !_segmentHasVideo);
            }
            else if (!_segmentHasVideo && PartFull(dts, frameDuration))
            {
                EndPart(dts, independent: true);
            }
            if (!_segmentHasAudio)
            {
                return false;
            }
        }
        if (!_segmentHasVideo)
        {
            _partHasFrames = true;
        }

        _writer.WriteAudio(_segment, frame, dts, frameDuration);
        _lastAudioDts = dts;
        _latestDts = Math.Max(_latestDts, dts);
        _clockEnd = Math.Max(_clockEnd, dts + frameDuration);
        return true;
    }

    /// <summary>The frame's timestamp on the sample clock: the anchor plus the samples sent since, while the encoder's
    /// timestamp stays within half a frame of it; otherwise the encoder's timestamp becomes the new anchor.</summary>
    private long AudioClock(long dts, int sampleRate, long frameDuration)
    {
        if (_audioAnchor != long.MinValue)
        {
            var expected = _audioAnchor + _audioSamples * 90_000 / sampleRate;
            if (Math.Abs(dts - expected) <= frameDuration / 2 && expected > _lastAudioDts)
            {
                _audioSamples += AudioSpecificConfig.SamplesPerFrame;
                return expected;
            }
        }
        if (_lastAudioDts != long.MinValue && dts <= _lastAudioDts)
        {
            dts = _lastAudioDts + 1;
        }
        _audioAnchor = dts;
        _audioSamples = AudioSpecificConfig.SamplesPerFrame;
        return dts;
    }

    private long ToClock(long ms)
    {
        _originMs ??= ms;
        return (ms - _originMs.Value) * 90 + _clockBase;
    }

    /// <summary>A frame more than 1 s behind or 10 s ahead of the stream's latest frame (of either track, so a jump
    /// that both tracks make is seen once, and a stall in one track is no jump) re-maps the clock so it follows the
    /// latest frame by one frame duration, and the next segment starts with a discontinuity.</summary>
    private void CheckJump(long ms, long frameDuration)
    {
        if (_latestDts == long.MinValue || _originMs is null)
        {
            return;
        }
        var delta = ToClock(ms) - _latestDts;
        if (delta < -JumpBackwardMs * 90 || delta > JumpForwardMs * 90)
        {
            _originMs += (delta - frameDuration) / 90;
            _discontinuityPending = true;
            _keyframes.Reset();
        }
    }

    private void ForcedCut(long at, bool independent)
    {
        Interlocked.Increment(ref _forcedCuts);
        Cut(at, _segmentHasVideo, _segmentHasAudio, independent);
    }

    private void Cut(long at, bool hasVideo, bool hasAudio, bool independent)
    {
        Close(at);
        Open(at, hasVideo, hasAudio, independent);
    }

    private void Open(long start, bool hasVideo, bool hasAudio, bool independent)
    {
        _open = true;
        _segmentStart = start;
        _segmentHasVideo = hasVideo;
        _segmentHasAudio = hasAudio;
        _segmentIndependent = independent;
        _segmentDiscontinuity = _discontinuityPending;
        _discontinuityPending = false;
        _writer.BeginSegment(_segment, hasVideo, hasAudio, _segmentDiscontinuity);
        _segmentInitVersion = _writer.InitVersion;
        _window.SetInit(_segmentInitVersion, _writer.InitSegment);
        _segmentProgramDateTime = _segmentDiscontinuity || _nextProgramDateTime is null
            ? _time.GetUtcNow()
            : _nextProgramDateTime.Value;
        _current = new Segment(_window.NextSequence, _pool);
        _partStart = start;
        _partOffset = 0;
        _partIndependent = independent;
        _partHasFrames = false;
        if (_partTarget > 0)
        {
            _window.Open(_current, new PlaylistEntry(_current.Sequence, TimeSpan.Zero, _segmentDiscontinuity, _segmentProgramDateTime,
                independent, _segmentInitVersion));
        }
    }

    private void Close(long end)
    {
        _writer.EndSegment(_segment, end);
        if (_partTarget > 0)
        {
            AddPart(end, publish: false); // the segment is listed whole in a moment, with this last part
        }
        var length = Math.Max(1, end - _segmentStart);
        var limit = _window.TargetDuration * 90_000L + RoundingMargin;
        if (length >= limit && end - _clockEnd > Gap)
        {
            // A gap in the feed (a stalled encoder) that would carry the segment past TARGETDURATION: the segment ends
            // there (or with its last frame, if that is later) and the gap becomes a discontinuity.
            length = Math.Max(_clockEnd - _segmentStart, _window.TargetDuration * 90_000L);
            _discontinuityPending = true;
        }
        var duration = TimeSpan.FromTicks(length * TimeSpan.TicksPerSecond / 90_000);
        var entry = new PlaylistEntry(_window.NextSequence, duration, _segmentDiscontinuity, _segmentProgramDateTime, _segmentIndependent,
            _segmentInitVersion);
        var data = _segment.Detach(out var blocks);
        var segment = _current!;
        _current = null;
        segment.Complete(entry, data, blocks);
        _window.Add(segment);
        _nextProgramDateTime = _segmentProgramDateTime + duration;
        _open = false;
        _published = true;
    }

    /// <summary>The stream is going away: the open segment's blocks go back to the pool unlisted, and the window
    /// releases every segment.</summary>
    public void Discard()
    {
        _writer.Discard();
        _segment.Detach(out var blocks);
        if (_current is { } open)
        {
            // A part of it may still be being sent: its blocks go back once that response lets go.
            open.Abandon(blocks);
            open.Release();
            _current = null;
        }
        else if (blocks is not null)
        {
            _pool.Return(blocks);
        }
        _open = false;
        _window.Discard();
        (_writer as IDisposable)?.Dispose();
        (_fallback as IDisposable)?.Dispose();
    }

    /// <summary>Lists the open segment, if any, with its duration up to the end of its last frame.</summary>
    private void Flush()
    {
        if (_open)
        {
            Close(Math.Max(_clockEnd, _segmentStart + 1));
        }
        else
        {
            _writer.Discard();
        }
    }
}
